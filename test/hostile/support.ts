/**
 * The hostile suite drives the built CLI (`mcp-gateway start -c FILE`) as a black box: each case
 * writes a config, starts a real gateway process and attacks it over HTTP or with signals.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { request, type IncomingHttpHeaders } from "node:http";
import os from "node:os";
import path from "node:path";
import { CLI_BIN, REPO_ROOT, spawnGateway, type SpawnedGateway } from "../helpers/spawn-gateway.ts";

export { within } from "../fixtures/raw-upstream.ts";

export interface Workspace {
  dir: string;
  /** Writes `config` as JSON in the workspace and returns the file's path. */
  config(config: unknown, name?: string): Promise<string>;
  /** Starts the CLI on `config` (written first), with `env` over the test's environment. */
  start(config: unknown, env?: NodeJS.ProcessEnv): Promise<SpawnedGateway>;
  close(): Promise<void>;
}

/** A temporary directory whose gateways are all stopped (SIGKILL if they hang) on close. */
export async function workspace(prefix: string): Promise<Workspace> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `mcpgw-hostile-${prefix}-`));
  const started: SpawnedGateway[] = [];
  let count = 0;
  const config = async (value: unknown, name = `config-${++count}.json`) => {
    const file = path.join(dir, name);
    await writeFile(file, JSON.stringify(value, null, 2));
    return file;
  };
  return {
    dir,
    config,
    async start(value, env) {
      const gateway = await spawnGateway(await config(value), env ? { env: { ...process.env, ...env } } : {});
      started.push(gateway);
      return gateway;
    },
    async close() {
      await Promise.all(started.map((gateway) => gateway.stop("SIGTERM", 5_000)));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion (validate, routes, start that must fail). */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 20_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  body: unknown;
}

/**
 * A POST with headers as node sends them on the wire, repeats included (`fetch` joins repeated
 * headers into one, so it cannot send two Authorization headers).
 */
export function rawPost(url: string, rawHeaders: readonly string[], body: string | Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    // With headers as an array node adds neither Host nor Content-Length.
    const length = String(Buffer.byteLength(body));
    const headers = ["host", new URL(url).host, "content-type", "application/json", "content-length", length, "accept", "application/json, text/event-stream", ...rawHeaders];
    const req = request(url, { method: "POST", headers: headers as unknown as Record<string, string> }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let parsed: unknown;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          parsed = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** POSTs one JSON-RPC message (or a raw body) with fetch. */
export async function post(url: string, message: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: typeof message === "string" ? message : JSON.stringify(message),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: Object.fromEntries(response.headers), text, body };
}

export type ErrorBody = { jsonrpc: "2.0"; id: unknown; error: { code: number; message: string; data: { code: string } } };

/** The `error.data.code` of a JSON-RPC error body. */
export function errorCode(response: RawResponse): string | undefined {
  return (response.body as Partial<ErrorBody> | undefined)?.error?.data?.code;
}

/** Resident memory of a process, in bytes (Linux /proc). */
export function rss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for ${pid}`);
  return Number(kib) * 1024;
}

/** A tools/call, prompts/get or other request with an id. */
export const rpc = (id: number, method: string, params: Record<string, unknown> = {}) => ({ jsonrpc: "2.0", id, method, params });

/** The log lines of a spawned gateway, parsed, that satisfy `match`. */
export function logLines(gateway: SpawnedGateway, match: (line: Record<string, unknown>) => boolean): Record<string, unknown>[] {
  return gateway.stdoutLines.flatMap((line) => {
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      return match(parsed) ? [parsed] : [];
    } catch {
      return [];
    }
  });
}
