import { spawn, type ChildProcess } from "node:child_process";
import type { Logger } from "pino";

/**
 * The variables a process needs to run at all, as the MCP SDK's own stdio client passes them; a
 * stdio upstream gets these, the ones its config lists, and nothing else unless `inheritEnv`.
 */
export const BASE_ENV = Object.freeze(["PATH", "HOME", "USER", "LOGNAME", "SHELL", "TERM"]);

export interface ChildSpec {
  /** The upstream's name, for logs and errors. */
  upstream: string;
  command: string;
  args: readonly string[];
  cwd: string | undefined;
  env: Readonly<Record<string, string>>;
  inheritEnv: boolean;
  /** Longest line (one JSON-RPC message) read from the child's stdout. */
  maxMessageBytes: number;
  /** Most bytes waiting to be written to a child that stopped reading. */
  maxPendingWriteBytes: number;
  log: Logger;
}

export type ChildEvent =
  | { kind: "message"; message: unknown; line: string }
  | { kind: "oversized"; bytes: number }
  | { kind: "exit"; code: number | null; signal: NodeJS.Signals | null; error?: Error };

/** The environment of a child: the base variables and the listed ones, or everything with inheritEnv. */
export function childEnv(spec: Pick<ChildSpec, "env" | "inheritEnv">, parent: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  if (spec.inheritEnv) Object.assign(env, parent);
  else for (const name of BASE_ENV) if (parent[name] !== undefined) env[name] = parent[name]!;
  return Object.assign(env, spec.env);
}

/** How many stderr lines of one child are logged per second; the rest are counted and reported. */
const STDERR_LINES_PER_SECOND = 20;

/**
 * One stdio MCP server process: JSON-RPC messages are lines on its stdin and stdout; its stderr
 * goes to the gateway's log, tagged and rate-limited. It runs in its own process group, so ending
 * it ends what it started (`npx` spawns a grandchild).
 */
export class Child {
  readonly pid: number;
  readonly started = Date.now();
  #process: ChildProcess;
  #exited = false;
  #stdout = "";
  #skipping = 0;
  readonly #spec: ChildSpec;
  readonly #listener: (event: ChildEvent) => void;
  readonly #exit: Promise<void>;

  private constructor(spec: ChildSpec, child: ChildProcess, listener: (event: ChildEvent) => void) {
    this.#spec = spec;
    this.#process = child;
    this.#listener = listener;
    this.pid = child.pid!;
    this.#exit = new Promise((resolve) => child.once("close", () => resolve()));
  }

  /**
   * Starts the process. A command that cannot be run (not found, not executable) rejects with the
   * reason, naming the upstream; one that starts and then exits is reported as an `exit` event.
   */
  static start(spec: ChildSpec, listener: (event: ChildEvent) => void): Promise<Child> {
    return new Promise((resolve, reject) => {
      let child: ChildProcess;
      try {
        child = spawn(spec.command, [...spec.args], {
          cwd: spec.cwd,
          env: childEnv(spec),
          stdio: ["pipe", "pipe", "pipe"],
          detached: true,
          windowsHide: true,
        });
      } catch (err) {
        reject(new Error(`stdio upstream "${spec.upstream}": cannot start ${spec.command}: ${(err as Error).message}`));
        return;
      }
      child.once("error", (err) => reject(new Error(`stdio upstream "${spec.upstream}": cannot start ${spec.command}: ${err.message}`)));
      child.once("spawn", () => {
        const wrapped = new Child(spec, child, listener);
        wrapped.#wire();
        resolve(wrapped);
      });
    });
  }

  get exited(): boolean {
    return this.#exited;
  }

  #wire(): void {
    const child = this.#process;
    const { log, upstream } = this.#spec;
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (chunk: string) => this.#read(chunk));
    child.stdin!.on("error", () => undefined); // a child that exits mid-write: its exit is what matters
    // stderr: whole lines to the log, at most STDERR_LINES_PER_SECOND a second; a second line says how many were dropped.
    let windowStart = Date.now();
    let logged = 0;
    let suppressed = 0;
    let report: NodeJS.Timeout | undefined;
    const flush = () => {
      report = undefined;
      if (suppressed) log.warn({ upstream, pid: this.pid, suppressed }, `stdio upstream stderr: ${suppressed} lines dropped (more than ${STDERR_LINES_PER_SECOND} a second)`);
      suppressed = 0;
    };
    let partial = "";
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (chunk: string) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      if (partial.length > 4096) partial = partial.slice(0, 4096);
      for (const line of lines) {
        const now = Date.now();
        if (now - windowStart >= 1000) [windowStart, logged] = [now, 0];
        if (logged < STDERR_LINES_PER_SECOND) {
          logged++;
          log.info({ upstream, pid: this.pid, stderr: line.slice(0, 2048) }, "stdio upstream stderr");
        } else {
          suppressed++;
          report ??= setTimeout(flush, 1000 - (now - windowStart)).unref();
        }
      }
    });
    child.once("close", () => {
      clearTimeout(report);
      flush();
    });
    child.once("close", (code, signal) => {
      this.#exited = true;
      this.#listener({ kind: "exit", code, signal });
    });
  }

  /** Splits stdout into lines; a line that is not JSON is logged and skipped, a line past the limit discarded. */
  #read(chunk: string): void {
    const { maxMessageBytes, log, upstream } = this.#spec;
    let text = chunk;
    if (this.#skipping) {
      const end = text.indexOf("\n");
      if (end === -1) {
        this.#skipping += text.length;
        return;
      }
      this.#listener({ kind: "oversized", bytes: this.#skipping + end });
      this.#skipping = 0;
      text = text.slice(end + 1);
    }
    let start = 0;
    for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", start)) {
      const line = (this.#stdout + text.slice(start, end)).replace(/\r$/, "");
      this.#stdout = "";
      start = end + 1;
      if (!line.trim()) continue;
      if (line.length > maxMessageBytes) {
        this.#listener({ kind: "oversized", bytes: line.length });
        continue;
      }
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        log.warn({ upstream, pid: this.pid, line: line.slice(0, 200) }, "stdio upstream wrote a line that is not JSON-RPC; skipped");
        continue;
      }
      this.#listener({ kind: "message", message, line });
    }
    this.#stdout += text.slice(start);
    if (this.#stdout.length > maxMessageBytes) {
      this.#skipping = this.#stdout.length;
      this.#stdout = "";
    }
  }

  /** Whether the child can take one more message now: false while too much waits to be written. */
  get writable(): boolean {
    const stdin = this.#process.stdin!;
    return !this.#exited && stdin.writable && stdin.writableLength <= this.#spec.maxPendingWriteBytes;
  }

  /** Writes one message (a JSON string) as a line. */
  send(json: string): void {
    if (this.#exited) return;
    this.#process.stdin!.write(`${json}\n`);
  }

  /**
   * Ends the process and everything it started: SIGTERM to its process group, SIGKILL after
   * `graceMs`. Resolves when it has exited.
   */
  async stop(graceMs: number): Promise<void> {
    if (this.#exited) {
      // It exited on its own; whatever it started in its group may not have (the group id stays ours while any is left).
      this.#signal("SIGKILL");
      return;
    }
    this.#process.stdin!.end();
    this.#signal("SIGTERM");
    const timer = setTimeout(() => this.#signal("SIGKILL"), graceMs);
    timer.unref();
    await this.#exit;
    clearTimeout(timer);
    // The child is gone; anything it started in its group goes too.
    this.#signal("SIGKILL");
  }

  #signal(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      // the group is gone already
    }
  }
}
