/**
 * Starts a real `redis-server` for a test (or the bench): loopback only, a free port, nothing
 * written to disk.
 * Without the binary the Redis suites are skipped with a loud warning on a developer machine,
 * and fail on CI (CI=true), where a missing Redis must never pass silently.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { freePort } from "@mcp-gateway/runtime/testing";
import { tmpdir } from "node:os";
import path from "node:path";

export interface RedisServer {
  /** `redis://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** PID of the running server (changes on restart). */
  readonly pid: number;
  /** Stops the server and waits for it to exit; safe to call twice. */
  stop(): Promise<void>;
  /** Stops it if it runs, then starts it again on the same port, empty (no persistence). */
  restart(): Promise<void>;
}

export interface RedisServerOptions {
  /**
   * Starts the process (default: node's `spawn`). The bench passes its own so the server joins the
   * processes it tracks and stops. The child must have stdout and stderr piped.
   */
  spawn?: (binary: string, args: readonly string[]) => ChildProcess;
}

const START_MS = 10_000;
const STOP_MS = 5_000;

/** The `redis-server` on PATH (or `REDIS_SERVER_BIN`), if there is one. */
export function findRedisServer(): string | undefined {
  const candidates = process.env.REDIS_SERVER_BIN
    ? [process.env.REDIS_SERVER_BIN]
    : (process.env.PATH ?? "").split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, "redis-server"));
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * For `describe(name, { skip: redisSkipReason() }, ...)`. Returns a reason (and warns loudly)
 * when the binary is missing locally; on CI it returns false so `startRedisServer` fails the suite.
 */
export function redisSkipReason(): string | false {
  if (findRedisServer() || process.env.CI === "true") return false;
  const reason = "redis-server not found on PATH: Redis tests did NOT run (install redis-server, or set REDIS_SERVER_BIN)";
  if (!warned) console.warn(`\n${"!".repeat(reason.length + 9)}\nSKIPPED: ${reason}\n${"!".repeat(reason.length + 9)}\n`);
  warned = true;
  return reason;
}

let warned = false;

const spawnPiped = (binary: string, args: readonly string[]) => spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });

function launch(binary: string, port: number, dir: string, start: NonNullable<RedisServerOptions["spawn"]>): Promise<ChildProcess> {
  const child = start(binary, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no"]);
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`redis-server on port ${port} was not ready within ${START_MS} ms:\n${output}`));
    }, START_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (/ready to accept connections/i.test(output)) {
        clearTimeout(timer);
        child.stdout!.off("data", onData);
        // Keep draining so a chatty server never blocks on a full pipe.
        child.stdout!.resume();
        child.off("exit", onExit);
        resolve(child);
      }
    };
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`redis-server on port ${port} exited (${code}) before it was ready:\n${output}`));
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.once("exit", onExit);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_MS);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const start = options.spawn ?? spawnPiped;
  const binary = findRedisServer();
  if (!binary) throw new Error("redis-server not found on PATH (CI=true: the Redis tests must run; install redis-server)");
  // With --save "" and --appendonly no nothing is written; --dir only keeps Redis out of the cwd.
  const dir = tmpdir();
  let child: ChildProcess | undefined;
  // A crashed test must not leave a server behind.
  process.once("exit", () => child?.kill("SIGKILL"));

  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      child = await launch(binary, port, dir, start);
      break;
    } catch (err) {
      // Another process may have taken the port between our probe and Redis binding it.
      if (attempt >= 3 || !/address already in use/i.test((err as Error).message)) throw err;
    }
  }

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return child!.pid!;
    },
    stop: () => stopChild(child!),
    async restart() {
      await stopChild(child!);
      child = await launch(binary, port, dir, start);
    },
  };
}
