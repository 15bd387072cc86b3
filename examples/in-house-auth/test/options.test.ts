import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { optionsSchema } from "../src/options.js";

const CLIENT = { clientId: "ci", secret: "s".repeat(32), tenant: "acme" };

function issues(options: unknown): string[] {
  const result = optionsSchema.safeParse(options);
  assert.equal(result.success, false);
  return result.error!.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
}

describe("signed-requests options", () => {
  it("default to a 300 s skew window, a 100 000-entry replay cache and realm mcp-gateway", () => {
    assert.deepEqual(optionsSchema.parse({ clients: [CLIENT] }), { clients: [CLIENT], maxSkewSeconds: 300, replayCacheSize: 100_000, realm: "mcp-gateway" });
  });

  it("refuse a secret shorter than 32 characters, at its path", () => {
    assert.match(issues({ clients: [{ ...CLIENT, secret: "short" }] }).join("\n"), /^clients\.0\.secret: at least 32 characters/);
  });

  it("refuse the same clientId twice, naming the first", () => {
    assert.deepEqual(issues({ clients: [CLIENT, { ...CLIENT, tenant: "other" }] }), ['clients.1.clientId: duplicate clientId "ci" (first used by clients[0])']);
  });

  it("refuse no clients, a client id that cannot be a header value, and unknown options", () => {
    assert.equal(issues({ clients: [] }).length, 1);
    assert.match(issues({ clients: [{ ...CLIENT, clientId: "c i" }] })[0]!, /^clients\.0\.clientId/);
    assert.match(issues({ clients: [CLIENT], skew: 10 })[0]!, /skew/);
  });
});
