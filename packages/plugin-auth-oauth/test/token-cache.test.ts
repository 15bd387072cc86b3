import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTokenCache, tokenKey } from "../src/token-cache.js";

describe("the verified-token cache", () => {
  it("keys tokens by a hash, never the token", () => {
    assert.notEqual(tokenKey("secret-token"), "secret-token");
    assert.equal(tokenKey("a"), tokenKey("a"));
    assert.notEqual(tokenKey("a"), tokenKey("b"));
  });

  it("never returns an entry at or past its expiry", () => {
    let now = 1_000;
    const cache = createTokenCache<string>(10, () => now);
    cache.set("k", "v", 2_000);
    assert.equal(cache.get("k"), "v");
    now = 2_000;
    assert.equal(cache.get("k"), undefined);
    assert.equal(cache.size, 0);
    cache.set("late", "v", 1_500);
    assert.equal(cache.size, 0, "an already expired entry is not stored");
  });

  it("evicts the least recently used entry past its bound, and stores nothing with 0", () => {
    const cache = createTokenCache<number>(2, () => 0);
    cache.set("a", 1, 10);
    cache.set("b", 2, 10);
    cache.get("a");
    cache.set("c", 3, 10);
    assert.equal(cache.get("b"), undefined);
    assert.equal(cache.get("a"), 1);
    assert.equal(cache.get("c"), 3);
    const off = createTokenCache<number>(0);
    off.set("a", 1, Date.now() + 1000);
    assert.equal(off.get("a"), undefined);
  });
});
