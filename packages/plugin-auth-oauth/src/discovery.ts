import { AuthorizationServerError, isObject, requestJson, type FetchLike } from "./http.js";

/** What the plugin reads from the authorization server's metadata. */
export interface IssuerMetadata {
  readonly issuer: string;
  readonly jwksUri: string | undefined;
  readonly introspectionEndpoint: string | undefined;
  /** The URL the document was read from. */
  readonly source: string;
}

/**
 * Where an issuer's metadata may be, in the order MCP clients try them (MCP authorization,
 * "Authorization Server Metadata Discovery"): RFC 8414 first, then OpenID Connect Discovery.
 * For an issuer with a path, RFC 8414 inserts the well-known segment before the path, and
 * OpenID Connect appends it (some servers insert it too).
 */
export function discoveryUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, "");
  if (!path) return [`${url.origin}/.well-known/oauth-authorization-server`, `${url.origin}/.well-known/openid-configuration`];
  return [`${url.origin}/.well-known/oauth-authorization-server${path}`, `${url.origin}/.well-known/openid-configuration${path}`, `${url.origin}${path}/.well-known/openid-configuration`];
}

/**
 * Reads the issuer's metadata from the first discovery URL that has it. The document's `issuer`
 * must equal the configured one exactly (RFC 8414 §3.3): a document naming another issuer is an
 * error, not a fallback. Rejects with AuthorizationServerError when no URL answers with a
 * document, naming what each one did.
 */
export async function discoverIssuer(fetchImpl: FetchLike, issuer: string, timeoutMs: number): Promise<IssuerMetadata> {
  const tried: string[] = [];
  for (const url of discoveryUrls(issuer)) {
    const { status, body } = await requestJson(fetchImpl, url, { timeoutMs });
    if (status !== 200 || !isObject(body)) {
      tried.push(`${url} → ${status}`);
      continue;
    }
    if (body.issuer !== issuer) {
      throw new AuthorizationServerError(`${url} describes issuer ${JSON.stringify(body.issuer)}, not the configured ${JSON.stringify(issuer)}`);
    }
    const link = (field: string) => (typeof body[field] === "string" ? (body[field] as string) : undefined);
    return { issuer, jwksUri: link("jwks_uri"), introspectionEndpoint: link("introspection_endpoint"), source: url };
  }
  throw new AuthorizationServerError(`no authorization server metadata for ${issuer} (${tried.join(", ")})`);
}
