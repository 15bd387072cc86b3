import { createLocalJWKSet, errors, type CryptoKey, type FlattenedJWSInput, type JSONWebKeySet, type JWSHeaderParameters } from "jose";

/** No key could be had for a token: none cached and the authorization server cannot be asked now. */
export class KeysUnavailable extends Error {
  override readonly name = "KeysUnavailable";
}

export interface KeySetOptions {
  /** Reads the current key set from the authorization server (the JWKS document); rejects when it cannot. */
  load(): Promise<unknown>;
  /** At most one load per this many ms after the last one (an unknown `kid`, a failure). */
  cooldownMs: number;
  /** Keys older than this are reloaded in the background; the old ones keep serving meanwhile. */
  maxAgeMs: number;
  /** A background reload failed (the old keys stay). */
  onBackgroundError?(err: unknown): void;
  now?: () => number;
}

export interface KeySetStatus {
  /** Keys in the set in use; 0 before the first load. */
  readonly keys: number;
  /** Loads started so far (successful or not). */
  readonly loads: number;
  /** `now()` of the last successful load. */
  readonly loadedAt: number | undefined;
  /** Why the last load failed, when it did. */
  readonly lastError: string | undefined;
}

export interface KeySet {
  /** The key for a token's header (jose's JWTVerifyGetKey). */
  getKey(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey>;
  /** Loads the keys unless loaded, loading or cooling down; never rejects. */
  warm(): Promise<void>;
  status(): KeySetStatus;
}

type LocalKeys = ReturnType<typeof createLocalJWKSet>;

/**
 * The authorization server's signing keys, cached. The set is loaded on first use (or `warm`),
 * and again:
 *
 * - when a token names a `kid` the set does not have (the server rotated its keys), at most once
 *   per `cooldownMs`, so a flood of tokens with made-up key ids costs the server one request per
 *   cooldown, not one per token;
 * - in the background once it is older than `maxAgeMs`.
 *
 * A failed load keeps the keys already held: while the server is down, tokens signed with known
 * keys still verify. With no keys held (or a `kid` that only a reload could find, while the server
 * cannot be asked), `getKey` rejects with KeysUnavailable. Concurrent loads are one request.
 */
export function createKeySet(options: KeySetOptions): KeySet {
  const now = options.now ?? Date.now;
  let local: LocalKeys | undefined;
  let keyCount = 0;
  let loads = 0;
  let loadedAt: number | undefined;
  let attemptedAt = Number.NEGATIVE_INFINITY;
  let lastError: Error | undefined;
  let inflight: Promise<void> | undefined;

  const coolingDown = () => now() - attemptedAt < options.cooldownMs;

  function load(): Promise<void> {
    inflight ??= (async () => {
      attemptedAt = now();
      loads++;
      try {
        const document = await options.load();
        const keys = createLocalJWKSet(document as JSONWebKeySet);
        local = keys;
        keyCount = (document as JSONWebKeySet).keys.length;
        loadedAt = now();
        lastError = undefined;
      } catch (err) {
        lastError = err instanceof errors.JWKSInvalid ? new Error(`the JWKS document is malformed: ${err.message}`) : (err as Error);
        throw lastError;
      } finally {
        inflight = undefined;
      }
    })();
    return inflight;
  }

  /** Loads now unless cooling down (then waits for a load under way, if any); true when a load succeeded. */
  async function reload(): Promise<boolean> {
    if (inflight) return inflight.then(() => true, () => false);
    if (coolingDown()) return false;
    return load().then(() => true, () => false);
  }

  const unavailable = () => new KeysUnavailable(lastError ? `the authorization server's keys cannot be loaded: ${lastError.message}` : "the authorization server's keys are not loaded yet");

  return {
    async getKey(header, token) {
      if (!local) {
        await reload();
        if (!local) throw unavailable();
      } else if (loadedAt !== undefined && now() - loadedAt > options.maxAgeMs && !inflight && !coolingDown()) {
        load().catch((err: unknown) => options.onBackgroundError?.(err));
      }
      const keys: LocalKeys = local;
      try {
        return await keys(header, token);
      } catch (err) {
        if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
        // A key id the set does not have: maybe the server rotated. Ask again, within the cooldown.
        const loaded = await reload();
        if (!loaded) {
          // The server could not be asked (now, or at the last try): whether the key is real cannot be told.
          if (lastError) throw unavailable();
          throw err;
        }
        return local!(header, token);
      }
    },
    async warm() {
      if (local) return;
      await reload();
    },
    status: () => ({ keys: keyCount, loads, loadedAt, lastError: lastError?.message }),
  };
}
