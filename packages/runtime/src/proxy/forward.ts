import type { ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import type { Dispatcher } from "undici";
import type { McpCall, RequestContext } from "../context.js";
import { GatewayError } from "../errors.js";
import type { GatewayHooks } from "../hooks.js";
import { filterResponseHeaders } from "./headers.js";
import { transformJson, transformSse } from "./transform.js";
import { upstreamFailure, type Upstream } from "./upstream.js";

export interface ForwardRequest {
  ctx: RequestContext;
  upstream: Upstream;
  method: Dispatcher.HttpMethod;
  headers: Record<string, string>;
  body: Buffer | string | undefined;
  res: ServerResponse;
  signal: AbortSignal;
  hooks: GatewayHooks;
  /** Responses to these calls are buffered and run through `transformResult`. */
  transform: Map<unknown, McpCall> | undefined;
  /** Registers an open event stream so shutdown can end it; returns the unregister function. */
  trackStream(end: () => void): () => void;
}

/** How the forwarding ended, for `ctx.outcome`. */
export type ForwardResult =
  | { kind: "served"; statusCode: number }
  | { kind: "aborted"; statusCode: number }
  | { kind: "failed"; statusCode: number; message: string };

function isEventStream(contentType: unknown): boolean {
  return typeof contentType === "string" && contentType.startsWith("text/event-stream");
}

/**
 * Sends the request upstream and streams the answer to the client as it arrives, status and
 * headers intact. Throws a GatewayError (502/504) only before anything was written.
 */
export async function forward(request: ForwardRequest): Promise<ForwardResult> {
  const { ctx, upstream, res, signal } = request;
  let response: Dispatcher.ResponseData;
  try {
    ctx.timings.upstreamStart = performance.now();
    response = await upstream.pool.request({
      path: upstream.path,
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal,
      headersTimeout: upstream.timeoutMs,
      // Event streams may stay quiet for a long time; the client's disconnect ends them.
      bodyTimeout: 0,
    });
  } catch (err) {
    if (signal.aborted) return { kind: "aborted", statusCode: 499 };
    throw upstreamFailure(err, upstream);
  }
  ctx.timings.upstreamHeaders = performance.now();
  const { statusCode, body } = response;
  const contentType = response.headers["content-type"];
  const stream = isEventStream(contentType);

  if (request.transform && statusCode === 200) {
    return sendTransformed(request, response, stream);
  }

  const headers = filterResponseHeaders(response.headers, !stream);
  if (stream) headers["x-accel-buffering"] = "no";
  res.writeHead(statusCode, headers);
  // Push headers out now: an event stream may not send its first event for a while.
  if (stream) res.flushHeaders();
  // On shutdown the gateway ends open event streams cleanly (the client sees a finished
  // response, not a reset) and lets go of the upstream stream.
  let endedByGateway = false;
  const untrack = stream
    ? request.trackStream(() => {
        endedByGateway = true;
        body.unpipe(res);
        res.end();
        body.destroy();
      })
    : undefined;
  // pipeline() destroys `res` whichever side failed, so note whether the upstream broke first.
  let upstreamBroke = false;
  body.once("error", () => {
    if (!signal.aborted) upstreamBroke = true;
  });
  try {
    await pipeline(body, res);
    return { kind: "served", statusCode };
  } catch (err) {
    if (endedByGateway) return { kind: "served", statusCode };
    if (!upstreamBroke && (signal.aborted || res.destroyed)) return { kind: "aborted", statusCode };
    ctx.log.warn({ err, upstream: upstream.name }, "upstream stream failed mid-response");
    return { kind: "failed", statusCode, message: "upstream stream ended abruptly" };
  } finally {
    untrack?.();
  }
}

async function sendTransformed(request: ForwardRequest, response: Dispatcher.ResponseData, stream: boolean): Promise<ForwardResult> {
  const { ctx, res, hooks, transform } = request;
  let text: string;
  try {
    text = await response.body.text();
  } catch (err) {
    if (request.signal.aborted) return { kind: "aborted", statusCode: response.statusCode };
    throw upstreamFailure(err, request.upstream);
  }
  let out: string;
  try {
    out = stream ? await transformSse(text, hooks, ctx, transform!) : await transformJson(text, hooks, ctx, transform!);
  } catch (err) {
    if ((err as { plugin?: string }).plugin) throw err;
    throw GatewayError.from("MCPGW_ERR_UPSTREAM_BAD_RESPONSE", undefined, { cause: err });
  }
  const headers = filterResponseHeaders(response.headers, false);
  headers["content-length"] = Buffer.byteLength(out);
  if (stream) headers["x-accel-buffering"] = "no";
  res.writeHead(response.statusCode, headers);
  res.end(out);
  return { kind: "served", statusCode: response.statusCode };
}
