import { hash } from "node:crypto";

/** The key a token is cached under: its sha256, so the cache holds no bearer credential. */
export function tokenKey(token: string): string {
  return hash("sha256", token, "base64");
}

export interface TokenCache<T> {
  /** The entry for this key, unless missing or expired (an expired entry is dropped). */
  get(key: string): T | undefined;
  /** Keeps `value` until `expiresAt` (ms since the epoch); the least recently used entry goes first when full. */
  set(key: string, value: T, expiresAt: number): void;
  readonly size: number;
}

/**
 * A bounded LRU of verified tokens, keyed by the token's hash (`tokenKey`). An entry never
 * outlives the `expiresAt` it was stored with (the token's `exp`), and past `maxEntries` the
 * least recently used one is evicted. `maxEntries: 0` caches nothing.
 */
export function createTokenCache<T>(maxEntries: number, now: () => number = Date.now): TokenCache<T> {
  const entries = new Map<string, { value: T; expiresAt: number }>();
  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (now() >= entry.expiresAt) {
        entries.delete(key);
        return undefined;
      }
      // Most recently used last: re-insert.
      entries.delete(key);
      entries.set(key, entry);
      return entry.value;
    },
    set(key, value, expiresAt) {
      if (maxEntries <= 0 || now() >= expiresAt) return;
      entries.delete(key);
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(key, { value, expiresAt });
    },
    get size() {
      return entries.size;
    },
  };
}
