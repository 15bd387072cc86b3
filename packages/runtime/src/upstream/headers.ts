import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";

/** Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection, not the message. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"]);

/** Framing headers: each connection's client (undici, node) writes its own for what it sends. */
const FRAMING = new Set(["host", "content-length"]);

/** Gateway credentials stay at the gateway boundary, whatever the allowlist says. */
export const GATEWAY_CREDENTIAL_HEADERS = Object.freeze(["authorization", "x-api-key", "api-key", "cookie"]);
const NEVER_FORWARD = new Set([...HOP_BY_HOP, ...FRAMING, ...GATEWAY_CREDENTIAL_HEADERS]);

/** An allowlist compiled once: exact names plus `prefix*` patterns, case-insensitive. */
export interface HeaderAllowlist {
  allows(name: string): boolean;
}

export function compileAllowlist(patterns: readonly string[]): HeaderAllowlist {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const pattern of patterns) {
    const lower = pattern.toLowerCase();
    if (lower.endsWith("*")) prefixes.push(lower.slice(0, -1));
    else exact.add(lower);
  }
  return {
    allows(name) {
      if (NEVER_FORWARD.has(name)) return false;
      if (exact.has(name)) return true;
      for (const prefix of prefixes) if (name.startsWith(prefix)) return true;
      return false;
    },
  };
}

/** Patterns in the allowlist that name a credential or hop-by-hop header: ignored, with a warning. */
export function forbiddenForwardPatterns(patterns: readonly string[]): string[] {
  // content-length is harmless to list (the sectioned format's own list never did); the rest never goes upstream.
  return patterns.filter((pattern) => NEVER_FORWARD.has(pattern.toLowerCase()) && pattern.toLowerCase() !== "content-length");
}

/** Client request headers that may go upstream (node lower-cases names). */
export function filterRequestHeaders(headers: IncomingHttpHeaders, allowlist: HeaderAllowlist): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in headers) {
    if (!allowlist.allows(name)) continue;
    const value = headers[name];
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/**
 * Upstream response headers for the client: everything but hop-by-hop and framing headers;
 * `content-length` is kept when the body goes out byte for byte (`keepLength`).
 */
export function filterResponseHeaders(headers: IncomingHttpHeaders, keepLength: boolean): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || (FRAMING.has(name) && !(keepLength && name === "content-length"))) continue;
    out[name] = headers[name];
  }
  return out;
}

/** How many times a header (lower-case `name`) was sent: node keeps one value of some repeated headers. */
export function headerCount(rawHeaders: readonly string[], name: string): number {
  let count = 0;
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const raw = rawHeaders[index]!;
    if (raw.length === name.length && raw.toLowerCase() === name) count++;
  }
  return count;
}
