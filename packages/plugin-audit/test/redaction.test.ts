import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { definePlugin } from "@mcp-gateway/runtime";
import { startTestGateway, toolsCall } from "@mcp-gateway/runtime/testing";
import audit from "../src/index.ts";
import { API_KEY, auditLines, createObserver, keyAuth } from "./support.ts";

const SECRET = "hunter2-client-secret";

/** A plugin that logs everything it sees at trace level, as a careless debugging session would. */
const chatty = definePlugin({
  name: "test-chatty",
  version: "1.0.0",
  api: "^1",
  setup(gateway) {
    gateway.hooks.onRequest.tapPromise(async (ctx) => {
      ctx.log.trace({ headers: ctx.http.headers, messages: ctx.messages }, "request seen");
      const cyclic: Record<string, unknown> = { clientSecret: SECRET };
      cyclic.self = cyclic;
      ctx.log.trace({ cyclic }, "cyclic object");
    });
  },
});

/** `{ a: { a: … { clientSecret } } }`, `depth` objects deep. */
function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { clientSecret: SECRET };
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

describe("secrets in logs at trace level", () => {
  it("never appear in any log line, audit records included, however deep they sit", async () => {
    const observer = createObserver();
    const gw = await startTestGateway({
      config: { logging: { level: "trace", redactKeys: ["authorization", "x-api-key", "clientSecret"] } },
      env: {},
      plugins: [{ plugin: keyAuth }, { plugin: chatty }, { plugin: audit }, { plugin: observer.plugin }],
    });
    try {
      await gw.post(toolsCall(1, "echo", { clientSecret: SECRET, nested: nested(12), deeper: nested(100) }), { "x-api-key": API_KEY });
      await gw.post(toolsCall(2, "echo"), { authorization: `Bearer ${API_KEY}` });
      await observer.settled(2);
    } finally {
      await gw.close();
    }
    const seen = gw.logs.filter((line) => line.msg === "request seen");
    assert.equal(seen.length, 2, "the chatty plugin logged both requests");
    assert.equal(auditLines(gw).length, 2);
    assert.ok(JSON.stringify(seen).includes("[REDACTED]"));
    assert.ok(JSON.stringify(seen).includes("[Too deep]"), "what sits too deep to inspect is replaced, not printed");
    assert.deepEqual(gw.logs.find((line) => line.msg === "cyclic object")?.cyclic, { clientSecret: "[REDACTED]", self: "[Circular]" });
    for (const line of gw.logs) {
      const text = JSON.stringify(line);
      assert.ok(!text.includes(API_KEY), `API key in log line: ${text}`);
      assert.ok(!text.includes(SECRET), `secret in log line: ${text}`);
    }
  });
});

describe("audit lines", () => {
  it("redact a record field named in redactKeys and keep any tool name valid JSON", async () => {
    const observer = createObserver();
    const gw = await startTestGateway({
      config: { logging: { level: "info", redactKeys: ["apiKeyId"] } },
      env: {},
      plugins: [{ plugin: keyAuth }, { plugin: audit }, { plugin: observer.plugin }],
    });
    const oddName = 'say "hi"\\ \u00e9\u2028\n\u0001 \ud83d\ude00';
    try {
      await gw.post(toolsCall(1, oddName), { "x-api-key": API_KEY });
      await observer.settled(1);
    } finally {
      await gw.close();
    }
    const [line] = auditLines(gw);
    assert.ok(line, "one audit line, parsed as JSON");
    assert.equal(line.toolName, oddName);
    assert.equal(line.apiKeyId, "[REDACTED]");
    assert.equal(line.level, 30);
    assert.equal(line.plugin, "audit");
  });
});
