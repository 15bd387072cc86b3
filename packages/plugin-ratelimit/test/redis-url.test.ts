import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkRedisUrl, safeRedisUrl } from "../src/redis-url.ts";

describe("REDIS_URL handling", () => {
  it("drops user name and password before a URL reaches a log line or an error", () => {
    assert.equal(safeRedisUrl("redis://user:hunter2@cache.internal:6380/2"), "redis://cache.internal:6380/2");
    assert.equal(safeRedisUrl("rediss://:hunter2@cache.internal:6380"), "rediss://cache.internal:6380");
  });

  it("never echoes a string that is not a URL", () => {
    assert.equal(safeRedisUrl("hunter2@nowhere"), "(REDIS_URL is not a valid URL)");
  });

  it("accepts redis:// and rediss:// only", () => {
    assert.doesNotThrow(() => checkRedisUrl("redis://127.0.0.1:6379"));
    assert.doesNotThrow(() => checkRedisUrl("rediss://cache.internal:6380"));
    assert.throws(() => checkRedisUrl("http://127.0.0.1:6379"), /redis:\/\/ or rediss:\/\//);
    assert.throws(() => checkRedisUrl("not a url"), /not a valid URL/);
  });
});
