import type { IncomingHttpHeaders } from "node:http";
import type { McpCall, McpEra } from "../context.js";
import { GatewayError } from "../errors.js";
import { isModernVersion, metaProtocolVersion, type ParsedBody } from "./messages.js";
import { methodSpec } from "./methods.js";
import { checkParamHeaders, type ParamHeaderIndex } from "./param-headers.js";

const SENTINEL_PREFIX = "=?base64?";
const SENTINEL_SUFFIX = "?=";
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const VISIBLE_ASCII = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

function mismatch(message: string): GatewayError {
  return GatewayError.from("MCPGW_ERR_HEADER_MISMATCH", `Header mismatch: ${message}`);
}

function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  if (Array.isArray(value)) throw mismatch(`${name} header given more than once`);
  return value;
}

/** Decodes a header value that may use the `=?base64?…?=` sentinel. Invalid characters are a mismatch. */
export function decodeHeaderValue(name: string, value: string): string {
  if (value.startsWith(SENTINEL_PREFIX) && value.endsWith(SENTINEL_SUFFIX) && value.length >= SENTINEL_PREFIX.length + SENTINEL_SUFFIX.length) {
    const encoded = value.slice(SENTINEL_PREFIX.length, -SENTINEL_SUFFIX.length);
    if (!BASE64.test(encoded)) throw mismatch(`${name} header has invalid Base64`);
    try {
      return utf8.decode(Buffer.from(encoded, "base64"));
    } catch {
      throw mismatch(`${name} header does not decode to UTF-8`);
    }
  }
  if (!VISIBLE_ASCII.test(value)) throw mismatch(`${name} header contains characters that must be Base64-encoded`);
  return value;
}

export interface ProtocolFacts {
  era: McpEra;
  protocolVersion: string | undefined;
}

function checkCall(headers: IncomingHttpHeaders, call: McpCall, modern: boolean): void {
  const method = single(headers, "mcp-method");
  const rawName = single(headers, "mcp-name");
  if (method !== undefined && method !== call.method) {
    throw mismatch(`Mcp-Method header value '${method}' does not match body value '${call.method ?? "(none)"}'`);
  }
  if (modern && call.kind === "request" && method === undefined) throw mismatch("Mcp-Method header is required");
  const source = methodSpec(call.method)?.mirroredName;
  const bodyName = source ? (call.message.params as Record<string, unknown> | undefined)?.[source] : undefined;
  if (rawName !== undefined) {
    const name = decodeHeaderValue("Mcp-Name", rawName);
    if (!source) throw mismatch(`Mcp-Name header is not defined for method '${call.method ?? "(none)"}'`);
    if (name !== bodyName) throw mismatch(`Mcp-Name header value '${name}' does not match body value '${String(bodyName)}'`);
  } else if (modern && source && call.kind === "request") {
    throw mismatch("Mcp-Name header is required");
  }
}

/**
 * Checks every mirrored header against the body before any plugin runs, so policy and routing
 * never decide on an unchecked header. Returns the era and protocol version of the request.
 */
export function checkMirroredHeaders(headers: IncomingHttpHeaders, body: ParsedBody, params?: ParamHeaderIndex): ProtocolFacts {
  const headerVersion = single(headers, "mcp-protocol-version");
  const paramHeaders = Object.keys(headers).filter((name) => name.startsWith("mcp-param-"));
  for (const name of paramHeaders) decodeHeaderValue(name, single(headers, name) ?? "");

  if (body.batch) {
    if (isModernVersion(headerVersion)) throw GatewayError.from("MCPGW_ERR_INVALID_REQUEST", `Invalid Request: protocol ${headerVersion} has no batches`);
    if (headers["mcp-method"] !== undefined || headers["mcp-name"] !== undefined || paramHeaders.length) {
      throw mismatch("mirrored Mcp-* headers cannot describe a batch");
    }
    return { era: "legacy", protocolVersion: headerVersion };
  }

  const call = body.calls[0]!;
  const bodyVersion = metaProtocolVersion(call);
  const modern = isModernVersion(headerVersion) || bodyVersion !== undefined;
  if (modern && (headerVersion !== undefined || call.kind === "request") && headerVersion !== bodyVersion) {
    throw mismatch(
      `MCP-Protocol-Version header value '${headerVersion ?? "(missing)"}' does not match body value '${bodyVersion ?? "(missing)"}'`,
    );
  }
  checkCall(headers, call, modern);
  if (modern) {
    // Mcp-Param-* can be checked only for tools whose x-mcp-header annotations the gateway has seen.
    const map = call.toolName === undefined ? undefined : params?.get(call.toolName);
    if (map && call.kind === "request") checkParamHeaders(headers, call, map, decodeHeaderValue);
    return { era: "modern", protocolVersion: bodyVersion ?? headerVersion };
  }
  const initVersion = call.method === "initialize" ? (call.message.params as { protocolVersion?: unknown } | undefined)?.protocolVersion : undefined;
  return { era: "legacy", protocolVersion: headerVersion ?? (typeof initVersion === "string" ? initVersion : undefined) };
}
