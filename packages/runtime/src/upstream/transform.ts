import type { McpCall, RequestContext } from "../context.js";
import { GatewayError } from "../errors.js";
import type { GatewayHooks } from "../hooks.js";
import { eventsOf, formatEvent, SseEventTooLarge, type SseEvent } from "../mcp/sse.js";

type Response = { id?: unknown; result?: unknown };

/** Calls whose responses some plugin wants to rewrite, by JSON-RPC id. */
export function callsToTransform(hooks: GatewayHooks, calls: readonly McpCall[]): Map<unknown, McpCall> | undefined {
  let found: Map<unknown, McpCall> | undefined;
  for (const call of calls) {
    if (call.kind !== "request" || !call.method) continue;
    if (hooks.transformResult.get(call.method)?.isUsed()) (found ??= new Map()).set(call.id, call);
  }
  return found;
}

/** An answer the gateway had to read but could not: the client gets a 502, never the answer unfiltered. */
function unreadable(upstream: string, why: string, cause?: unknown): GatewayError {
  return GatewayError.from("MCPGW_ERR_UPSTREAM_BAD_RESPONSE", `Upstream "${upstream}" sent an answer the gateway could not read: ${why}`, { cause });
}

async function transformMessage(message: unknown, hooks: GatewayHooks, ctx: RequestContext, calls: Map<unknown, McpCall>): Promise<unknown> {
  if (typeof message !== "object" || message === null) return message;
  const response = message as Response;
  if (!("result" in response)) return message;
  const call = calls.get(response.id);
  if (!call?.method) return message;
  const result = await hooks.transformResult.for(call.method).promise(response.result, ctx, call);
  return result === response.result ? message : { ...response, result };
}

/** A parsed body: one message or a batch of them. Returns the input itself when nothing changed. */
async function transformParsed(parsed: unknown, hooks: GatewayHooks, ctx: RequestContext, calls: Map<unknown, McpCall>): Promise<unknown> {
  if (!Array.isArray(parsed)) return transformMessage(parsed, hooks, ctx, calls);
  const out = await Promise.all(parsed.map((message) => transformMessage(message, hooks, ctx, calls)));
  return out.every((message, index) => message === parsed[index]) ? parsed : out;
}

/**
 * Rewrites a buffered JSON body (single response or batch). When every tap handed back the result
 * it was given (the runtime only reading tools/list, a filter with nothing to remove), the
 * upstream's bytes go out as they came: no second serialisation. A body that is not JSON is a 502.
 */
export async function transformJson(body: string, hooks: GatewayHooks, ctx: RequestContext, calls: Map<unknown, McpCall>, upstream = "?"): Promise<string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    throw unreadable(upstream, "the body is not JSON", err);
  }
  const out = await transformParsed(parsed, hooks, ctx, calls);
  return out === parsed ? body : JSON.stringify(out);
}

/**
 * Rewrites the messages of a buffered event stream. The stream is parsed as a client parses it
 * (every line framing, a BOM, multi-line data, an unterminated last event) and written back in
 * one framing, so what the client reads is exactly what the filter saw. An event whose data is
 * not JSON makes the whole answer a 502: it cannot be checked, so it is not passed on.
 */
export interface SseTransformOptions {
  upstream: string;
  maxEventBytes: number;
  /** Federation: each event as the client should see it (ids tagged), before the transform; undefined drops it. */
  rewriteEvent?: ((event: SseEvent) => SseEvent | undefined) | undefined;
}

export async function transformSse(body: Buffer, hooks: GatewayHooks, ctx: RequestContext, calls: Map<unknown, McpCall>, limits: SseTransformOptions): Promise<string> {
  let events;
  try {
    events = eventsOf(body, limits.maxEventBytes);
  } catch (err) {
    if (err instanceof SseEventTooLarge) throw unreadable(limits.upstream, err.message, err);
    throw err;
  }
  let out = "";
  for (const parsed of events) {
    const event = limits.rewriteEvent ? limits.rewriteEvent(parsed) : parsed;
    if (!event) continue;
    if (event.data !== undefined) {
      let message: unknown;
      try {
        message = JSON.parse(event.data);
      } catch (err) {
        throw unreadable(limits.upstream, "an event's data is not JSON", err);
      }
      const transformed = await transformParsed(message, hooks, ctx, calls);
      if (transformed !== message) event.data = JSON.stringify(transformed);
    }
    out += formatEvent(event);
  }
  return out;
}
