import { looksLikeJwt } from "./bearer.js";
import { discoverIssuer, type IssuerMetadata } from "./discovery.js";
import { AuthorizationServerError, requestJson, type FetchLike } from "./http.js";
import { createKeySet, type KeySet } from "./jwks.js";
import type { AuthOAuthOptions } from "./options.js";
import { subjectFor, UnmappableToken, type OAuthSubject } from "./subject.js";
import { createTokenCache, tokenKey, type TokenCache } from "./token-cache.js";
import { createIntrospector, createJwtVerifier, InvalidToken, type VerifiedClaims } from "./verify.js";

/** A token the plugin accepted, as cached. */
export interface VerifiedToken {
  readonly subject: OAuthSubject;
  /** The required scopes (`requiredScopes`) the token does not hold; empty when it holds them all. */
  readonly missingScopes: readonly string[];
  /** Until when it may be reused (ms since the epoch): the token's exp, sooner for introspection. */
  readonly expiresAt: number;
}

export interface AuthenticatorDeps {
  fetch: FetchLike;
  now: () => number;
  /** The authorization server could not be asked: a key load (at most once per cooldown) or an introspection. */
  warn(message: string, err: unknown): void;
}

export interface Authenticator {
  /** The token's subject, from the cache or verified now. Rejects with InvalidToken, KeysUnavailable or AuthorizationServerError. */
  authenticate(token: string): Promise<VerifiedToken>;
  /** Loads metadata and keys ahead of the first request; never rejects. */
  warm(): Promise<void>;
  readonly keys: KeySet;
  readonly cache: TokenCache<VerifiedToken>;
}

/**
 * Discovery, cached: the first success is kept for the life of the process (an issuer's metadata
 * does not move; its keys do, and are reloaded from jwks_uri). A failure is remembered for
 * `cooldownMs`, during which callers get it at once instead of asking the server again.
 */
function cachedDiscovery(fetchImpl: FetchLike, issuer: string, timeoutMs: number, cooldownMs: number, now: () => number): () => Promise<IssuerMetadata> {
  let found: IssuerMetadata | undefined;
  let inflight: Promise<IssuerMetadata> | undefined;
  let failure: { at: number; error: Error } | undefined;
  return () => {
    if (found) return Promise.resolve(found);
    if (inflight) return inflight;
    if (failure && now() - failure.at < cooldownMs) return Promise.reject(failure.error);
    inflight = discoverIssuer(fetchImpl, issuer, timeoutMs).then(
      (metadata) => {
        found = metadata;
        failure = undefined;
        inflight = undefined;
        return metadata;
      },
      (err: Error) => {
        failure = { at: now(), error: err };
        inflight = undefined;
        throw err;
      },
    );
    return inflight;
  };
}

/**
 * Everything between a Bearer token and a subject: JWTs are verified locally against the
 * authorization server's keys, other tokens introspected (when configured), and accepted tokens
 * cached by their hash until they expire, so a client reusing its token pays for the check once.
 */
export function createAuthenticator(options: AuthOAuthOptions, deps: AuthenticatorDeps): Authenticator {
  const { now } = deps;
  const audience = options.audience ?? [options.resource];
  const cooldownMs = options.jwksCooldownS * 1000;
  const discover = cachedDiscovery(deps.fetch, options.issuer, options.timeoutMs, cooldownMs, now);

  const keys: KeySet = createKeySet({
    async load() {
      try {
        const uri = options.jwksUri ?? (await discover()).jwksUri;
        if (!uri) throw new AuthorizationServerError(`the metadata of ${options.issuer} has no jwks_uri (set jwksUri)`);
        const { status, body } = await requestJson(deps.fetch, uri, { timeoutMs: options.timeoutMs });
        if (status !== 200) throw new AuthorizationServerError(`${uri} answered ${status}`);
        return body;
      } catch (err) {
        deps.warn(keys.status().keys > 0 ? "reloading the authorization server's keys failed; the cached keys stay in use" : "the authorization server's keys cannot be loaded", err);
        throw err;
      }
    },
    cooldownMs,
    maxAgeMs: options.jwksMaxAgeS * 1000,
    now,
  });

  const verifyJwt = createJwtVerifier({ keys, issuer: options.issuer, audience, algorithms: options.algorithms, clockToleranceS: options.clockToleranceS, now });
  const introspection = options.introspection;
  const introspect = introspection
    ? createIntrospector({
        fetch: deps.fetch,
        async endpoint() {
          if (introspection.endpoint) return introspection.endpoint;
          const discovered = (await discover()).introspectionEndpoint;
          if (!discovered) throw new AuthorizationServerError(`the metadata of ${options.issuer} has no introspection_endpoint (set introspection.endpoint)`);
          return discovered;
        },
        clientId: introspection.clientId,
        clientSecret: introspection.clientSecret,
        timeoutMs: options.timeoutMs,
        issuer: options.issuer,
        audience,
        clockToleranceS: options.clockToleranceS,
        cacheTtlMs: introspection.cacheTtlS * 1000,
        now,
      })
    : undefined;

  const mapping = { tenant: options.subject.tenant, client: typeof options.subject.client === "string" ? [options.subject.client] : options.subject.client, id: options.subject.id };
  const cache = createTokenCache<VerifiedToken>(options.cacheMaxEntries, now);
  const required = options.requiredScopes;

  function accept(verified: VerifiedClaims): VerifiedToken {
    let subject: OAuthSubject;
    try {
      subject = subjectFor(verified.claims, options.issuer, mapping);
    } catch (err) {
      if (err instanceof UnmappableToken) throw new InvalidToken(err.message);
      throw err;
    }
    const held = new Set(subject.claims.scope);
    return Object.freeze({ subject, missingScopes: Object.freeze(required.filter((scope) => !held.has(scope))), expiresAt: verified.expiresAt });
  }

  return {
    async authenticate(token) {
      const key = tokenKey(token);
      const cached = cache.get(key);
      if (cached) return cached;
      let verified: VerifiedClaims;
      if (looksLikeJwt(token)) verified = await verifyJwt(token);
      else if (introspect) {
        try {
          verified = await introspect(token);
        } catch (err) {
          if (err instanceof AuthorizationServerError) deps.warn("introspection failed", err);
          throw err;
        }
      }
      else throw new InvalidToken("not a JWT access token");
      const accepted = accept(verified);
      cache.set(key, accepted, accepted.expiresAt);
      return accepted;
    },
    warm: () => keys.warm(),
    keys,
    cache,
  };
}
