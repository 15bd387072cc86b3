import type { Subject } from "@mcp-gateway/runtime/plugin";

/** Where the subject's fields come from (the `subject` option, defaults applied). */
export interface SubjectMapping {
  /** Claim path of the tenant; undefined: the token's issuer. */
  readonly tenant: string | undefined;
  /** Claim paths of the client, first present wins. */
  readonly client: readonly string[];
  /** Claim path of the id. */
  readonly id: string;
}

/** The claims a subject carries: the token's, with `scope` as a list. */
export type TokenClaims = Readonly<Record<string, unknown>> & { readonly sub?: string; readonly scope: readonly string[] };

/** An OAuth subject: `claims` always has `scope` as a list of strings. */
export interface OAuthSubject extends Subject {
  readonly claims: TokenClaims;
}

/** The token cannot give a subject: a claim the mapping needs is missing. */
export class UnmappableToken extends Error {
  override readonly name = "UnmappableToken";
}

/**
 * A claim by name or dot path. A claim whose own name has dots (`https://example.com/org`, as
 * Auth0 namespaces custom claims) is found as it is before the path is split.
 */
export function claimAt(claims: Readonly<Record<string, unknown>>, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  if (!path.includes(".")) return undefined;
  let value: unknown = claims;
  for (const part of path.split(".")) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * The token's scopes as a list: `scope` (RFC 9068, RFC 7662: space-separated), else `scp`
 * (Entra ID: space-separated; Okta: an array). No scope claim: no scopes.
 */
export function scopesOf(claims: Readonly<Record<string, unknown>>): string[] {
  const raw = claims.scope ?? claims.scp;
  if (typeof raw === "string") return raw.split(" ").filter(Boolean);
  if (Array.isArray(raw)) return raw.filter((scope): scope is string => typeof scope === "string" && scope.length > 0);
  return [];
}

function text(value: unknown): string | undefined {
  if (typeof value === "string" && value.length > 0) return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * The subject policy, rate limiting and audit see for a verified token:
 * `{ tenant, client, id, claims }` where `claims` is the token's claims with `scope` as a list.
 * A missing tenant or client claim refuses the token (UnmappableToken): a default could hand the
 * caller another tenant's rules.
 */
export function subjectFor(claims: Readonly<Record<string, unknown>>, issuer: string, mapping: SubjectMapping): OAuthSubject {
  const tenant = mapping.tenant === undefined ? issuer : text(claimAt(claims, mapping.tenant));
  if (tenant === undefined) throw new UnmappableToken(`the token has no ${mapping.tenant} claim for the tenant`);
  let client: string | undefined;
  for (const path of mapping.client) {
    client = text(claimAt(claims, path));
    if (client !== undefined) break;
  }
  if (client === undefined) throw new UnmappableToken(`the token has no ${mapping.client.join(" or ")} claim for the client`);
  const id = text(claimAt(claims, mapping.id));
  const normalized: TokenClaims = Object.freeze({ ...claims, scope: Object.freeze(scopesOf(claims)) });
  return Object.freeze(id === undefined ? { tenant, client, claims: normalized } : { tenant, client, id, claims: normalized });
}
