import type { RateLimitStore } from "./store.js";
import { msUntilFull, takeAll, tokensAt, type BucketRequest, type BucketState, type TakeResult } from "./token-bucket.js";

const SWEEP_INTERVAL_MS = 60_000;

interface Entry extends BucketState {
  /** When the bucket will be full again; from then on it is the same as no entry. */
  fullAt: number;
}

/** Buckets in a Map; full buckets are dropped once a minute so memory follows active callers. */
export class MemoryStore implements RateLimitStore {
  readonly kind = "memory";
  readonly #buckets = new Map<string, Entry>();
  readonly #now: () => number;
  #lastSweep: number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
    this.#lastSweep = now();
  }

  /** Buckets currently held (for tests and diagnostics). */
  get size(): number {
    return this.#buckets.size;
  }

  health() {
    return { status: "ok" as const, store: this.kind };
  }

  async take(requests: readonly BucketRequest[]): Promise<TakeResult> {
    const now = this.#now();
    this.#sweep(now);
    const available = requests.map((request) => tokensAt(this.#buckets.get(request.key), request.capacity, request.refillPerMs, now));
    const result = takeAll(requests, available);
    if (result.allowed) {
      requests.forEach((request, index) => {
        const tokens = result.tokens[index]!;
        this.#buckets.set(request.key, { tokens, updatedAt: now, fullAt: now + msUntilFull(tokens, request.capacity, request.refillPerMs) });
      });
    }
    return result;
  }

  #sweep(now: number): void {
    if (now - this.#lastSweep < SWEEP_INTERVAL_MS) return;
    this.#lastSweep = now;
    for (const [key, entry] of this.#buckets) if (entry.fullAt <= now) this.#buckets.delete(key);
  }
}
