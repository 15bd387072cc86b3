import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileLimits } from "../src/limits.ts";
import { optionsSchema, type RateLimitOptionsInput } from "../src/options.ts";
import { call, subject } from "./support.ts";

const plan = (input: RateLimitOptionsInput, calls: Parameters<ReturnType<typeof compileLimits>["plan"]>[1], prefix = "gw") =>
  compileLimits(optionsSchema.parse(input), prefix).plan(subject, calls);

describe("options", () => {
  it("accept the sectioned format's rateLimit section unchanged", () => {
    const options = optionsSchema.parse({ keyPrefix: "mcp-gateway", defaultRpm: 600, byMethod: { "tools/call": 120 } });
    assert.deepEqual(options, { keyPrefix: "mcp-gateway", defaultRpm: 600, byMethod: { "tools/call": 120 }, byTool: {}, failOpen: false });
  });

  it("refuse unknown keys and non-positive limits", () => {
    assert.equal(optionsSchema.safeParse({ defaultRPM: 10 }).success, false);
    assert.equal(optionsSchema.safeParse({ defaultRpm: 0 }).success, false);
    assert.equal(optionsSchema.safeParse({ byTool: { "math.*": { rpm: 5, burst: 0 } } }).success, false);
  });

  it("refuse a malformed byTool glob, naming it", () => {
    const parsed = optionsSchema.safeParse({ byTool: { "admin_[*": 1 } });
    assert.equal(parsed.success, false);
    assert.deepEqual(parsed.error?.issues[0]?.path, ["byTool", "admin_[*"]);
    assert.match(parsed.error?.issues[0]?.message ?? "", /without "\]"/);
  });

  it("describe every field", () => {
    for (const [key, field] of Object.entries(optionsSchema.shape)) assert.ok(field.description, `${key} has no description`);
  });
});

describe("bucket planning", () => {
  it("keys a call's bucket <keyPrefix>:rate:<tenant>:<client>:<method>", () => {
    const [bucket] = plan({ defaultRpm: 60 }, [call("tools/list", { id: 1 })], "mcp-gateway");
    assert.equal(bucket?.key, "mcp-gateway:rate:acme:bot:tools/list");
  });

  it("gives a method its byMethod limit and every other method defaultRpm", () => {
    const buckets = plan({ defaultRpm: 600, byMethod: { "tools/call": 120 } }, [call("tools/call", { id: 1, toolName: "x" }), call("tools/list", { id: 2 })]);
    assert.deepEqual(
      buckets.map((bucket) => [bucket.label, bucket.rpm, bucket.capacity, bucket.refillPerMs]),
      [
        ["tools/call", 120, 120, 120 / 60_000],
        ["tools/list", 600, 600, 600 / 60_000],
      ],
    );
  });

  it("counts every request and notification of a batch, and no posted responses", () => {
    const buckets = plan({ defaultRpm: 60 }, [
      call("tools/list", { id: 1 }),
      call("tools/list", { id: 2 }),
      call("notifications/initialized"),
      call(undefined, { id: 9 }),
    ]);
    assert.deepEqual(
      buckets.map((bucket) => [bucket.key, bucket.cost]),
      [
        ["gw:rate:acme:bot:tools/list", 2],
        ["gw:rate:acme:bot:notifications/initialized", 1],
      ],
    );
  });

  it("adds a per-tool bucket for tools matching byTool, using the first matching glob in written order", () => {
    const buckets = plan({ byTool: { "math.*": 10, "*": 100 } }, [
      call("tools/call", { id: 1, toolName: "math.add" }),
      call("tools/call", { id: 2, toolName: "math.add" }),
      call("tools/call", { id: 3, toolName: "kb.search" }),
    ]);
    assert.deepEqual(
      buckets.map((bucket) => [bucket.key, bucket.rpm, bucket.cost]),
      [
        ["gw:rate:acme:bot:tools/call", 600, 3],
        ["gw:rate:acme:bot:tools/call:math.add", 10, 2],
        ["gw:rate:acme:bot:tools/call:kb.search", 100, 1],
      ],
    );
  });

  it("adds no tool bucket when no glob matches", () => {
    const buckets = plan({ byTool: { "math.*": 10 } }, [call("tools/call", { id: 1, toolName: "kb.search" })]);
    assert.deepEqual(
      buckets.map((bucket) => bucket.key),
      ["gw:rate:acme:bot:tools/call"],
    );
  });

  it("sizes a bucket by its own burst, else the top-level burst, else its rpm", () => {
    const buckets = plan({ defaultRpm: 60, burst: 5, byMethod: { "tools/call": { rpm: 30, burst: 2 }, "prompts/get": 90 } }, [
      call("tools/call", { id: 1, toolName: "t" }),
      call("prompts/get", { id: 2, promptName: "p" }),
      call("tools/list", { id: 3 }),
    ]);
    assert.deepEqual(
      buckets.map((bucket) => bucket.capacity),
      [2, 5, 5],
    );
    assert.deepEqual(plan({ defaultRpm: 60 }, [call("tools/list", { id: 1 })])[0]?.capacity, 60);
  });
});
