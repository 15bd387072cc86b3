import { errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from "jose";
import { AuthorizationServerError, isObject, requestJson, type FetchLike } from "./http.js";
import type { KeySet } from "./jwks.js";

/** A token this plugin does not accept; the message says why (never the token) and reaches the client. */
export class InvalidToken extends Error {
  override readonly name = "InvalidToken";
}

/** What verification established: the token's claims and until when they hold (ms since the epoch). */
export interface VerifiedClaims {
  readonly claims: Readonly<Record<string, unknown>>;
  readonly expiresAt: number;
}

export interface JwtVerifierOptions {
  readonly keys: KeySet;
  readonly issuer: string;
  readonly audience: readonly string[];
  readonly algorithms: readonly string[];
  readonly clockToleranceS: number;
  readonly now?: () => number;
}

/** Why jose refused a token, as the 401 says it. */
function reasonOf(err: unknown): string | undefined {
  if (err instanceof errors.JWTExpired) return "access token expired";
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case "nbf":
        return "access token not yet valid";
      case "iss":
        return "access token from another issuer";
      case "aud":
        return "access token issued for another resource";
      case "exp":
        return "access token without exp";
      default:
        return `access token claim ${err.claim} invalid`;
    }
  }
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) return "access token algorithm not accepted";
  if (err instanceof errors.JWSSignatureVerificationFailed) return "access token signature invalid";
  if (err instanceof errors.JWKSNoMatchingKey) return "access token signed with an unknown key";
  if (err instanceof errors.JOSEError) return "malformed access token";
  return undefined;
}

/**
 * Verifies a JWT access token with jose: the signature with a key of the authorization server's
 * JWKS (an algorithm of the allowlist only, so neither `none` nor HMAC with a public key), `iss`
 * exactly the issuer, `aud` containing one of the audiences, `exp` present and, like `nbf`,
 * within the clock tolerance. Rejects with InvalidToken, or KeysUnavailable when no key can be had.
 */
export function createJwtVerifier(options: JwtVerifierOptions): (token: string) => Promise<VerifiedClaims> {
  const base: JWTVerifyOptions = {
    issuer: options.issuer,
    audience: [...options.audience],
    algorithms: [...options.algorithms],
    clockTolerance: options.clockToleranceS,
    requiredClaims: ["exp"],
  };
  const verifyOptions = (): JWTVerifyOptions => (options.now ? { ...base, currentDate: new Date(options.now()) } : base);
  const accept = (payload: JWTPayload): VerifiedClaims => ({ claims: payload, expiresAt: payload.exp! * 1000 });

  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, options.keys.getKey, verifyOptions());
      return accept(payload);
    } catch (err) {
      if (err instanceof errors.JWKSMultipleMatchingKeys) {
        // Keys without a kid: try each key that fits the algorithm.
        let last: unknown = err;
        for await (const key of err) {
          try {
            return accept((await jwtVerify(token, key, verifyOptions())).payload);
          } catch (attempt) {
            last = attempt;
          }
        }
        throw new InvalidToken(reasonOf(last) ?? "access token signature invalid");
      }
      const reason = reasonOf(err);
      if (reason) throw new InvalidToken(reason);
      throw err;
    }
  };
}

export interface IntrospectionOptions {
  readonly fetch: FetchLike;
  /** The endpoint, configured or discovered. */
  endpoint(): Promise<string>;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly timeoutMs: number;
  readonly issuer: string;
  readonly audience: readonly string[];
  readonly clockToleranceS: number;
  /** How long an active answer may be reused, ms. */
  readonly cacheTtlMs: number;
  readonly now?: () => number;
}

/** RFC 6749 §2.3.1: client id and secret are form-urlencoded before Basic encoding. */
function basic(clientId: string, clientSecret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, "+");
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString("base64")}`;
}

/**
 * Checks an opaque token with the authorization server's introspection endpoint (RFC 7662): it
 * must be `active`, carry an `aud` containing one of the audiences (an answer without `aud` is
 * refused: the token could be for any resource), `iss` (when present) exactly the issuer, and
 * `exp`/`nbf` (when present) within the tolerance. The answer is reused until `exp` or for
 * `cacheTtlMs`, whichever comes first. Rejects with InvalidToken, or AuthorizationServerError
 * when the endpoint cannot be asked.
 */
export function createIntrospector(options: IntrospectionOptions): (token: string) => Promise<VerifiedClaims> {
  const now = options.now ?? Date.now;
  const authorization = basic(options.clientId, options.clientSecret);
  const audiences = new Set(options.audience);
  const tolerance = options.clockToleranceS * 1000;

  return async (token) => {
    const endpoint = await options.endpoint();
    const { status, body } = await requestJson(options.fetch, endpoint, {
      method: "POST",
      headers: { authorization, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token, token_type_hint: "access_token" }).toString(),
      timeoutMs: options.timeoutMs,
    });
    if (status !== 200 || !isObject(body)) throw new AuthorizationServerError(`introspection endpoint ${endpoint} answered ${status}`);
    if (body.active !== true) throw new InvalidToken("access token not active");
    const aud = typeof body.aud === "string" ? [body.aud] : Array.isArray(body.aud) ? body.aud : [];
    if (!aud.some((value) => typeof value === "string" && audiences.has(value))) throw new InvalidToken("access token issued for another resource");
    if (body.iss !== undefined && body.iss !== options.issuer) throw new InvalidToken("access token from another issuer");
    const at = now();
    if (typeof body.exp === "number" && body.exp * 1000 + tolerance <= at) throw new InvalidToken("access token expired");
    if (typeof body.nbf === "number" && body.nbf * 1000 - tolerance > at) throw new InvalidToken("access token not yet valid");
    const { active: _active, ...claims } = body;
    const ttl = at + options.cacheTtlMs;
    return { claims, expiresAt: typeof body.exp === "number" ? Math.min(body.exp * 1000, ttl) : ttl };
  };
}
