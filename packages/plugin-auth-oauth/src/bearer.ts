/** RFC 6750 §2.1: `Bearer` (any case), then spaces and a token68. */
const BEARER = /^[Bb][Ee][Aa][Rr][Ee][Rr](?:[ \t]+(.*))?$/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/** What the Authorization header holds, for this plugin. */
export type BearerCredential = { readonly kind: "token"; readonly token: string } | { readonly kind: "malformed" };

/**
 * The Bearer token of an `Authorization` header; undefined when there is no header or it uses
 * another scheme (`Api-Key …`, `Basic …`): that credential may be another auth plugin's.
 * `Bearer` with nothing, or with something that is not a token68, is a Bearer credential this
 * plugin cannot accept.
 */
export function readBearer(authorization: string | undefined): BearerCredential | undefined {
  if (authorization === undefined) return undefined;
  const match = BEARER.exec(authorization.trim());
  if (!match) return undefined;
  const token = (match[1] ?? "").trim();
  return TOKEN68.test(token) ? { kind: "token", token } : { kind: "malformed" };
}

/**
 * True when the request URL carries `access_token` in its query (RFC 6750 §2.3). MCP forbids it
 * (tokens in URLs end up in logs and browser history): such a request is refused, whoever would
 * have accepted the token.
 */
export function tokenInQuery(url: string): boolean {
  const query = url.indexOf("?");
  if (query === -1) return false;
  return new URLSearchParams(url.slice(query + 1)).has("access_token");
}

/** A JWS in compact form: three base64url parts (the last may be empty, as in an `alg: none` token). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Whether a token is a JWT to verify locally; anything else is opaque (introspection, if configured). */
export function looksLikeJwt(token: string): boolean {
  return COMPACT_JWS.test(token);
}
