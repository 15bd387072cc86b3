import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { parseKey } from "../config/session-keys.js";
import { CONSTRUCT, ERRORS, GatewayError, StartupError } from "../errors.js";

export { parseKey } from "../config/session-keys.js";

/**
 * A federated gateway session carried inside the `Mcp-Session-Id` the client sees. Sealing the
 * state into the id (instead of keeping it in Redis) lets any gateway instance serve any session
 * with no shared storage and no extra round trip per request; the price is that a session cannot
 * be revoked before `maxAgeMs`, which is acceptable because DELETE ends every upstream session
 * the token points at, so a replayed token only reaches dead upstream sessions.
 */
export interface SessionState {
  v: 1;
  /** Who initialized the session; a token presented by anyone else must be "not found". */
  sub: { tenant: string; client: string };
  /** Upstream name → that upstream's own `Mcp-Session-Id`. */
  upstreams: Record<string, string>;
  /** Issued at, in whole seconds since the epoch (JWT style: shorter than milliseconds). */
  iat: number;
}

export type SessionTokenFailure = "malformed" | "unknown-key" | "tampered" | "expired";

/**
 * Every failure is a 404 "Session not found" to the client (the legacy spec's signal to
 * re-initialize) and says nothing about why; `reason` is for the gateway's own logs.
 */
export class SessionTokenError extends GatewayError {
  readonly reason: SessionTokenFailure;
  constructor(reason: SessionTokenFailure) {
    super(CONSTRUCT, "MCPGW_ERR_SESSION_NOT_FOUND", ERRORS.MCPGW_ERR_SESSION_NOT_FOUND, undefined, {});
    this.reason = reason;
  }
}

export interface SessionSealerOptions {
  /**
   * 32-byte keys, base64 (standard or url) or 64 hex digits. The first seals; every key opens,
   * so a key is rotated by putting the new one first and dropping the old one after `maxAgeMs`.
   */
  keys: readonly string[];
  /** Bound into the AEAD's associated data, so a token sealed for another purpose never opens here. */
  purpose?: string;
  /** Absolute session lifetime; the id cannot change mid-session, so there is no sliding renewal. */
  maxAgeMs?: number;
  /** Tolerated clock difference between gateway instances for tokens issued "in the future". */
  clockSkewMs?: number;
  now?: () => number;
}

export interface SessionSealer {
  seal(state: Omit<SessionState, "v" | "iat"> & { iat?: number }): string;
  /** The state, or a `SessionTokenError` for anything it cannot prove authentic and fresh. */
  open(token: string): SessionState;
}

const VERSION = 1;
const KID_BYTES = 4;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + KID_BYTES + IV_BYTES + TAG_BYTES;
const DEFAULT_PURPOSE = "mcp-gateway/session";
const DEFAULT_MAX_AGE_MS = 24 * 60 * 60 * 1000;
const DEFAULT_SKEW_MS = 60_000;

interface Key {
  id: Buffer;
  secret: Buffer;
}

/** The key id is a hash prefix, not a config field, so operators only ever handle the keys themselves. */
function toKey(text: string): Key {
  const secret = parseKey(text);
  return { id: createHash("sha256").update(secret).digest().subarray(0, KID_BYTES), secret };
}

export function createSessionSealer(options: SessionSealerOptions): SessionSealer {
  if (!options.keys.length) throw new StartupError("MCPGW_ERR_CONFIG_INVALID", "at least one session key is required");
  const keys = options.keys.map(toKey);
  const purpose = Buffer.from(options.purpose ?? DEFAULT_PURPOSE, "utf8");
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  const skewMs = options.clockSkewMs ?? DEFAULT_SKEW_MS;
  const now = options.now ?? Date.now;
  // The header (version, key id) is authenticated too, so it cannot be swapped onto another body.
  const aad = (header: Buffer) => Buffer.concat([purpose, header]);

  return {
    seal(state) {
      const key = keys[0]!;
      const body: SessionState = { v: 1, sub: state.sub, upstreams: state.upstreams, iat: state.iat ?? Math.floor(now() / 1000) };
      const header = Buffer.concat([Buffer.from([VERSION]), key.id]);
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key.secret, iv);
      cipher.setAAD(aad(header));
      const ciphertext = Buffer.concat([cipher.update(JSON.stringify(body), "utf8"), cipher.final()]);
      return Buffer.concat([header, iv, cipher.getAuthTag(), ciphertext]).toString("base64url");
    },

    open(token) {
      if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new SessionTokenError("malformed");
      const raw = Buffer.from(token, "base64url");
      if (raw.length <= HEADER_BYTES || raw[0] !== VERSION) throw new SessionTokenError("malformed");
      const header = raw.subarray(0, 1 + KID_BYTES);
      const kid = header.subarray(1);
      const key = keys.find((candidate) => candidate.id.equals(kid));
      if (!key) throw new SessionTokenError("unknown-key");
      const iv = raw.subarray(header.length, header.length + IV_BYTES);
      const tag = raw.subarray(header.length + IV_BYTES, HEADER_BYTES);
      let plaintext: string;
      try {
        const decipher = createDecipheriv("aes-256-gcm", key.secret, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(aad(header));
        decipher.setAuthTag(tag);
        plaintext = Buffer.concat([decipher.update(raw.subarray(HEADER_BYTES)), decipher.final()]).toString("utf8");
      } catch {
        throw new SessionTokenError("tampered");
      }
      const state = parseState(plaintext);
      const ageMs = now() - state.iat * 1000;
      if (ageMs > maxAgeMs || ageMs < -skewMs) throw new SessionTokenError("expired");
      return state;
    },
  };
}

/** Authentic but unreadable means a bug or an incompatible writer; treat it as malformed, never trust it. */
function parseState(plaintext: string): SessionState {
  let value: unknown;
  try {
    value = JSON.parse(plaintext);
  } catch {
    throw new SessionTokenError("malformed");
  }
  const state = value as Partial<SessionState> | null;
  const ok =
    state !== null &&
    typeof state === "object" &&
    state.v === 1 &&
    typeof state.sub?.tenant === "string" &&
    typeof state.sub.client === "string" &&
    typeof state.upstreams === "object" &&
    state.upstreams !== null &&
    Object.values(state.upstreams).every((id) => typeof id === "string") &&
    Number.isInteger(state.iat);
  if (!ok) throw new SessionTokenError("malformed");
  return state as SessionState;
}

/**
 * A session presented by another subject answers exactly as an unknown one (404), so a stolen id
 * reveals nothing, not even that it exists.
 */
export function assertSubject(state: SessionState, subject: { tenant: string; client: string }): void {
  if (state.sub.tenant !== subject.tenant || state.sub.client !== subject.client) {
    throw GatewayError.from("MCPGW_ERR_SESSION_NOT_FOUND");
  }
}
