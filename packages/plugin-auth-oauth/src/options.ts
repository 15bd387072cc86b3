import { z } from "@mcp-gateway/runtime/plugin";

/**
 * The asymmetric JWS algorithms jose verifies. Symmetric ones (HS*) are not offered: the keys come
 * from a public JWKS, and accepting HMAC there is the classic "public key as HMAC secret"
 * confusion. `none` is never accepted.
 */
export const ASYMMETRIC_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"] as const;
export type Algorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** `https:`, or `http:` on a loopback host (a provider on the same machine, tests). */
function secureUrl(what: string) {
  return z.url().superRefine((value, ctx) => {
    const url = new URL(value);
    if (url.protocol === "https:") return;
    if (url.protocol === "http:" && LOOPBACK.has(url.hostname)) return;
    ctx.addIssue({ code: "custom", message: `${what} must be an https: URL (http: only on localhost, 127.0.0.1 or [::1])` });
  });
}

/** RFC 8707 §2: an absolute URI without a fragment; the canonical form has no trailing slash. */
const resourceSchema = secureUrl("resource").superRefine((value, ctx) => {
  const url = new URL(value);
  if (url.hash || value.includes("#")) ctx.addIssue({ code: "custom", message: "resource must not have a fragment (RFC 8707)" });
  if (url.search) ctx.addIssue({ code: "custom", message: "resource must not have a query: its metadata URL could not be derived from it (RFC 9728)" });
});

/** A scope token (RFC 6749 §3.3): printable ASCII without space, `"` or `\`. */
const scopeSchema = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, "expected a scope token: printable ASCII without spaces, quotes or backslashes");

/** A claim name, or a dot path into nested claims (`org.id`); a claim whose own name has dots (`https://example.com/org`) is found as it is first. */
const claimPath = z.string().min(1, "expected a claim name or a dot path");

const introspectionSchema = z
  .strictObject({
    endpoint: secureUrl("introspection.endpoint")
      .optional()
      .describe("RFC 7662 introspection endpoint; defaults to the introspection_endpoint of the authorization server's metadata"),
    clientId: z.string().min(1).describe("Client id the gateway authenticates to the introspection endpoint with (HTTP Basic)"),
    clientSecret: z.string().min(1).describe("Its secret; use a ${ENV} placeholder"),
    cacheTtlS: z
      .number()
      .int()
      .min(0)
      .max(3600)
      .default(60)
      .describe("How long an active introspection answer is reused (never past the token's exp); bounds how late a revocation is seen"),
  })
  .describe("Opaque (non-JWT) access tokens are checked by RFC 7662 introspection");

const subjectSchema = z
  .strictObject({
    tenant: claimPath.optional().describe("Claim giving the subject's tenant (e.g. org_id, tid); without it the tenant is the token's issuer"),
    client: z
      .union([claimPath, z.array(claimPath).min(1)])
      .default(["client_id", "azp"])
      .describe("Claim (or claims, first present wins) giving the subject's client"),
    id: claimPath.default("sub").describe("Claim giving the subject's id (audited as apiKeyId); the token's sub by default"),
  })
  .describe("Where the subject's tenant, client and id come from in the token's claims; a token without them is refused");

export const optionsSchema = z
  .strictObject({
    issuer: secureUrl("issuer").describe("The authorization server's issuer identifier; tokens' iss must equal it exactly, and its RFC 8414 / OpenID metadata gives jwks_uri"),
    resource: resourceSchema.describe("Canonical URI of this gateway's MCP endpoint (RFC 8707), e.g. https://gw.example.com/mcp; published as the protected resource and the default audience"),
    audience: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe("Accepted aud values (a token's aud must contain one); defaults to [resource]"),
    scopesSupported: z.array(scopeSchema).default([]).describe("Scopes published as scopes_supported in the protected resource metadata"),
    requiredScopes: z
      .array(scopeSchema)
      .default([])
      .describe('Scopes every request needs; a valid token without them gets 403 with a Bearer error="insufficient_scope" challenge'),
    jwksUri: secureUrl("jwksUri").optional().describe("JWKS URL; overrides the jwks_uri of the authorization server's metadata (no discovery then)"),
    algorithms: z
      .array(z.enum(ASYMMETRIC_ALGORITHMS))
      .min(1)
      .default([...ASYMMETRIC_ALGORITHMS])
      .describe("JWS algorithms accepted in access tokens; asymmetric only (none and HS* are never accepted)"),
    clockToleranceS: z.number().int().min(0).max(300).default(30).describe("Clock skew allowed when checking exp and nbf, in seconds"),
    jwksCooldownS: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .default(30)
      .describe("At most one request to the authorization server per this many seconds for an unknown key id (or after a failure)"),
    jwksMaxAgeS: z
      .number()
      .int()
      .min(60)
      .max(86400)
      .default(600)
      .describe("Keys older than this are refreshed in the background; the old ones keep working if the authorization server is down"),
    timeoutMs: z
      .number()
      .int()
      .min(100)
      .max(30000)
      .default(3000)
      .describe("Deadline of each request to the authorization server (metadata, JWKS, introspection)"),
    cacheMaxEntries: z
      .number()
      .int()
      .min(0)
      .max(1000000)
      .default(10000)
      .describe("Verified tokens kept (by a hash of the token, never past exp) so a reused token is checked once; 0 turns the cache off"),
    introspection: introspectionSchema.optional(),
    subject: subjectSchema.default({ client: ["client_id", "azp"], id: "sub" }),
  })
  .describe("MCP authorization: the gateway as an OAuth 2.1 resource server accepting the authorization server's access tokens");

export type AuthOAuthOptions = z.output<typeof optionsSchema>;
