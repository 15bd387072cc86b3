/**
 * Runs the real CLI (`mcp-gateway start -c FILE`) as a child process, the way an operator does,
 * so signals, exit codes and stdout logs are the production ones; and runs it (or any node
 * script) to completion for the commands that exit.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const CLI_BIN = path.join(REPO_ROOT, "packages/runtime/bin/mcp-gateway.js");

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnedGateway {
  /** The MCP endpoint URL, from the "gateway listening" log line. */
  url: string;
  /** `http://HOST:PORT`. */
  baseUrl: string;
  pid: number;
  child: ChildProcess;
  /** Every stdout line so far, in order (pino JSON lines). */
  stdoutLines: string[];
  /** Resolves when a log line with this `msg` has been written; bounded by `ms`. */
  waitForLog(msg: string, ms?: number): Promise<Record<string, unknown>>;
  /** Resolves when the process has exited. */
  exited: Promise<Exit>;
  /** Sends `signal` to this process only and waits for it to exit (SIGKILL after `ms`). */
  stop(signal?: NodeJS.Signals, ms?: number): Promise<Exit>;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Working directory (default: the repository root). */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** SIGKILL after this long (default 60 s), so a hung child fails the test instead of holding it. */
  timeoutMs?: number;
}

/**
 * Runs `node <script> ...args` to completion without blocking this process (an in-process
 * gateway may have to answer it), and resolves with its exit code and output.
 */
export function runNode(script: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: options.cwd ?? REPO_ROOT, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs the built CLI (`mcp-gateway <args>`) to completion: validate, routes, a start that must fail. */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return runNode(CLI_BIN, args, options);
}

function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export async function spawnGateway(configFile: string, options: { env?: NodeJS.ProcessEnv; startMs?: number; args?: readonly string[] } = {}): Promise<SpawnedGateway> {
  const child = spawn(process.execPath, [CLI_BIN, "start", "-c", configFile, ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${CLI_BIN}`);
  const stdoutLines: string[] = [];
  let stderr = "";
  const watchers: ((line: Record<string, unknown>) => void)[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    stdoutLines.push(line);
    const parsed = parseLine(line);
    if (parsed) for (const watch of [...watchers]) watch(parsed);
  });
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  // "close", not "exit": by then every stdout line has been read.
  const exited = new Promise<Exit>((resolve) => child.once("close", (code, signal) => resolve({ code, signal })));
  let done = false;
  void exited.then(() => (done = true));

  function waitForLog(msg: string, ms = 10_000): Promise<Record<string, unknown>> {
    const seen = stdoutLines.map(parseLine).find((line) => line?.msg === msg);
    if (seen) return Promise.resolve(seen);
    if (done) return Promise.reject(new Error(`gateway ${pid} has exited without logging "${msg}"; stderr: ${stderr}`));
    return new Promise((resolve, reject) => {
      const settle = (finish: () => void) => {
        clearTimeout(timer);
        child.off("close", onClose);
        watchers.splice(watchers.indexOf(watch), 1);
        finish();
      };
      const watch = (line: Record<string, unknown>) => {
        if (line.msg === msg) settle(() => resolve(line));
      };
      const onClose = (code: number | null, signal: NodeJS.Signals | null) =>
        settle(() => reject(new Error(`gateway ${pid} exited (${code ?? signal}) without logging "${msg}"; stderr: ${stderr}`)));
      const timer = setTimeout(() => settle(() => reject(new Error(`gateway ${pid} logged no "${msg}" within ${ms} ms; stderr: ${stderr}`))), ms);
      child.once("close", onClose);
      watchers.push(watch);
    });
  }

  /** Signals this child only; one that has just exited (ESRCH) is not an error. */
  const sendSignal = (name: NodeJS.Signals): void => {
    try {
      process.kill(pid, name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
    }
  };

  async function stop(name: NodeJS.Signals = "SIGTERM", ms = 10_000): Promise<Exit> {
    if (done) return exited;
    sendSignal(name);
    const timer = setTimeout(() => {
      if (!done) sendSignal("SIGKILL");
    }, ms);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  let listening: Record<string, unknown>;
  try {
    listening = await waitForLog("gateway listening", options.startMs);
  } catch (err) {
    if (!done) sendSignal("SIGKILL");
    throw err;
  }
  const baseUrl = `http://${String(listening.address)}`;
  return { url: `${baseUrl}${String(listening.path)}`, baseUrl, pid, child, stdoutLines, waitForLog, exited, stop };
}
