import type { JsonRpcId, McpCall } from "../context.js";
import { CONSTRUCT, ERRORS, GatewayError } from "../errors.js";
import { methodSpec, targetsOf } from "./methods.js";

/** `_meta` key that carries the protocol version on every modern (2026-07-28+) request. */
export const PROTOCOL_VERSION_META_KEY = "io.modelcontextprotocol/protocolVersion";

const NO_PARAMS: Readonly<Record<string, unknown>> = Object.freeze({});

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
  const answers = "result" in msg || "error" in msg;
  if (typeof msg.method !== "string") {
    if (!hasId || !answers) throw GatewayError.from("MCPGW_ERR_INVALID_REQUEST", 'Invalid Request: "method" must be a string');
    if ("result" in msg && "error" in msg) throw GatewayError.from("MCPGW_ERR_INVALID_REQUEST", 'Invalid Request: a response has "result" or "error", not both');
    return { kind: "response", id: msg.id as JsonRpcId, targets: [], message: msg };
  }
  // A request that also answers is neither; an upstream must never have to guess which it is.
  if (answers) throw GatewayError.from("MCPGW_ERR_INVALID_REQUEST", 'Invalid Request: a message with "method" cannot carry "result" or "error"');
  if (msg.params !== undefined && (typeof msg.params !== "object" || msg.params === null)) {
    throw GatewayError.from("MCPGW_ERR_INVALID_REQUEST", 'Invalid Request: "params" must be an object or array');
  }
  const method = msg.method;
  const params = (msg.params ?? NO_PARAMS) as Record<string, unknown>;
  const spec = methodSpec(method);
  const targets = targetsOf(spec, params);
  const call: { -readonly [K in keyof McpCall]: McpCall[K] } = { kind: hasId ? "request" : "notification", method, targets, message: msg };
  if (hasId) call.id = msg.id as JsonRpcId;
  // A listen names any number of resources; only a call about one name has a target to route by.
  const target = spec?.target?.at === "resourceSubscriptions" ? undefined : targets[0];
  if (target) {
    call.target = target;
    if (target.kind === "tool") call.toolName = target.name;
    else if (target.kind === "prompt") call.promptName = target.name;
    else call.resourceUri = target.name;
  }
  return call;
}

/**
 * A batch with malformed entries. JSON-RPC 2.0 answers such a batch with an array: one error per
 * invalid entry. The gateway forwards nothing of it (a batch is not half-applied), so each valid
 * request of it gets an error too, saying which entry stopped it.
 */
export class InvalidBatchError extends GatewayError {
  constructor(readonly responses: readonly { id: JsonRpcId; message: string }[]) {
    super(CONSTRUCT, "MCPGW_ERR_INVALID_REQUEST", ERRORS.MCPGW_ERR_INVALID_REQUEST, "Invalid Request: the batch has invalid entries", {});
  }
}

function describeBatch(messages: readonly unknown[]): McpCall[] {
  const calls: McpCall[] = [];
  const invalid: { index: number; id: JsonRpcId; message: string }[] = [];
  messages.forEach((message, index) => {
    try {
      calls.push(describeMessage(message));
    } catch (err) {
      invalid.push({ index, id: idOf(message), message: `${(err as Error).message} (batch entry ${index})` });
    }
  });
  if (!invalid.length) return calls;
  const first = invalid[0]!.index;
  const responses = messages.flatMap((message, index) => {
    const bad = invalid.find((entry) => entry.index === index);
    if (bad) return [{ id: bad.id, message: bad.message }];
    const call = calls.find((candidate) => candidate.message === message);
    return call?.kind === "request" ? [{ id: call.id ?? null, message: `Invalid Request: not processed, because batch entry ${first} is invalid` }] : [];
  });
  throw new InvalidBatchError(responses);
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
    return { messages: parsed, batch: true, calls: describeBatch(parsed) };
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
