/**
 * Federation beyond tools/list and tools/call: upstream pagination followed to the end, prompts
 * and resources (exact URIs and templates) routed to their owner, rate limits per call, and the
 * requests the gateway refuses under federation (client cursors, batches across upstreams).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestGateway, toolsCall, within, type TestGateway } from "@mcp-gateway/runtime/testing";
import { startLegacyServer, type LegacyServer } from "../fixtures/legacy-server.ts";
import { startRawUpstream, type RawUpstream } from "../fixtures/raw-upstream.ts";
import { connectLegacyClient, firstText, type LegacyClient } from "../helpers/sdk-clients.ts";

const SESSION_KEY = "Zm9yLXRlc3RzLW9ubHktMzItYnl0ZXMtb2Yta2V5IS0";

/** A stateless upstream (no GET stream) whose tools/list comes in pages of two, by cursor. */
function paginatedTools(names: readonly string[]) {
  const answer = (message: { id?: unknown; method?: string; params?: { cursor?: string; name?: string } }) => {
    const { id, method, params } = message;
    if (method === "initialize") {
      return { jsonrpc: "2.0", id, result: { protocolVersion: "2025-03-26", capabilities: { tools: {} }, serverInfo: { name: "paged", version: "1" } } };
    }
    if (method === "tools/list") {
      const start = params?.cursor ? Number(params.cursor) : 0;
      const page = names.slice(start, start + 2).map((name) => ({ name, inputSchema: { type: "object" } }));
      const next = start + 2 < names.length ? String(start + 2) : undefined;
      return { jsonrpc: "2.0", id, result: { tools: page, ...(next ? { nextCursor: next } : {}) } };
    }
    if (method === "tools/call") return { jsonrpc: "2.0", id, result: { content: [{ type: "text", text: `paged:${params?.name}` }] } };
    return { jsonrpc: "2.0", id, error: { code: -32601, message: "Method not found" } };
  };
  return (exchange: Parameters<Parameters<RawUpstream["respondWith"]>[0]>[0]) => {
    const message = exchange.message as Parameters<typeof answer>[0] | Parameters<typeof answer>[0][] | undefined;
    if (exchange.method !== "POST" || message === undefined) return exchange.json(405, { jsonrpc: "2.0", id: null, error: { code: -32000, message: "Method not allowed" } });
    if (Array.isArray(message)) return exchange.json(200, message.map(answer));
    if (message.id === undefined) return exchange.json(202, {});
    exchange.json(200, answer(message));
  };
}

describe("federation: pagination, prompts, resources, limits and refusals", () => {
  let legacy: LegacyServer;
  let paged: RawUpstream;
  let gateway: TestGateway;
  let client: LegacyClient;

  before(async () => {
    legacy = await startLegacyServer();
    paged = await startRawUpstream();
    paged.respondWith(paginatedTools(["p1", "p2", "p3", "p4", "p5"]));
    gateway = await startTestGateway({
      config: {
        upstreams: [
          { name: "legacy", url: legacy.url },
          { name: "paged", url: paged.url },
        ],
        federation: { sessionKeys: [SESSION_KEY] },
        plugins: [["ratelimit", { defaultRpm: 10_000, byTool: { p5: { rpm: 1, burst: 1 } } }], ["audit", { environments: ["*"] }]],
      },
    });
    client = await connectLegacyClient(gateway.url);
  });
  after(async () => {
    await client?.close();
    await gateway?.close();
    await legacy?.close();
    await paged?.close();
  });

  it("follows an upstream's cursors to the end and answers one merged page", async () => {
    const listed = await client.client.listTools();
    assert.deepEqual(listed.tools.map((tool) => tool.name), ["echo", "add", "slow", "ask", "summarize", "p1", "p2", "p3", "p4", "p5"]);
    assert.equal(listed.nextCursor, undefined);
    const cursors = paged.exchanges.map((exchange) => (exchange.message as { params?: { cursor?: string } } | undefined)?.params?.cursor).filter(Boolean);
    assert.deepEqual(cursors, ["2", "4"]);
    assert.equal(firstText(await client.client.callTool({ name: "p4", arguments: {} })), "paged:p4");

    const audit = gateway.logs.filter((line) => line.msg === "audit");
    const list = audit.find((line) => line.mcpMethod === "tools/list");
    assert.deepEqual(list?.upstreams, ["legacy", "paged"], "a fan-out is audited with the upstreams it went to");
    assert.equal(list?.upstream, undefined);
    const call = audit.find((line) => line.toolName === "p4");
    assert.equal(call?.upstream, "paged", "a routed call names its one upstream");
  });

  it("routes prompts and resources to their owner; an upstream without them is not a failure", async () => {
    const prompts = await client.client.listPrompts();
    assert.deepEqual(prompts.prompts.map((prompt) => prompt.name), ["review"]);
    assert.equal(prompts._meta, undefined, "paged answers -32601 to prompts/list: nothing to list, nothing partial");
    const prompt = await client.client.getPrompt({ name: "review", arguments: { code: "x = 1" } });
    assert.deepEqual(prompt.messages[0]?.content, { type: "text", text: "Please review: x = 1" });

    const exact = await client.client.readResource({ uri: "fixture://readme" });
    assert.equal((exact.contents[0] as { text?: string }).text, "legacy fixture readme");
    const templated = await client.client.readResource({ uri: "fixture://greetings/ada" });
    assert.equal((templated.contents[0] as { text?: string }).text, "Hello, ada!");
  });

  it("answers a name no upstream lists with -32602 naming it", async () => {
    await assert.rejects(client.client.callTool({ name: "nope", arguments: {} }), (err: Error & { code?: number }) => {
      assert.equal(err.code, -32602);
      assert.match(err.message, /Unknown tool: nope/);
      return true;
    });
  });

  it("rate-limits per call as without federation", async () => {
    assert.equal(firstText(await client.client.callTool({ name: "p5", arguments: {} })), "paged:p5");
    await assert.rejects(client.client.callTool({ name: "p5", arguments: {} }), /429|Rate limit/);
  });

  it("refuses a client cursor and a batch spanning two upstreams, with -32602 and -32600", async () => {
    const headers = { "mcp-session-id": client.transport.sessionId!, "mcp-protocol-version": "2025-03-26" };
    const cursor = await gateway.post({ jsonrpc: "2.0", id: 7, method: "tools/list", params: { cursor: "abc" } }, headers);
    assert.equal(cursor.status, 400);
    assert.equal((cursor.body as { error: { code: number } }).error.code, -32602);

    const call = (id: number, name: string) => toolsCall(id, name, { a: 1, b: 1 });
    const mixed = await gateway.post([call(8, "add"), call(9, "p1")], headers);
    assert.equal(mixed.status, 400);
    assert.match(mixed.text, /one upstream/);
    const single = await gateway.post([call(10, "p1"), call(11, "p2")], headers);
    assert.equal(single.status, 200);
    const unnamed = await gateway.post([{ jsonrpc: "2.0", id: 12, method: "tools/call", params: {} }, call(13, "p1")], headers);
    assert.equal(unnamed.status, 400, "a call without a name cannot be routed in a batch");
  });

  it("ends the merged GET stream at shutdown without waiting for the drain timeout, and lets go of the upstream's", async () => {
    await within(client.getStreamOpened, 5_000, "the client's merged GET stream");
    assert.equal(legacy.openGetStreams, 1);
    const started = performance.now();
    await gateway.close();
    assert.ok(performance.now() - started < gateway.gateway.config.server.shutdownTimeoutMs, "shutdown did not wait for the stream");
    await within(legacy.getStreamsClosed(), 5_000, "the upstream GET stream to close");
  });
});
