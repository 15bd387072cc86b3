import { Pool, type Dispatcher } from "undici";
import type { UpstreamInfo } from "../context.js";
import type { UpstreamConfig } from "../config/schema.js";
import { GatewayError } from "../errors.js";

/** A configured upstream and its keep-alive connection pool. */
export interface Upstream extends UpstreamInfo {
  /** Calls: keep-alive, capped at `connections`. */
  readonly pool: Pool;
  /**
   * Long-lived streams (legacy GET streams, modern `subscriptions/listen`) hold a connection for
   * as long as their client stays; on their own pool they can never starve calls of connections.
   */
  readonly streams: Pool;
  /** Path and query of the upstream URL. */
  readonly path: string;
  /** Headers from config (fixed headers and credentials), sent on every request. */
  readonly headers: Readonly<Record<string, string>>;
  /** The public view plugins get, without pool or credentials; built once, it is `ctx.upstream`. */
  readonly info: UpstreamInfo;
  /** Largest answer (or event) the gateway reads whole from this upstream (`server.maxBufferedResponseBytes`). */
  readonly maxBufferedBytes: number;
}

export function createUpstream(config: UpstreamConfig, maxBufferedBytes: number): Upstream {
  const url = new URL(config.url);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.headers ?? {})) headers[name.toLowerCase()] = value;
  if (config.auth?.type === "apiKey") headers[config.auth.apiKey.header.toLowerCase()] = config.auth.apiKey.value;
  if (config.auth?.type === "bearer") headers.authorization = `Bearer ${config.auth.token}`;
  const connect = { timeout: Math.min(config.timeoutMs, 10_000) };
  const pool = new Pool(url.origin, { connections: config.connections, keepAliveTimeout: 60_000, connect });
  const streams = new Pool(url.origin, { connections: null, keepAliveTimeout: 10_000, connect });
  return Object.freeze({
    info: Object.freeze({ name: config.name, url: config.url, timeoutMs: config.timeoutMs }),
    name: config.name,
    url: config.url,
    timeoutMs: config.timeoutMs,
    pool,
    streams,
    path: url.pathname + url.search,
    headers: Object.freeze(headers),
    maxBufferedBytes,
  });
}

const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

/** Maps an undici failure to the gateway's answer: 504 for timeouts, 502 for the rest. */
export function upstreamFailure(err: unknown, upstream: UpstreamInfo): GatewayError {
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
