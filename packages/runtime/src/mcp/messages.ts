import type { JsonRpcId, McpCall } from "../context.js";
import { GatewayError } from "../errors.js";

/** `_meta` key that carries the protocol version on every modern (2026-07-28+) request. */
export const PROTOCOL_VERSION_META_KEY = "io.modelcontextprotocol/protocolVersion";

const NAMED_TOOL = "tools/call";
const NAMED_PROMPT = "prompts/get";
const URI_METHODS = new Set(["resources/read", "resources/subscribe", "resources/unsubscribe"]);

export interface ParsedBody {
  messages: unknown[];
  batch: boolean;
  calls: McpCall[];
}

function isId(value: unknown): value is JsonRpcId {
  return typeof value === "string" || typeof value === "number" || value === null;
}

/** Best-effort id for error responses, read from whatever the client sent. */
export function idOf(message: unknown): JsonRpcId {
  const id = (message as { id?: unknown } | null)?.id;
  return isId(id) ? id : null;
}

/** The MCP facts of one message, or a -32600 error naming what is wrong with it. */
export function describeMessage(message: unknown): McpCall {
  if (typeof message !== "object" || message === null || Array.isArray(message)) {
    throw GatewayError.from("MCPGW_ERR_INVALID_REQUEST", "Invalid Request: each message must be a JSON object");
  }
  const msg = message as Record<string, unknown>;
  if (msg.jsonrpc !== "2.0") {
    throw GatewayError.from("MCPGW_ERR_INVALID_REQUEST", 'Invalid Request: "jsonrpc" must be "2.0"');
  }
  const hasId = "id" in msg;
  if (hasId && !isId(msg.id)) throw GatewayError.from("MCPGW_ERR_INVALID_REQUEST", 'Invalid Request: "id" must be a string or number');
  if (typeof msg.method !== "string") {
    if (hasId && ("result" in msg || "error" in msg)) return { kind: "response", id: msg.id as JsonRpcId, message: msg };
    throw GatewayError.from("MCPGW_ERR_INVALID_REQUEST", 'Invalid Request: "method" must be a string');
  }
  if (msg.params !== undefined && (typeof msg.params !== "object" || msg.params === null)) {
    throw GatewayError.from("MCPGW_ERR_INVALID_REQUEST", 'Invalid Request: "params" must be an object or array');
  }
  const method = msg.method;
  const params = (msg.params ?? {}) as Record<string, unknown>;
  const call: { -readonly [K in keyof McpCall]: McpCall[K] } = { kind: hasId ? "request" : "notification", method, message: msg };
  if (hasId) call.id = msg.id as JsonRpcId;
  if (method === NAMED_TOOL && typeof params.name === "string") call.toolName = params.name;
  else if (method === NAMED_PROMPT && typeof params.name === "string") call.promptName = params.name;
  else if (URI_METHODS.has(method) && typeof params.uri === "string") call.resourceUri = params.uri;
  return call;
}

/**
 * Parses a POST body once. Malformed JSON is -32700; an empty batch or a message that is
 * not JSON-RPC is -32600; a batch larger than `maxBatchSize` is refused before inspection.
 */
export function parseBody(body: Buffer, maxBatchSize: number): ParsedBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    throw GatewayError.from("MCPGW_ERR_PARSE");
  }
  if (Array.isArray(parsed)) {
    if (parsed.length === 0) throw GatewayError.from("MCPGW_ERR_INVALID_REQUEST", "Invalid Request: empty batch");
    if (parsed.length > maxBatchSize) {
      throw GatewayError.from("MCPGW_ERR_BATCH_TOO_LARGE", `Batch of ${parsed.length} messages exceeds the limit of ${maxBatchSize}`);
    }
    return { messages: parsed, batch: true, calls: parsed.map(describeMessage) };
  }
  return { messages: [parsed], batch: false, calls: [describeMessage(parsed)] };
}

/** `params._meta["io.modelcontextprotocol/protocolVersion"]` of a modern request, if any. */
export function metaProtocolVersion(call: McpCall): string | undefined {
  const meta = (call.message.params as { _meta?: Record<string, unknown> } | undefined)?._meta;
  const version = meta?.[PROTOCOL_VERSION_META_KEY];
  return typeof version === "string" ? version : undefined;
}

/** Protocol versions compare as dates. */
export function isModernVersion(version: string | undefined): boolean {
  return version !== undefined && version >= "2026-07-28";
}
