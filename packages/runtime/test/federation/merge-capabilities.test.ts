import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mergeCapabilities, mergeDiscoverResults, mergeInitializeResults, pickProtocolVersion } from "../../src/federation/merge-capabilities.js";

const gateway = { name: "mcp-gateway", version: "1.0.0" };

describe("merging capabilities and server identity", () => {
  it("unions capabilities: a feature of any upstream is present, listChanged and subscribe are true if any sets them", () => {
    const merged = mergeCapabilities([
      { tools: { listChanged: false }, logging: {} },
      { tools: { listChanged: true }, resources: { subscribe: false, listChanged: false } },
      { resources: { subscribe: true }, prompts: {} },
    ]);
    assert.deepEqual(merged, {
      tools: { listChanged: true },
      logging: {},
      resources: { subscribe: true, listChanged: false },
      prompts: {},
    });
  });

  it("ignores missing or non-object capabilities and does not share objects with its inputs", () => {
    const input = { experimental: { feature: { on: true } } };
    const merged = mergeCapabilities([undefined, null, "x", input]);
    assert.deepEqual(merged, input);
    (merged.experimental as Record<string, unknown>).changed = true;
    assert.deepEqual(input, { experimental: { feature: { on: true } } });
  });

  it("answers the client's protocol version when every upstream agreed to it, else the lowest they answered", () => {
    assert.equal(pickProtocolVersion("2025-06-18", ["2025-06-18", "2025-06-18"]), "2025-06-18");
    assert.equal(pickProtocolVersion("2025-06-18", ["2025-06-18", "2025-03-26", "2025-11-25"]), "2025-03-26");
  });

  it("merges initialize results under the gateway's serverInfo, labelling each upstream's instructions", () => {
    const merged = mergeInitializeResults({
      requestedVersion: "2025-11-25",
      serverInfo: gateway,
      results: [
        { upstream: "math", result: { protocolVersion: "2025-11-25", capabilities: { tools: {} }, serverInfo: { name: "math", version: "1" }, instructions: "Adds numbers." } },
        { upstream: "kb", result: { protocolVersion: "2025-06-18", capabilities: { tools: { listChanged: true }, prompts: {} }, serverInfo: { name: "kb", version: "2" } } },
      ],
    });
    assert.deepEqual(merged, {
      protocolVersion: "2025-06-18",
      capabilities: { tools: { listChanged: true }, prompts: {} },
      serverInfo: gateway,
      instructions: "[math] Adds numbers.",
    });
  });

  it("merges discover results: common versions only, capability union, gateway serverInfo, most cautious cache hints", () => {
    const merged = mergeDiscoverResults({
      serverInfo: gateway,
      results: [
        {
          upstream: "a",
          result: { supportedVersions: ["2026-07-28", "2025-11-25"], capabilities: { tools: {} }, ttlMs: 60_000, cacheScope: "public", _meta: { "io.modelcontextprotocol/serverInfo": { name: "a", version: "1" } } },
        },
        { upstream: "b", result: { supportedVersions: ["2026-07-28"], capabilities: { resources: { subscribe: true } }, ttlMs: 5_000, cacheScope: "public", instructions: "KB." } },
      ],
    });
    assert.deepEqual(merged, {
      resultType: "complete",
      supportedVersions: ["2026-07-28"],
      capabilities: { tools: {}, resources: { subscribe: true } },
      _meta: { "io.modelcontextprotocol/serverInfo": gateway },
      instructions: "[b] KB.",
      ttlMs: 5_000,
      cacheScope: "public",
    });
  });

  it("treats an absent ttlMs as 0 and any non-public upstream as making the whole result private", () => {
    const merged = mergeDiscoverResults({
      serverInfo: gateway,
      results: [
        { upstream: "a", result: { supportedVersions: ["2026-07-28"], ttlMs: 60_000, cacheScope: "public" } },
        { upstream: "b", result: { supportedVersions: ["2026-07-28"] } },
      ],
    });
    assert.equal(merged.ttlMs, 0);
    assert.equal(merged.cacheScope, "private");
  });

  it("reports no common version as an empty supportedVersions for the caller to act on", () => {
    const merged = mergeDiscoverResults({
      serverInfo: gateway,
      results: [
        { upstream: "a", result: { supportedVersions: ["2026-07-28"] } },
        { upstream: "b", result: { supportedVersions: ["2027-01-01"] } },
      ],
    });
    assert.deepEqual(merged.supportedVersions, []);
  });
});
