import { createHash, createHmac } from "node:crypto";

/** The only signature version so far; a `v2` would sit next to it during a migration. */
export const SIGNATURE_VERSION = "v1";

export const HEADERS = Object.freeze({ clientId: "x-client-id", timestamp: "x-timestamp", signature: "x-signature" });

/** What a signature covers. `path` is the request target as sent: path and query string. */
export interface SignedParts {
  /** Unix time in seconds, as sent in X-Timestamp. */
  timestamp: string;
  method: string;
  path: string;
  body: string | Buffer | undefined;
}

export function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** `timestamp.METHOD.path.sha256hex(body)`: the body enters by its digest so the string stays small. */
export function canonicalString({ timestamp, method, path, body }: SignedParts): string {
  return `${timestamp}.${method.toUpperCase()}.${path}.${sha256Hex(body ?? "")}`;
}

/** The raw HMAC-SHA256 of the canonical string (32 bytes). */
export function hmac(secret: string | Buffer, parts: SignedParts): Buffer {
  return createHmac("sha256", secret).update(canonicalString(parts)).digest();
}

/** The X-Signature value: `v1=<hex>`. */
export function signatureOf(secret: string | Buffer, parts: SignedParts): string {
  return `${SIGNATURE_VERSION}=${hmac(secret, parts).toString("hex")}`;
}

export interface SignInput {
  clientId: string;
  secret: string;
  method: string;
  /** Request target as the gateway will receive it, e.g. `/mcp`. */
  path: string;
  /** The exact bytes that will be sent; sign after serialising, never before. */
  body?: string | Buffer;
  /** Unix seconds; defaults to now. */
  timestamp?: number;
}

/** Client side: the three headers to send with a request. */
export function signRequest({ clientId, secret, method, path, body, timestamp = Math.floor(Date.now() / 1000) }: SignInput): Record<string, string> {
  const ts = String(timestamp);
  return {
    "X-Client-Id": clientId,
    "X-Timestamp": ts,
    "X-Signature": signatureOf(secret, { timestamp: ts, method, path, body }),
  };
}
