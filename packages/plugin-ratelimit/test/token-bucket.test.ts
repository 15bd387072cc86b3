import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rateLimitedError } from "../src/limit-error.ts";
import { MemoryStore } from "../src/memory-store.ts";
import { createThrottle } from "../src/throttle.ts";
import { msUntil, msUntilFull, takeAll, tokensAt, type BucketRequest } from "../src/token-bucket.ts";
import { manualClock } from "./support.ts";

/** 60 rpm: one token per second. */
const bucket = (key: string, extra: Partial<BucketRequest> = {}): BucketRequest => ({
  key,
  rpm: 60,
  capacity: 60,
  refillPerMs: 60 / 60_000,
  cost: 1,
  label: "tools/list",
  ...extra,
});

describe("token bucket arithmetic", () => {
  it("starts full, refills at rpm/60 per second, and never holds more than its capacity", () => {
    assert.equal(tokensAt(undefined, 10, 0.001, 5), 10);
    assert.equal(tokensAt({ tokens: 2, updatedAt: 0 }, 10, 0.001, 3_000), 5);
    assert.equal(tokensAt({ tokens: 2, updatedAt: 0 }, 10, 0.001, 60_000), 10);
  });

  it("ignores a clock that went backwards", () => {
    assert.equal(tokensAt({ tokens: 2, updatedAt: 5_000 }, 10, 0.001, 1_000), 2);
  });

  it("knows how long a cost must wait, and that a cost above capacity never fits", () => {
    assert.equal(msUntil(0.5, 1, 10, 0.001), 500);
    assert.equal(msUntil(3, 1, 10, 0.001), 0);
    assert.equal(msUntil(10, 11, 10, 0.001), Infinity);
    assert.equal(msUntilFull(4, 10, 0.001), 6_000);
  });

  it("charges all buckets of a request or none", () => {
    const requests = [bucket("a", { cost: 2 }), bucket("b", { cost: 1 })];
    assert.deepEqual(takeAll(requests, [5, 1]), { allowed: true, tokens: [3, 0] });
    assert.deepEqual(takeAll(requests, [5, 0.5]), { allowed: false, tokens: [5, 0.5] });
  });
});

// What every store must do (burst, refill, all-or-nothing, order) is in store-suite.ts, run
// against this store and the Redis store by stores.test.ts. What is the memory store's own:
describe("memory store", () => {
  it("forgets buckets that have refilled, so memory follows active callers", async () => {
    const clock = manualClock();
    const store = new MemoryStore(clock.now);
    await store.take([bucket("a"), bucket("b")]);
    assert.equal(store.size, 2);
    clock.advance(61_000);
    await store.take([bucket("c")]);
    assert.equal(store.size, 1);
  });

  it("reports itself healthy", () => {
    assert.deepEqual(new MemoryStore().health(), { status: "ok", store: "memory" });
  });
});

describe("429 for a limited request", () => {
  it("describes the bucket that keeps the caller waiting longest", () => {
    const requests = [bucket("method", { capacity: 60 }), bucket("tool", { rpm: 6, capacity: 6, refillPerMs: 6 / 60_000, label: 'tool "math.add"' })];
    const err = rateLimitedError(requests, { allowed: false, tokens: [0.5, 0.25] });
    assert.equal(err.status, 429);
    assert.equal(err.jsonRpcCode, -32029);
    assert.equal(err.code, "MCPGW_ERR_RATE_LIMITED");
    assert.equal(err.message, 'Rate limit exceeded for tool "math.add" (6 per minute)');
    // 0.75 tokens at 0.1 per second: 7.5 s to the next call, 57.5 s to full.
    assert.deepEqual(err.headers, { "retry-after": "8", "ratelimit-limit": "6", "ratelimit-remaining": "0", "ratelimit-reset": "58" });
    assert.deepEqual(err.data, { retryAfter: 8 });
  });

  it("says so when a batch needs more calls than a bucket ever holds", () => {
    const err = rateLimitedError([bucket("k", { capacity: 2, cost: 3 })], { allowed: false, tokens: [2] });
    assert.match(err.message, /makes 3 calls of tools\/list, more than its limit admits at once \(2\)/);
    assert.equal(err.headers["retry-after"], "1");
  });
});

describe("log throttle", () => {
  it("lets one line through per interval and counts the ones it held back", () => {
    const clock = manualClock(0);
    const throttle = createThrottle(1_000, clock.now);
    const emitted: number[] = [];
    for (let i = 0; i < 5; i++) throttle((suppressed) => emitted.push(suppressed));
    clock.advance(1_000);
    throttle((suppressed) => emitted.push(suppressed));
    assert.deepEqual(emitted, [0, 4]);
  });
});
