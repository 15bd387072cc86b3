import type { GatewayHooks } from "../hooks.js";
import type { Context } from "../request-context.js";
import { filterRequestHeaders, type HeaderAllowlist } from "./headers.js";
import type { Upstream } from "./upstream.js";

/** What every upstream request is built from, whoever sends it. */
export interface UpstreamRequestDeps {
  hooks: GatewayHooks;
  allowlist: HeaderAllowlist;
}

export interface UpstreamRequestOptions {
  method: "GET" | "POST" | "DELETE";
  /**
   * Federation: the upstream's own session in place of the client's gateway session (and no
   * `Last-Event-ID`, which names the gateway's event ids). `id` undefined: a stateless upstream.
   */
  session?: { id: string | undefined };
  /** A request whose whole answer the gateway reads (a fan-out): accepts both media types, JSON body. */
  whole?: boolean;
  /** A listing the gateway makes on its own: it carries its own method, not the call's names. */
  rpcMethod?: string;
}

/**
 * The headers of one request to one upstream: the client's allowlisted headers, the upstream's
 * configured headers and credentials, then whatever `beforeUpstream` taps add. Every request
 * the gateway sends upstream is built here, by the single-upstream dispatcher and by each
 * exchange of a federation alike, so `beforeUpstream` runs once per upstream request.
 */
export async function buildUpstreamHeaders(deps: UpstreamRequestDeps, ctx: Context, upstream: Upstream, options: UpstreamRequestOptions): Promise<Record<string, string>> {
  const headers: Record<string, string> = { ...filterRequestHeaders(ctx.http.headers, deps.allowlist), ...upstream.headers, "x-request-id": ctx.id };
  if (options.session) {
    delete headers["mcp-session-id"];
    delete headers["last-event-id"];
    if (options.session.id !== undefined) headers["mcp-session-id"] = options.session.id;
  }
  if (options.whole) {
    headers.accept = "application/json, text/event-stream";
    headers["content-type"] = "application/json";
  } else if (ctx.replacedBody !== undefined) {
    headers["content-type"] = "application/json";
  }
  if (options.rpcMethod !== undefined) {
    for (const name of Object.keys(headers)) if (name === "mcp-name" || name.startsWith("mcp-param-")) delete headers[name];
    if (headers["mcp-method"] !== undefined) headers["mcp-method"] = options.rpcMethod;
  }
  if (deps.hooks.beforeUpstream.isUsed()) await deps.hooks.beforeUpstream.promise(ctx, { upstream: upstream.info, method: options.method, headers });
  return headers;
}
