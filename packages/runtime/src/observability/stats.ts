import type { Context } from "../request-context.js";

/** The request-rate history the status page draws: 90 slots of 10 s, 15 minutes. */
export const SERIES_SLOT_S = 10;
export const SERIES_SLOTS = 90;
/** Per-upstream counters and latency cover the last minute, in 1 s slots. */
const WINDOW_SLOTS = 60;
/** A streak this long of failed calls to an upstream shows it as failing, until a call succeeds or a minute passes without one. */
export const FAILING_STREAK = 3;

/**
 * Latency buckets on a log scale: four per doubling (each ~19% wide) from 50 µs, up to ~1 min.
 * A quantile is reported as its bucket's upper bound, so within about 20% of the true value.
 */
const LATENCY_FLOOR_MS = 0.05;
const BUCKETS_PER_DOUBLING = 4;
const LATENCY_BUCKETS = 84;
const bucketOf = (ms: number) => Math.min(LATENCY_BUCKETS - 1, Math.max(0, Math.floor(BUCKETS_PER_DOUBLING * Math.log2(ms / LATENCY_FLOOR_MS))));
const upperBoundMs = (bucket: number) => LATENCY_FLOOR_MS * 2 ** ((bucket + 1) / BUCKETS_PER_DOUBLING);

/**
 * Counts per time slot in a ring: a slot is reused once its time has passed, so reading it
 * needs no timer and an idle gateway does no work.
 */
class Ring {
  readonly #slotMs: number;
  readonly #epochs: Float64Array;
  readonly calls: Uint32Array;
  readonly errors: Uint32Array;

  constructor(
    readonly slots: number,
    slotMs: number,
  ) {
    this.#slotMs = slotMs;
    this.#epochs = new Float64Array(slots).fill(-1);
    this.calls = new Uint32Array(slots);
    this.errors = new Uint32Array(slots);
  }

  /** The slot for `now`, cleared if it last held an older time; `clear` resets what else hangs on it. */
  slot(now: number, clear?: (index: number) => void): number {
    const epoch = Math.floor(now / this.#slotMs);
    const index = epoch % this.slots;
    if (this.#epochs[index] !== epoch) {
      this.#epochs[index] = epoch;
      this.calls[index] = 0;
      this.errors[index] = 0;
      clear?.(index);
    }
    return index;
  }

  /** Slot indexes from the oldest to `now`'s, with whether each holds data of that time. */
  *recent(now: number): Generator<{ index: number; live: boolean }> {
    const epoch = Math.floor(now / this.#slotMs);
    for (let back = this.slots - 1; back >= 0; back--) {
      const index = (epoch - back) % this.slots;
      yield { index, live: this.#epochs[index] === epoch - back };
    }
  }
}

/** One upstream's last minute: calls, failures, latency, and the current streak of failures. */
class UpstreamWindow {
  readonly ring = new Ring(WINDOW_SLOTS, 1_000);
  readonly latency = new Uint32Array(WINDOW_SLOTS * LATENCY_BUCKETS);
  streak = 0;
  lastFailure: { at: number; outcome: string; code: string | undefined } | undefined;

  record(now: number, ms: number | undefined, failed: boolean, outcome: string, code: string | undefined): void {
    const index = this.ring.slot(now, (cleared) => this.latency.fill(0, cleared * LATENCY_BUCKETS, (cleared + 1) * LATENCY_BUCKETS));
    this.ring.calls[index]!++;
    if (ms !== undefined) this.latency[index * LATENCY_BUCKETS + bucketOf(ms)]!++;
    if (failed) {
      this.ring.errors[index]!++;
      this.streak++;
      this.lastFailure = { at: now, outcome, code };
    } else this.streak = 0;
  }

  summary(now: number): UpstreamStats {
    let calls = 0;
    let errors = 0;
    const merged = new Uint32Array(LATENCY_BUCKETS);
    for (const { index, live } of this.ring.recent(now)) {
      if (!live) continue;
      calls += this.ring.calls[index]!;
      errors += this.ring.errors[index]!;
      for (let bucket = 0; bucket < LATENCY_BUCKETS; bucket++) merged[bucket]! += this.latency[index * LATENCY_BUCKETS + bucket]!;
    }
    return {
      calls,
      errors,
      p50Ms: quantile(merged, 0.5),
      p99Ms: quantile(merged, 0.99),
      // Recent failures only: a streak that ended a minute ago with no call since says little.
      failing: this.streak >= FAILING_STREAK && this.lastFailure !== undefined && now - this.lastFailure.at < WINDOW_SLOTS * 1_000,
      lastFailure: this.lastFailure && { at: new Date(this.lastFailure.at).toISOString(), outcome: this.lastFailure.outcome, code: this.lastFailure.code },
    };
  }
}

function quantile(buckets: Uint32Array, q: number): number | null {
  let total = 0;
  for (const count of buckets) total += count;
  if (!total) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let bucket = 0; bucket < buckets.length; bucket++) {
    seen += buckets[bucket]!;
    if (seen >= rank) return Math.round(upperBoundMs(bucket) * 100) / 100;
  }
  return null;
}

export interface UpstreamStats {
  /** Calls answered in the last minute (requests the upstream was sent). */
  calls: number;
  /** Of those, the ones that failed: the upstream unreachable, timed out, or answering 5xx. */
  errors: number;
  /** Request duration through the gateway, arrival to the end of the answer, approximate (±20%). */
  p50Ms: number | null;
  p99Ms: number | null;
  /** The last few calls all failed. */
  failing: boolean;
  lastFailure: { at: string; outcome: string; code: string | undefined } | undefined;
}

export interface TrafficStats {
  /** Over the last minute. */
  perSecond: number;
  errorRate: number;
  /** Oldest first, `SERIES_SLOTS` slots of `SERIES_SLOT_S` seconds, as rates per second. */
  series: { slotSeconds: number; requests: number[]; errors: number[] };
}

/**
 * What the status page shows that Prometheus would have to compute: the last minute per
 * upstream and the last 15 minutes of traffic, kept in fixed rings fed once per finished
 * request. Like the metrics, it lives as long as the gateway, across reloads.
 */
export class LiveStats {
  readonly #traffic = new Ring(SERIES_SLOTS, SERIES_SLOT_S * 1_000);
  readonly #minute = new Ring(WINDOW_SLOTS, 1_000);
  readonly #upstreams = new Map<string, UpstreamWindow>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  observe(ctx: Context): void {
    const outcome = ctx.outcome;
    if (!outcome || outcome.kind === "aborted") return;
    const now = this.#now();
    const failed = outcome.kind === "failed" || outcome.kind === "rejected" || outcome.statusCode >= 400;
    for (const ring of [this.#traffic, this.#minute]) {
      const index = ring.slot(now);
      ring.calls[index]!++;
      if (failed) ring.errors[index]!++;
    }
    // An upstream's row counts what reached it: a plugin's refusal or error says nothing of its health.
    const upstream = ctx.upstream?.name;
    if (upstream === undefined || outcome.kind === "rejected" || (outcome.kind === "failed" && outcome.plugin)) return;
    let window = this.#upstreams.get(upstream);
    if (!window) this.#upstreams.set(upstream, (window = new UpstreamWindow()));
    // Streams that stay open (GET, subscriptions/listen) would read as very slow calls.
    const end = ctx.http.method === "POST" && ctx.calls[0]?.method !== "subscriptions/listen" ? ctx.timings.end : undefined;
    // A 4xx is the caller's mistake (no session, bad params), not a sign the upstream is unwell.
    const upstreamFailed = outcome.kind === "failed" || outcome.statusCode >= 500;
    window.record(now, end === undefined ? undefined : end - ctx.timings.start, upstreamFailed, upstreamFailed ? outcome.kind : "ok", outcome.errorCode);
  }

  upstream(name: string): UpstreamStats {
    return this.#upstreams.get(name)?.summary(this.#now()) ?? { calls: 0, errors: 0, p50Ms: null, p99Ms: null, failing: false, lastFailure: undefined };
  }

  traffic(): TrafficStats {
    const now = this.#now();
    let calls = 0;
    let errors = 0;
    for (const { index, live } of this.#minute.recent(now)) {
      if (!live) continue;
      calls += this.#minute.calls[index]!;
      errors += this.#minute.errors[index]!;
    }
    const requests: number[] = [];
    const failures: number[] = [];
    const rate = (count: number) => Math.round((count / SERIES_SLOT_S) * 100) / 100;
    for (const { index, live } of this.#traffic.recent(now)) {
      requests.push(live ? rate(this.#traffic.calls[index]!) : 0);
      failures.push(live ? rate(this.#traffic.errors[index]!) : 0);
    }
    return {
      perSecond: Math.round((calls / WINDOW_SLOTS) * 100) / 100,
      errorRate: calls ? Math.round((errors / calls) * 10_000) / 10_000 : 0,
      series: { slotSeconds: SERIES_SLOT_S, requests, errors: failures },
    };
  }
}
