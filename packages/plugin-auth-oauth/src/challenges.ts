/** The well-known path of protected resource metadata (RFC 9728 §3). */
export const METADATA_PATH = "/.well-known/oauth-protected-resource";

/** The resource's path, without a trailing slash; "" for an origin. */
function resourcePath(resource: string): string {
  return new URL(resource).pathname.replace(/\/+$/, "");
}

/**
 * The absolute URL of the metadata of `resource`: the well-known path inserted between its
 * origin and its path (RFC 9728 §3.1), `https://gw.example.com/.well-known/oauth-protected-resource/mcp`
 * for `https://gw.example.com/mcp`. Derived from the configured resource, never from the request's
 * Host header, which the client controls.
 */
export function metadataUrlFor(resource: string): string {
  return `${new URL(resource).origin}${METADATA_PATH}${resourcePath(resource)}`;
}

/**
 * The paths the metadata is served at on this gateway: the bare well-known path (clients that
 * know only the origin), and the path-suffixed form for the MCP endpoint and for the resource's
 * own path when a proxy in front maps it elsewhere.
 */
export function metadataPaths(resource: string, endpointPath: string): string[] {
  const suffixes = [endpointPath.replace(/\/+$/, ""), resourcePath(resource)];
  return [...new Set([METADATA_PATH, ...suffixes.filter(Boolean).map((suffix) => `${METADATA_PATH}${suffix}`)])];
}

/** An auth-param value as an RFC 9110 quoted-string. */
export function quote(value: string): string {
  return `"${value.replace(/["\\]/g, "\\$&")}"`;
}

export interface Challenges {
  /** No Bearer token: where the metadata is, and the scopes every request needs. */
  readonly missing: string;
  /** A Bearer token this plugin did not accept (RFC 6750 `invalid_token`). */
  readonly invalid: string;
  /** A token in the query string (RFC 6750 `invalid_request`). */
  readonly badRequest: string;
  /** A valid token without `scopes` (RFC 6750 `insufficient_scope`), the MCP step-up challenge. */
  insufficientScope(scopes: readonly string[], description?: string): string;
}

/**
 * The `WWW-Authenticate` challenges of this resource, built once. `resource_metadata` leads the
 * 401 ones (MCP clients read it from the first Bearer challenge), `scope` names what to ask for.
 */
export function createChallenges(resource: string, requiredScopes: readonly string[]): Challenges {
  const metadata = `resource_metadata=${quote(metadataUrlFor(resource))}`;
  const scope = (scopes: readonly string[]) => (scopes.length ? `, scope=${quote(scopes.join(" "))}` : "");
  const missing = `Bearer ${metadata}${scope(requiredScopes)}`;
  return {
    missing,
    invalid: `${missing}, error="invalid_token"`,
    badRequest: `${missing}, error="invalid_request", error_description="access tokens are accepted in the Authorization header only"`,
    insufficientScope(scopes, description) {
      const why = description ? `, error_description=${quote(description)}` : "";
      return `Bearer error="insufficient_scope"${scope(scopes)}, ${metadata}${why}`;
    },
  };
}
