import { createRequire } from "node:module";
import { definePlugin, GatewayError, STAGES } from "@mcp-gateway/runtime/plugin";
import { createAuthenticator, type VerifiedToken } from "./authenticator.js";
import { readBearer, tokenInQuery } from "./bearer.js";
import { createChallenges, metadataPaths } from "./challenges.js";
import { AuthorizationServerError, type FetchLike } from "./http.js";
import { KeysUnavailable } from "./jwks.js";
import { protectedResourceMetadata } from "./metadata.js";
import { optionsSchema } from "./options.js";
import { InvalidToken } from "./verify.js";

const pkg = createRequire(import.meta.url)("../package.json") as { version: string };

export { optionsSchema, ASYMMETRIC_ALGORITHMS, type AuthOAuthOptions } from "./options.js";
export { metadataUrlFor } from "./challenges.js";
export type { OAuthSubject, TokenClaims } from "./subject.js";
export type { FetchLike } from "./http.js";

/**
 * Where an auth plugin leaves, for the request it authenticated, how to build a Bearer
 * `insufficient_scope` challenge: `(scopes: readonly string[], description?: string) => string`.
 * The policy plugin uses it to answer a call that needs a scope the token lacks with the
 * challenge MCP clients step up on (docs/auth.md, "Scopes in policy").
 */
export const SCOPE_CHALLENGE: unique symbol = Symbol.for("mcp-gateway.scope-challenge");

const UNAVAILABLE = Symbol("auth-oauth.unavailable");

export interface AuthOAuthDeps {
  /** How the plugin reaches the authorization server (metadata, JWKS, introspection); global fetch by default. */
  fetch?: FetchLike;
  /** The clock, ms since the epoch (tokens' exp and nbf, caches); Date.now by default. */
  now?: () => number;
}

/** The plugin with its own fetch and clock (tests); the default export uses the global ones. */
export function createAuthOAuthPlugin(deps: AuthOAuthDeps = {}) {
  return definePlugin({
    name: "auth-oauth",
    version: pkg.version,
    api: "^1",
    options: optionsSchema,
    authenticates: true,
    errors: {
      OAUTH_ERR_INSUFFICIENT_SCOPE: {
        status: 403,
        message: "Forbidden: the access token lacks a required scope",
        meaning: 'A valid access token without one of the `requiredScopes` of auth-oauth (answered in `onRequest`, with the subject set, so audit records who was refused). The answer carries `WWW-Authenticate: Bearer error="insufficient_scope", scope="…", resource_metadata="…"`.',
        fix: "Get a token with the scopes the challenge names (MCP clients step up on this challenge), or grant them to the client at the authorization server.",
      },
      OAUTH_ERR_TOKEN_IN_QUERY: {
        status: 400,
        message: "Bad Request: access tokens are accepted in the Authorization header only",
        meaning: "The request URL carries `access_token` in its query string, which MCP forbids (RFC 6750 §2.3): tokens in URLs end up in logs and histories.",
        fix: "Send the token as `Authorization: Bearer <token>`.",
      },
      OAUTH_ERR_AUTHORIZATION_SERVER_UNAVAILABLE: {
        status: 503,
        message: "Service unavailable: the authorization server cannot be reached to verify the access token",
        meaning: "A Bearer token needed the authorization server (its keys, not cached yet or a key id only a reload could find; or introspection) and the server did not answer in time; no other auth plugin accepted the request.",
        fix: "Retry after `Retry-After` seconds; check that the gateway reaches the issuer's metadata and jwks_uri (see the auth-oauth /health check).",
      },
    },
    setup(gateway, options) {
      const log = gateway.log;
      const authenticator = createAuthenticator(options, {
        fetch: deps.fetch ?? ((url, init) => fetch(url, init)),
        now: deps.now ?? Date.now,
        warn: (message, err) => log.warn({ issuer: options.issuer, err: (err as Error).message }, `auth-oauth: ${message}`),
      });
      const challenges = createChallenges(options.resource, options.requiredScopes);
      const insufficientScope = (scopes: readonly string[], description?: string) =>
        challenges.insufficientScope([...new Set([...options.requiredScopes, ...scopes])], description);
      const requiredChallenge = challenges.insufficientScope(options.requiredScopes);
      // Discovery and a key load may follow each other on a cold cache: give the tap room for both.
      const deadline = 4 * options.timeoutMs + 1000;
      const retryAfter = String(options.jwksCooldownS);

      const document = protectedResourceMetadata(options);
      for (const path of metadataPaths(options.resource, gateway.endpoint.path)) {
        gateway.http.get(path, async () => ({
          status: 200,
          headers: { "cache-control": "public, max-age=3600", "access-control-allow-origin": "*" },
          body: document,
        }));
      }

      gateway.hooks.onRequest.tapPromise({ stage: "AUTHN", timeoutMs: deadline }, async (ctx) => {
        if (tokenInQuery(ctx.http.path)) {
          throw GatewayError.from("OAUTH_ERR_TOKEN_IN_QUERY", undefined, { headers: { "www-authenticate": challenges.badRequest } });
        }
        if (ctx.subject) return;
        const credential = readBearer(ctx.http.headers.authorization);
        if (!credential) {
          ctx.authChallenges.push(challenges.missing);
          return;
        }
        if (credential.kind === "malformed") {
          ctx.authChallenges.push(challenges.invalid);
          ctx.authFailures.push("malformed Bearer credential");
          return;
        }
        let verified: VerifiedToken;
        try {
          verified = await authenticator.authenticate(credential.token);
        } catch (err) {
          if (err instanceof InvalidToken) {
            // Maybe another auth plugin's credential (an API key also comes as Bearer): say why, pass.
            ctx.log.debug({ plugin: gateway.name, reason: err.message }, "access token rejected");
            ctx.authChallenges.push(challenges.invalid);
            ctx.authFailures.push(err.message);
            return;
          }
          if (err instanceof KeysUnavailable || err instanceof AuthorizationServerError) {
            // Unknown whether the token is good: a 503 (next tap) unless another plugin accepts the request.
            // Failures to reach the server are logged where they happen (a key load: once per cooldown).
            ctx.log.debug({ plugin: gateway.name, err: err.message }, "access token not verifiable: authorization server unavailable");
            ctx.state[UNAVAILABLE] = err.message;
            ctx.authChallenges.push(challenges.missing);
            return;
          }
          throw err;
        }
        ctx.subject = verified.subject;
        ctx.state[SCOPE_CHALLENGE] = insufficientScope;
        // The token is this plugin's and valid, so no other auth plugin would accept it: a missing
        // required scope is answered here (the subject stays set, so audit records who was refused).
        if (verified.missingScopes.length) {
          throw GatewayError.from("OAUTH_ERR_INSUFFICIENT_SCOPE", `Forbidden: the access token lacks scope ${verified.missingScopes.join(", ")}`, {
            headers: { "www-authenticate": requiredChallenge },
            data: { requiredScopes: options.requiredScopes },
          });
        }
      });

      // After every auth plugin at AUTHN: a token that could not be checked is a 503, not a 401
      // (a 401 would send the client to get a new token it does not need).
      gateway.hooks.onRequest.tapPromise({ stage: STAGES.AUTHN + 500 }, async (ctx) => {
        if (ctx.subject || ctx.state[UNAVAILABLE] === undefined) return;
        throw GatewayError.from("OAUTH_ERR_AUTHORIZATION_SERVER_UNAVAILABLE", undefined, { headers: { "retry-after": retryAfter } });
      });

      gateway.hooks.ready.tapPromise(async () => {
        // Warm the keys so the first request does not wait for them; an authorization server that
        // is down does not stop the gateway (other credentials keep working; tokens get 503 meanwhile).
        const warming = authenticator.warm();
        await Promise.race([warming, new Promise((resolve) => setTimeout(resolve, options.timeoutMs).unref())]);
        const status = authenticator.keys.status();
        if (status.keys) log.info({ issuer: options.issuer, keys: status.keys }, "auth-oauth: authorization server keys loaded");
      });

      gateway.hooks.health.tapPromise(async (checks) => {
        const status = authenticator.keys.status();
        // Without keys no JWT can be verified; with introspection, opaque tokens still can.
        const failing = status.keys === 0 && status.lastError !== undefined && !options.introspection;
        checks[gateway.name] = failing
          ? { status: "fail", issuer: options.issuer, error: status.lastError }
          : { status: "ok", issuer: options.issuer, keys: status.keys, ...(status.lastError ? { lastError: status.lastError } : {}) };
      });
    },
  });
}

/**
 * MCP authorization: the gateway as an OAuth 2.1 resource server. It publishes protected
 * resource metadata (RFC 9728), answers requests without a token with the Bearer challenge MCP
 * clients start their flow from, verifies JWT access tokens against the issuer's JWKS (or opaque
 * ones by introspection), and gives policy, rate limiting and audit the token's subject and scopes.
 * A Bearer credential it does not accept is left to the other auth plugins.
 */
export default createAuthOAuthPlugin();
