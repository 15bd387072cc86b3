import { Pool, type Dispatcher } from "undici";
import type { Logger } from "pino";
import type { UpstreamInfo } from "../context.js";
import type { HttpUpstreamConfig, StdioUpstreamConfig, UpstreamConfig } from "../config/schema.js";
import { GatewayError, isGatewayError } from "../errors.js";
import type { HealthCheck } from "../hooks.js";
import { StdioBridge } from "./stdio/bridge.js";

/**
 * How requests reach an upstream: an undici Pool for Streamable HTTP, the stdio bridge for a local
 * process. Both take the same dispatch options and answer the same dispatch handler, so nothing
 * above this line knows which it talks to.
 */
export interface UpstreamTransport {
  dispatch(options: UpstreamDispatchOptions, handler: Dispatcher.DispatchHandler): boolean;
  destroy(): Promise<void>;
}

/** A request to an upstream; `caller` only for a stdio upstream (never handed to undici). */
export interface UpstreamDispatchOptions extends Dispatcher.DispatchOptions {
  /** The authenticated caller: a per-session stdio process serves only the subject that opened it. */
  caller?: string;
}

/** A configured upstream and its transport. */
export interface Upstream extends UpstreamInfo {
  /** Calls: keep-alive, capped at `connections`. */
  readonly pool: UpstreamTransport;
  /**
   * Long-lived streams (legacy GET streams, modern `subscriptions/listen`) hold a connection for
   * as long as their client stays; on their own pool they can never starve calls of connections.
   */
  readonly streams: UpstreamTransport;
  /** Path and query of the upstream URL. */
  readonly path: string;
  /** Headers from config (fixed headers and credentials), sent on every request. */
  readonly headers: Readonly<Record<string, string>>;
  /** The public view plugins get, without pool or credentials; built once, it is `ctx.upstream`. */
  readonly info: UpstreamInfo;
  /** Largest answer (or event) the gateway reads whole from this upstream (`server.maxBufferedResponseBytes`). */
  readonly maxBufferedBytes: number;
  /** Starts what runs on its own (a shared stdio process) once the gateway serves. */
  start?(): void;
  /** The upstream's own health check (stdio: processes, last exit, restarts). */
  health?(): HealthCheck;
}

export interface UpstreamDeps {
  maxBufferedBytes: number;
  log: Logger;
  /** How the gateway introduces itself to servers it initializes (stdio). */
  clientInfo: { name: string; version: string };
}

export function createUpstream(config: UpstreamConfig, deps: UpstreamDeps): Upstream {
  return config.type === "stdio" ? stdioUpstream(config, deps) : httpUpstream(config, deps.maxBufferedBytes);
}

function httpUpstream(config: HttpUpstreamConfig, maxBufferedBytes: number): Upstream {
  const url = new URL(config.url);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.headers ?? {})) headers[name.toLowerCase()] = value;
  if (config.auth?.type === "apiKey") headers[config.auth.apiKey.header.toLowerCase()] = config.auth.apiKey.value;
  if (config.auth?.type === "bearer") headers.authorization = `Bearer ${config.auth.token}`;
  const connect = { timeout: Math.min(config.timeoutMs, 10_000) };
  const pool = new Pool(url.origin, { connections: config.connections, keepAliveTimeout: 60_000, connect });
  const streams = new Pool(url.origin, { connections: null, keepAliveTimeout: 10_000, connect });
  const info: UpstreamInfo = Object.freeze({ name: config.name, type: "http", url: config.url, timeoutMs: config.timeoutMs });
  return Object.freeze({ ...info, info, pool, streams, path: url.pathname + url.search, headers: Object.freeze(headers), maxBufferedBytes });
}

function stdioUpstream(config: StdioUpstreamConfig, deps: UpstreamDeps): Upstream {
  const bridge = new StdioBridge({ config, log: deps.log, maxBufferedBytes: deps.maxBufferedBytes, clientInfo: deps.clientInfo });
  // Arguments and environment stay out of the public view: they may carry secrets.
  const info: UpstreamInfo = Object.freeze({ name: config.name, type: "stdio", url: `stdio:${config.command}`, timeoutMs: config.timeoutMs });
  return Object.freeze({
    ...info,
    info,
    pool: bridge,
    streams: bridge,
    path: "/",
    headers: Object.freeze({}),
    maxBufferedBytes: deps.maxBufferedBytes,
    start: () => bridge.start(),
    health: () => bridge.health(),
  });
}

const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

/** Maps an undici failure to the gateway's answer: 504 for timeouts, 502 for the rest. */
export function upstreamFailure(err: unknown, upstream: UpstreamInfo): GatewayError {
  // The stdio bridge fails with the gateway's own errors (a process that exited, one at capacity).
  if (isGatewayError(err)) return err;
  const code = (err as { code?: string }).code ?? "";
  if (TIMEOUT_CODES.has(code)) {
    return GatewayError.from("MCPGW_ERR_UPSTREAM_TIMEOUT", `Upstream "${upstream.name}" did not answer within ${upstream.timeoutMs} ms`, {
      cause: err,
    });
  }
  return GatewayError.from("MCPGW_ERR_UPSTREAM_UNREACHABLE", `Upstream "${upstream.name}" is unreachable`, { cause: err });
}

/**
 * undici keeps an answer's raw header Buffers (slices of the socket's first read) on its
 * dispatch controller until the answer ends. Handlers read the parsed headers they are given, so
 * a held event stream lets them go: ~1.4 KiB of heap per stream.
 */
export function releaseRawHeaders(controller: Dispatcher.DispatchController): void {
  controller.rawHeaders = null;
}
