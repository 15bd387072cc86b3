import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { InlinePlugin } from "@mcp-gateway/runtime";
import { freePort, pluginConformance, startTestGateway, toolsCall, toolsList, waitFor, type TestGateway, type TestGatewayOptions } from "@mcp-gateway/runtime/testing";
import audit from "../src/index.ts";
import type { AuditOptionsInput } from "../src/options.ts";
import { API_KEY, auditLines, authed, createObserver, denyForbidden, keyAuth, limitLimited } from "./support.ts";

pluginConformance(audit, { options: { environments: ["*"] }, invalidOptions: { environments: "production" } });

/** Drops the fields that vary run to run, so a record can be compared whole. */
function stable(record: Record<string, unknown> | undefined) {
  assert.ok(record, "no audit record");
  const { time, level, requestId, durationMs, upstreamMs, ...rest } = record;
  assert.equal(typeof time, "number");
  assert.equal(level, 30);
  assert.match(String(requestId), /^[0-9a-f-]{36}$/);
  assert.equal(typeof durationMs, "number");
  assert.ok((durationMs as number) >= 0);
  if (upstreamMs !== undefined) assert.equal(typeof upstreamMs, "number");
  return rest;
}

describe("audit through a real gateway", () => {
  const open: TestGateway[] = [];
  after(() => Promise.all(open.map((gw) => gw.close())));

  /** A gateway with key auth, a 403 and a 429 plugin, audit, and an observer after audit. */
  async function start(options: AuditOptionsInput = {}, extra: Partial<TestGatewayOptions> & { before?: InlinePlugin[] } = {}) {
    const observer = createObserver();
    const gw = await startTestGateway({
      env: { MCP_GATEWAY_ENV: "production" },
      ...extra,
      plugins: [
        ...(extra.before ?? []),
        { plugin: keyAuth },
        { plugin: denyForbidden },
        { plugin: limitLimited },
        { plugin: audit, options },
        { plugin: observer.plugin },
      ],
    });
    open.push(gw);
    return { gw, settled: observer.settled };
  }

  it("records a served request with the caller, the MCP facts, the upstream and the outcome", async () => {
    const { gw, settled } = await start();
    assert.equal((await gw.post(toolsCall(1, "echo", { message: "hola" }), authed)).status, 200);
    await settled(1);
    const [record, ...others] = auditLines(gw);
    assert.equal(others.length, 0);
    assert.deepEqual(stable(record), {
      name: "mcp-gateway",
      plugin: "audit",
      msg: "audit",
      environment: "production",
      outcome: "served",
      statusCode: 200,
      tenant: "acme",
      client: "bot",
      apiKeyId: "key-1",
      httpMethod: "POST",
      mcpMethod: "tools/call",
      toolName: "echo",
      upstream: "echo",
    });
    assert.equal(typeof record!.upstreamMs, "number");
  });

  it("records a request that no auth plugin identified, without a caller", async () => {
    const { gw, settled } = await start();
    assert.equal((await gw.post(toolsList(1))).status, 401);
    await settled(1);
    assert.deepEqual(stable(auditLines(gw)[0]), {
      name: "mcp-gateway",
      plugin: "audit",
      msg: "audit",
      environment: "production",
      outcome: "rejected",
      statusCode: 401,
      jsonRpcErrorCode: -32001,
      errorCode: "MCPGW_ERR_UNAUTHENTICATED",
      httpMethod: "POST",
      mcpMethod: "tools/list",
    });
  });

  it("records a policy denial (403) with the plugin that denied it, and no upstream", async () => {
    const { gw, settled } = await start();
    assert.equal((await gw.post(toolsCall(1, "forbidden"), authed)).status, 403);
    await settled(1);
    const record = auditLines(gw)[0];
    assert.equal(record?.outcome, "rejected");
    assert.equal(record?.statusCode, 403);
    assert.equal(record?.jsonRpcErrorCode, -32003);
    assert.equal(record?.errorCode, "MCPGW_ERR_FORBIDDEN");
    assert.equal(record?.rejectedBy, "test-deny");
    assert.equal(record?.tenant, "acme");
    assert.equal(record?.toolName, "forbidden");
    assert.equal(record?.upstream, undefined);
  });

  it("records a rate-limit rejection (429)", async () => {
    const { gw, settled } = await start();
    assert.equal((await gw.post(toolsCall(1, "limited"), authed)).status, 429);
    await settled(1);
    const record = auditLines(gw)[0];
    assert.equal(record?.outcome, "rejected");
    assert.equal(record?.statusCode, 429);
    assert.equal(record?.jsonRpcErrorCode, -32029);
    assert.equal(record?.errorCode, "MCPGW_ERR_RATE_LIMITED");
    assert.equal(record?.rejectedBy, "test-limit");
  });

  it("records an unreachable upstream as failed, naming the upstream", async () => {
    const port = await freePort();
    const { gw, settled } = await start({}, { config: { upstreams: [{ name: "down", url: `http://127.0.0.1:${port}/mcp` }] } });
    assert.equal((await gw.post(toolsList(1), authed)).status, 502);
    await settled(1);
    const record = auditLines(gw)[0];
    assert.equal(record?.outcome, "failed");
    assert.equal(record?.statusCode, 502);
    assert.equal(record?.jsonRpcErrorCode, -32603);
    assert.equal(record?.errorCode, "MCPGW_ERR_UPSTREAM_UNREACHABLE");
    assert.equal(record?.upstream, "down");
  });

  it("records the resource URI of resources/read and the prompt name of prompts/get", async () => {
    const { gw, settled } = await start();
    await gw.post({ jsonrpc: "2.0", id: 1, method: "resources/read", params: { uri: "file:///notes.md" } }, authed);
    await gw.post({ jsonrpc: "2.0", id: 2, method: "prompts/get", params: { name: "summarise", arguments: { text: "private" } } }, authed);
    await settled(2);
    const [read, prompt] = auditLines(gw);
    assert.equal(read?.resourceUri, "file:///notes.md");
    assert.equal(prompt?.promptName, "summarise");
  });

  it("writes one record per batch: the first call's facts, batchSize and every method", async () => {
    const { gw, settled } = await start();
    const batch = [toolsCall(1, "echo"), toolsList(2), { jsonrpc: "2.0", method: "notifications/initialized" }];
    assert.equal((await gw.post(batch, authed)).status, 200);
    await settled(1);
    const records = auditLines(gw);
    assert.equal(records.length, 1);
    assert.equal(records[0]?.mcpMethod, "tools/call");
    assert.equal(records[0]?.toolName, "echo");
    assert.equal(records[0]?.batchSize, 3);
    assert.deepEqual(records[0]?.mcpMethods, ["tools/call", "tools/list", "notifications/initialized"]);
  });

  it("records requests the gateway refuses before any plugin runs", async () => {
    const { gw, settled } = await start();
    const response = await fetch(gw.url, { method: "PUT" });
    assert.equal(response.status, 405);
    await settled(1);
    const record = auditLines(gw)[0];
    assert.equal(record?.httpMethod, "PUT");
    assert.equal(record?.outcome, "rejected");
    assert.equal(record?.statusCode, 405);
  });

  it("never copies arguments, bodies or credentials into a record", async () => {
    const { gw, settled } = await start();
    await gw.post(toolsCall(1, "echo", { message: "argument-value-7f3a" }), { authorization: `Bearer ${API_KEY}` });
    await settled(1);
    const text = JSON.stringify(auditLines(gw));
    assert.ok(text.includes('"toolName":"echo"'));
    assert.ok(!text.includes("argument-value-7f3a"), text);
    assert.ok(!text.includes(API_KEY), text);
  });

  it("keeps writing records when logging.level is quieter than info", async () => {
    const { gw, settled } = await start({}, { config: { logging: { level: "warn" } } });
    await gw.post(toolsList(1), authed);
    await settled(1);
    assert.equal(auditLines(gw).length, 1);
    assert.ok(!gw.logs.some((line) => line.msg === "gateway listening"), "info lines stay off");
  });
});

describe("audit environments", () => {
  async function recordsFor(options: AuditOptionsInput, env: Record<string, string>) {
    const observer = createObserver();
    const gw = await startTestGateway({ env, plugins: [{ plugin: audit, options }, { plugin: observer.plugin }] });
    try {
      await gw.post(toolsList(1));
      await observer.settled(1);
      return auditLines(gw);
    } finally {
      await gw.close();
    }
  }
  const sectionedExample = { enabled: true, environments: ["production", "staging"] };

  it("records in a listed environment, naming it", async () => {
    const records = await recordsFor(sectionedExample, { MCP_GATEWAY_ENV: "staging", NODE_ENV: "production" });
    assert.equal(records.length, 1);
    assert.equal(records[0]?.environment, "staging");
  });

  it("falls back to NODE_ENV when MCP_GATEWAY_ENV is not set", async () => {
    const records = await recordsFor(sectionedExample, { NODE_ENV: "production" });
    assert.equal(records[0]?.environment, "production");
  });

  it("writes nothing in an environment that is not listed (development when nothing is set)", async () => {
    assert.deepEqual(await recordsFor(sectionedExample, {}), []);
    assert.deepEqual(await recordsFor(sectionedExample, { NODE_ENV: "test" }), []);
  });

  it('records everywhere with ["*"]', async () => {
    const records = await recordsFor({ environments: ["*"] }, {});
    assert.equal(records[0]?.environment, "development");
  });

  it("writes nothing with enabled: false", async () => {
    assert.deepEqual(await recordsFor({ enabled: false, environments: ["*"] }, {}), []);
  });
});

describe("audit from the sectioned format's audit section", () => {
  it("loads the plugin by name with the section as its options", async () => {
    const gw = await startTestGateway({ config: { audit: { enabled: true, environments: ["*"] } }, env: {} });
    try {
      assert.deepEqual(
        gw.gateway.plugins.map(({ plugin }) => plugin.name),
        ["audit"],
      );
      await gw.post(toolsList(1));
      await waitFor("the audit record", () => auditLines(gw)[0], { timeoutMs: 10_000, intervalMs: 10 });
      assert.equal(auditLines(gw)[0]?.mcpMethod, "tools/list");
    } finally {
      await gw.close();
    }
  });

  it("audits by default when the sectioned format config has other sections but no audit section", async () => {
    const gw = await startTestGateway({ config: { rateLimit: { defaultRpm: 60 } }, env: {} });
    try {
      assert.ok(gw.gateway.plugins.some(({ plugin }) => plugin.name === "audit"));
    } finally {
      await gw.close();
    }
  });
});
