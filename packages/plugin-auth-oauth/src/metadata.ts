import type { AuthOAuthOptions } from "./options.js";

/** The protected resource metadata document (RFC 9728 §2) MCP clients read to find the authorization server. */
export interface ProtectedResourceMetadata {
  readonly resource: string;
  readonly authorization_servers: readonly string[];
  readonly scopes_supported?: readonly string[];
  readonly bearer_methods_supported: readonly string[];
}

/**
 * This gateway's metadata: the resource it is, the one authorization server whose tokens it
 * accepts, the scopes it knows and that tokens come in the Authorization header only.
 */
export function protectedResourceMetadata(options: Pick<AuthOAuthOptions, "resource" | "issuer" | "scopesSupported">): ProtectedResourceMetadata {
  return Object.freeze({
    resource: options.resource,
    authorization_servers: Object.freeze([options.issuer]),
    ...(options.scopesSupported.length ? { scopes_supported: Object.freeze([...options.scopesSupported]) } : {}),
    bearer_methods_supported: Object.freeze(["header"]),
  });
}
