import type { Logger } from "pino";
import { GatewayError, isGatewayError } from "../../errors.js";
import type { Connection } from "./connection.js";

/** The legacy protocol version the gateway's own `initialize` asks for. */
export const LEGACY_VERSION = "2025-11-25";
export const MODERN_VERSION = "2026-07-28";

/** What the gateway learned from the server in its own handshake. */
export type Handshake = { era: "legacy"; initialize: Record<string, unknown> } | { era: "modern"; discover: Record<string, unknown> };

export interface Ready {
  connection: Connection;
  handshake: Handshake;
}

export interface MultiplexedOptions {
  upstream: string;
  /** `initialize` first (shared mode: legacy clients), or `server/discover` first (the process kept for 2026-07-28 clients). */
  order: "initialize-first" | "discover-first";
  startTimeoutMs: number;
  clientInfo: { name: string; version: string };
  log: Logger;
  /** A new, not yet started connection whose exit is reported to `onExit`. */
  connect(onExit: (connection: Connection, detail: string) => void): Connection;
  /** Each start attempt's outcome, for health. */
  onStart(error: string | undefined): void;
}

/** A process that has stayed up this long is healthy again: its next exit restarts it at once. */
const STABLE_MS = 30_000;
const MAX_BACKOFF_MS = 30_000;

/**
 * The one process the gateway itself initializes and then serves many callers over: a shared
 * upstream's, or the process a per-session upstream keeps for stateless (2026-07-28) calls. Once
 * started it is kept running: after an exit it is restarted, at once if it had been up a while,
 * else after an exponential backoff (0.5 s, 1 s, 2 s … 30 s), during which calls fail at once.
 */
export class Multiplexed {
  readonly #options: MultiplexedOptions;
  #order: MultiplexedOptions["order"];
  #ready: Promise<Ready> | undefined;
  #current: Ready | undefined;
  #failures = 0;
  #retryAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #starts = 0;
  lastError: string | undefined;

  constructor(options: MultiplexedOptions) {
    this.#options = options;
    this.#order = options.order;
  }

  get running(): boolean {
    return this.#current?.connection.alive ?? false;
  }

  get restarts(): number {
    return Math.max(0, this.#starts - 1);
  }

  /** The running process and its handshake, started (or waited for) if need be. */
  ready(): Promise<Ready> {
    if (this.#closed) return Promise.reject(GatewayError.from("MCPGW_ERR_SHUTTING_DOWN"));
    if (this.#ready) return this.#ready;
    const wait = this.#retryAt - Date.now();
    if (wait > 0) {
      const why = this.lastError ? `: ${this.lastError}` : "";
      return Promise.reject(GatewayError.from("MCPGW_ERR_UPSTREAM_START_FAILED", `stdio upstream "${this.#options.upstream}" is restarting in ${wait} ms${why}`));
    }
    const ready = this.#start();
    this.#ready = ready;
    ready.catch(() => {
      if (this.#ready === ready) this.#ready = undefined;
    });
    return ready;
  }

  async #start(): Promise<Ready> {
    const { upstream, startTimeoutMs } = this.#options;
    this.#starts++;
    let connection = this.#options.connect((exited, detail) => this.#exited(exited, detail));
    try {
      await connection.start();
      let handshake: Handshake;
      try {
        handshake = await handshakeWith(connection, this.#order, startTimeoutMs, this.#options.clientInfo);
      } catch (err) {
        if (!(err instanceof ProbeEndedProcess)) throw err;
        // Some servers exit on any request before initialize: such a server is a legacy one (as
        // the SDK's own stdio client concludes); a fresh process is initialized instead.
        this.#order = "initialize-first";
        connection = this.#options.connect((exited, detail) => this.#exited(exited, detail));
        await connection.start();
        handshake = await handshakeWith(connection, this.#order, startTimeoutMs, this.#options.clientInfo);
      }
      // The era is the server's, not the process's: a restart starts with what worked.
      this.#order = handshake.era === "legacy" ? "initialize-first" : "discover-first";
      if (this.#closed) throw GatewayError.from("MCPGW_ERR_SHUTTING_DOWN");
      connection.completesModernResults = handshake.era === "legacy";
      this.#current = { connection, handshake };
      this.lastError = undefined;
      this.#options.onStart(undefined);
      return this.#current;
    } catch (err) {
      void connection.close();
      if (isGatewayError(err) && err.code === "MCPGW_ERR_SHUTTING_DOWN") throw err;
      const reason = (err as Error).message.replace(new RegExp(`^stdio upstream "${escape(upstream)}":? `), "");
      this.lastError = reason;
      this.#options.onStart(reason);
      this.#schedule(true);
      throw GatewayError.from("MCPGW_ERR_UPSTREAM_START_FAILED", `stdio upstream "${upstream}" could not be started: ${reason}`, { cause: err });
    }
  }

  #exited(connection: Connection, detail: string): void {
    if (this.#current?.connection !== connection) return;
    this.#current = undefined;
    this.#ready = undefined;
    if (this.#closed) return;
    this.lastError = `the process ${detail}`;
    this.#schedule(Date.now() - connection.started < STABLE_MS);
  }

  /** Plans the next start: after a backoff when the last one failed or did not last, and keeps the process warm. */
  #schedule(failed: boolean): void {
    this.#failures = failed ? this.#failures + 1 : 0;
    const delay = this.#failures === 0 ? 0 : Math.min(MAX_BACKOFF_MS, 500 * 2 ** (this.#failures - 1));
    this.#retryAt = Date.now() + delay;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#closed || this.#ready) return;
      this.ready().catch((err: Error) => this.#options.log.warn({ upstream: this.#options.upstream, err: err.message }, "stdio upstream restart failed"));
    }, delay);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const ready = this.#ready;
    this.#ready = undefined;
    const current = await ready?.catch(() => undefined);
    await current?.connection.close();
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The process exited on the `server/discover` probe: a legacy server that ends on a request before initialize. */
class ProbeEndedProcess extends Error {
  override readonly name = "ProbeEndedProcess";
}

/**
 * The gateway's own handshake: `initialize` (then `notifications/initialized`), or the
 * 2026-07-28 `server/discover` probe; when the first is refused the other is tried, as the
 * specification's stdio backward compatibility describes. Bounded by `timeoutMs` in all.
 */
export async function handshakeWith(connection: Connection, order: MultiplexedOptions["order"], timeoutMs: number, clientInfo: MultiplexedOptions["clientInfo"]): Promise<Handshake> {
  const deadline = Date.now() + timeoutMs;
  const left = () => Math.max(1, deadline - Date.now());
  const refusals: string[] = [];
  const initialize = async (): Promise<Handshake | undefined> => {
    const { result, error } = await connection.request("initialize", { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo }, left());
    if (error !== undefined || !result) return void refusals.push(`initialize: ${JSON.stringify(error)}`);
    connection.notify("notifications/initialized");
    return { era: "legacy", initialize: result };
  };
  const discover = async (probe: boolean): Promise<Handshake | undefined> => {
    const _meta = {
      "io.modelcontextprotocol/protocolVersion": MODERN_VERSION,
      "io.modelcontextprotocol/clientInfo": clientInfo,
      "io.modelcontextprotocol/clientCapabilities": {},
    };
    try {
      const { result, error } = await connection.request("server/discover", { _meta }, probe ? Math.min(left(), Math.ceil(timeoutMs / 2)) : left());
      if (error === undefined && Array.isArray(result?.supportedVersions)) return { era: "modern", discover: result };
      refusals.push(`server/discover: ${JSON.stringify(error ?? "not a discover result")}`);
    } catch (err) {
      if (!probe) throw err;
      if (isGatewayError(err)) throw err.code === "MCPGW_ERR_UPSTREAM_EXITED" ? new ProbeEndedProcess(err.message) : err;
      // A legacy server may stay silent on a method it does not know: a probe that times out falls back.
      refusals.push(`server/discover: ${(err as Error).message}`);
    }
    return undefined;
  };
  const attempts = order === "initialize-first" ? [initialize, () => discover(false)] : [() => discover(true), initialize];
  for (const attempt of attempts) {
    const handshake = await attempt();
    if (handshake) return handshake;
  }
  throw new Error(`refused the handshake (${refusals.join("; ")})`);
}

/** A `server/discover` answer for a server that predates 2026-07-28, from its `initialize` result. */
export function discoverFromInitialize(initialize: Record<string, unknown>): Record<string, unknown> {
  const instructions = typeof initialize.instructions === "string" && initialize.instructions ? { instructions: initialize.instructions } : {};
  return {
    resultType: "complete",
    supportedVersions: [MODERN_VERSION],
    capabilities: initialize.capabilities ?? {},
    _meta: { "io.modelcontextprotocol/serverInfo": initialize.serverInfo },
    ...instructions,
    ttlMs: 0,
    cacheScope: "private",
  };
}
