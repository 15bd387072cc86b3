/**
 * Every process the benchmark starts, so each one is stopped by its own PID — after a normal
 * run, after an error, and when the runner itself is interrupted.
 */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { accessSync, constants } from "node:fs";
import path from "node:path";

export interface Child {
  name: string;
  pid: number;
  process: ChildProcess;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<number | string>;
  /** The last 4 KiB of stderr, for error messages. */
  stderr(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<Child>();
const started: { name: string; pid: number }[] = [];

/** Every process started so far (name and PID), running or not. */
export function startedChildren(): readonly { name: string; pid: number }[] {
  return started;
}

export function spawnChild(name: string, command: string, args: readonly string[], options: SpawnOptions = {}): Child {
  const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"], ...options });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-4096);
  });
  let done = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => {
      done = true;
      resolve(code ?? signal ?? "unknown");
    });
    child.once("error", (err) => {
      done = true;
      stderr += err.message;
      resolve("error");
    });
  });
  const handle: Child = {
    name,
    pid: child.pid,
    process: child,
    exited,
    stderr: () => stderr,
    async stop(graceMs = 10_000) {
      running.delete(handle);
      if (done) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(handle);
  started.push({ name, pid: child.pid });
  void exited.then(() => running.delete(handle));
  return handle;
}

/** Stops every child still running (in parallel). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop()));
}

/** Last resort on exit: synchronous, so it works in an `exit` handler. */
function killAllNow(): void {
  for (const child of running) {
    try {
      process.kill(child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

let installed = false;

/** Makes sure no child outlives the runner, however it ends. */
export function installExitHandlers(): void {
  if (installed) return;
  installed = true;
  process.once("exit", killAllNow);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void stopAll().finally(() => process.exit(130));
    });
  }
}

/** The absolute path of an executable found on PATH, like `which`. */
export function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}
