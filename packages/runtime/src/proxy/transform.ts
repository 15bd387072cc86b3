import type { McpCall, RequestContext } from "../context.js";
import type { GatewayHooks } from "../hooks.js";

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

async function transformMessage(message: unknown, hooks: GatewayHooks, ctx: RequestContext, calls: Map<unknown, McpCall>): Promise<unknown> {
  if (typeof message !== "object" || message === null) return message;
  const response = message as Response;
  if (!("result" in response)) return message;
  const call = calls.get(response.id);
  if (!call?.method) return message;
  const result = await hooks.transformResult.for(call.method).promise(response.result, ctx, call);
  return result === response.result ? message : { ...response, result };
}

/**
 * Rewrites a buffered JSON body (single response or batch). When every tap handed back the result
 * it was given (the runtime only reading tools/list, a filter with nothing to remove), the
 * upstream's bytes go out as they came: no second serialisation.
 */
export async function transformJson(body: string, hooks: GatewayHooks, ctx: RequestContext, calls: Map<unknown, McpCall>): Promise<string> {
  const parsed: unknown = JSON.parse(body);
  if (Array.isArray(parsed)) {
    const out = await Promise.all(parsed.map((message) => transformMessage(message, hooks, ctx, calls)));
    return out.every((message, index) => message === parsed[index]) ? body : JSON.stringify(out);
  }
  const out = await transformMessage(parsed, hooks, ctx, calls);
  return out === parsed ? body : JSON.stringify(out);
}

/**
 * Rewrites the `data` of SSE events that carry a matching response; every other event
 * (progress, log messages, comments, ids) passes through byte for byte.
 */
export async function transformSse(body: string, hooks: GatewayHooks, ctx: RequestContext, calls: Map<unknown, McpCall>): Promise<string> {
  const events = body.split(/\r?\n\r?\n/);
  const out: string[] = [];
  for (const event of events) {
    const lines = event.split(/\r?\n/);
    const dataLines = lines.filter((line) => line.startsWith("data:"));
    if (!dataLines.length) {
      out.push(event);
      continue;
    }
    const data = dataLines.map((line) => line.slice(line.startsWith("data: ") ? 6 : 5)).join("\n");
    let message: unknown;
    try {
      message = JSON.parse(data);
    } catch {
      out.push(event);
      continue;
    }
    const transformed = await transformMessage(message, hooks, ctx, calls);
    if (transformed === message) {
      out.push(event);
      continue;
    }
    const kept = lines.filter((line) => !line.startsWith("data:"));
    out.push([...kept, `data: ${JSON.stringify(transformed)}`].join("\n"));
  }
  return out.join("\n\n");
}
