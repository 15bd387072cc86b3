import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createReplayCache } from "../src/replay-cache.js";

describe("replay cache", () => {
  it("accepts a key once and refuses it again while it has not expired", () => {
    const cache = createReplayCache(10);
    assert.equal(cache.firstUse("a", 1_000, 0), true);
    assert.equal(cache.firstUse("a", 1_000, 999), false);
  });

  it("accepts a key again once its earlier use has expired", () => {
    const cache = createReplayCache(10);
    cache.firstUse("a", 1_000, 0);
    assert.equal(cache.firstUse("a", 2_000, 1_000), true);
  });

  it("drops expired entries as new ones arrive", () => {
    const cache = createReplayCache(10);
    cache.firstUse("a", 100, 0);
    cache.firstUse("b", 200, 0);
    cache.firstUse("c", 5_000, 300);
    assert.equal(cache.size, 1);
  });

  it("never holds more than its size, forgetting the oldest first", () => {
    const cache = createReplayCache(3);
    for (const key of ["a", "b", "c", "d", "e"]) cache.firstUse(key, 10_000, 0);
    assert.equal(cache.size, 3);
    assert.equal(cache.firstUse("e", 10_000, 1), false);
    assert.equal(cache.firstUse("a", 10_000, 1), true, "a was pushed out by d and e");
  });
});
