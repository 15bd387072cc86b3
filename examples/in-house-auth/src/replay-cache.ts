export interface ReplayCache {
  /**
   * Records `key` until `expiresAt` (ms). True the first time; false while an earlier use of the
   * same key has not expired, which is a replay.
   */
  firstUse(key: string, expiresAt: number, now: number): boolean;
  readonly size: number;
}

/**
 * Remembers used signatures for as long as they could be accepted again, in insertion order.
 * Each call drops expired entries from the front (amortised O(1)) and, when the cache is full,
 * the oldest entry: memory stays bounded whatever the traffic, at the price that a signature
 * pushed out early could be replayed until its timestamp leaves the window. Size it above the
 * number of signed requests one gateway sees in twice the skew window.
 */
export function createReplayCache(maxEntries: number): ReplayCache {
  const entries = new Map<string, number>();

  function sweep(now: number): void {
    for (const [key, expiresAt] of entries) {
      if (expiresAt > now) return;
      entries.delete(key);
    }
  }

  return {
    firstUse(key, expiresAt, now) {
      const known = entries.get(key);
      if (known !== undefined && known > now) return false;
      entries.delete(key);
      sweep(now);
      while (entries.size >= maxEntries) {
        const oldest = entries.keys().next().value as string;
        entries.delete(oldest);
      }
      entries.set(key, expiresAt);
      return true;
    },
    get size() {
      return entries.size;
    },
  };
}
