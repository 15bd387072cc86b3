import type { ServerResponse } from "node:http";
import type { McpCall } from "./context.js";
import { ERRORS, GatewayError, isGatewayError } from "./errors.js";
import { idOf, InvalidBatchError } from "./mcp/messages.js";
import type { ForwardResult } from "./upstream/forward.js";

/** Turns anything thrown in the pipeline into a GatewayError; plugin crashes become 500s. */
export function toGatewayError(err: unknown): GatewayError {
  if (isGatewayError(err)) return err;
  const plugin = (err as { plugin?: string } | null)?.plugin;
  const hook = (err as { hook?: string } | null)?.hook;
  const wrapped = plugin
    ? GatewayError.from("MCPGW_ERR_PLUGIN_FAILED", `Plugin "${plugin}" failed in ${hook}`, { cause: err })
    : GatewayError.from("MCPGW_ERR_INTERNAL", ERRORS.MCPGW_ERR_INTERNAL.message, { cause: err });
  if (plugin) Object.assign(wrapped, { plugin, hook });
  return wrapped;
}

export function errorObject(err: GatewayError, requestId?: string): Record<string, unknown> {
  return { code: err.jsonRpcCode, message: err.message, data: { ...err.data, code: err.code, ...(requestId === undefined ? {} : { requestId }) } };
}

/**
 * The sectioned format's error shape: a JSON-RPC error echoing the request id, or an array with one
 * error per request of a batch.
 */
export function errorBody(err: GatewayError, messages: readonly unknown[], calls: readonly McpCall[], batch: boolean, requestId?: string): string {
  const error = errorObject(err, requestId);
  if (err instanceof InvalidBatchError) {
    return JSON.stringify(err.responses.map(({ id, message }) => ({ jsonrpc: "2.0", id, error: { ...error, message } })));
  }
  if (batch) {
    const ids = calls.filter((call) => call.kind === "request").map((call) => call.id ?? null);
    return JSON.stringify((ids.length ? ids : [null]).map((id) => ({ jsonrpc: "2.0", id, error })));
  }
  return JSON.stringify({ jsonrpc: "2.0", id: idOf(messages[0]), error });
}

/**
 * The error as events on an event stream already under way: one per request of the body, so each
 * of the client's pending calls gets its answer.
 */
export function errorEvents(err: GatewayError, calls: readonly McpCall[], requestId?: string): string {
  const error = errorObject(err, requestId);
  let out = "";
  for (const call of calls) {
    if (call.kind === "request") out += `event: message\ndata: ${JSON.stringify({ jsonrpc: "2.0", id: call.id ?? null, error })}\n\n`;
  }
  return out;
}

/** A JSON answer the gateway makes itself (a merged list, an initialize result); `undefined` sends an empty body. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): ForwardResult {
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, { ...headers, ...(text ? { "content-type": "application/json" } : {}), "content-length": Buffer.byteLength(text) });
  res.end(text);
  return { kind: "served", statusCode: status };
}

/** Writes an error answer: `status` is the error's own unless the error style answers it 200. */
export function sendError(res: ServerResponse, err: GatewayError, body: string, status = err.status): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    ...err.headers,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}
