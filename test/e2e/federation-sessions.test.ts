/**
 * Federation in the legacy era (2025-03-26 … 2025-11-25): a real SDK 1.x client holds one gateway
 * session across three stateful SDK 1.x servers, each of which issues its own session id and
 * rejects any other. Every upstream offers the same tools, so `collisions: prefix` is at work too.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { PluginEntry } from "@mcp-gateway/runtime";
import { startTestGateway, type TestGateway, within } from "@mcp-gateway/runtime/testing";
import { ResourceListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { startLegacyServer, type LegacyServer } from "../fixtures/legacy-server.ts";
import { connectLegacyClient, firstText, type LegacyClient } from "../helpers/sdk-clients.ts";

const SESSION_KEY = "Zm9yLXRlc3RzLW9ubHktMzItYnl0ZXMtb2Yta2V5IS0";
const TOOLS = ["echo", "add", "slow", "ask", "summarize"];
const WAIT_MS = 5_000;

const apiKeys = [
  { id: "alice-key", key: "alice-secret", tenant: "acme", client: "alice" },
  { id: "mallory-key", key: "mallory-secret", tenant: "acme", client: "mallory" },
];

/** The tools/call requests an upstream received, by the tool name it was asked for. */
function callsTo(server: LegacyServer, tool: string): number {
  return server.requests.filter((request) => {
    if (!request.body) return false;
    const message = JSON.parse(request.body) as { method?: string; params?: { name?: string } };
    return message.method === "tools/call" && message.params?.name === tool;
  }).length;
}

async function startUpstreams(count: number): Promise<LegacyServer[]> {
  return Promise.all(Array.from({ length: count }, () => startLegacyServer()));
}

function federatedConfig(servers: LegacyServer[], federation: Record<string, unknown> = {}, plugins: PluginEntry[] = []) {
  return {
    upstreams: servers.map((server, index) => ({ name: ["alpha", "beta", "gamma"][index]!, url: server.url })),
    federation: { sessionKeys: [SESSION_KEY], ...federation },
    plugins: [["auth-apikey", { apiKeys }] as PluginEntry, ...plugins],
  };
}

describe("one legacy session across three stateful upstreams", () => {
  let servers: LegacyServer[];
  let gateway: TestGateway;
  let alice: LegacyClient;
  const elicited: string[] = [];

  before(async () => {
    servers = await startUpstreams(3);
    gateway = await startTestGateway({ config: federatedConfig(servers, { collisions: "prefix" }) });
    alice = await connectLegacyClient(gateway.url, {
      headers: { authorization: "Bearer alice-secret" },
      onElicit: (request) => {
        elicited.push(request.params.message);
        return { action: "accept", content: { answer: "blue" } };
      },
    });
  });
  after(async () => {
    await alice?.close();
    await gateway?.close();
    await Promise.all(servers?.map((server) => server.close()) ?? []);
  });

  it("initializes every upstream and gives the client one sealed session id of its own", () => {
    for (const server of servers) assert.equal(server.issuedSessions.length, 1);
    const sessionId = alice.transport.sessionId ?? "";
    assert.match(sessionId, /^[A-Za-z0-9_-]{40,}$/);
    for (const server of servers) assert.ok(!sessionId.includes(server.issuedSessions[0]!));
    assert.equal(alice.client.getServerVersion()?.name, "mcp-gateway");
  });

  it("lists every upstream's tools: the first keeps the names, later duplicates are prefixed", async () => {
    const { tools } = await alice.client.listTools();
    assert.deepEqual(
      tools.map((tool) => tool.name),
      [...TOOLS, ...TOOLS.map((name) => `beta.${name}`), ...TOOLS.map((name) => `gamma.${name}`)],
    );
    const collisions = gateway.logs.filter((line) => String(line.msg).startsWith("name collision"));
    assert.equal(collisions.length, 10);
  });

  it("calls a tool on each upstream, under the upstream's own name", async () => {
    assert.equal(firstText(await alice.client.callTool({ name: "add", arguments: { a: 1, b: 2 } })), "3");
    assert.equal(firstText(await alice.client.callTool({ name: "beta.add", arguments: { a: 2, b: 2 } })), "4");
    assert.equal(firstText(await alice.client.callTool({ name: "gamma.add", arguments: { a: 3, b: 2 } })), "5");
    assert.deepEqual(servers.map((server) => callsTo(server, "add")), [1, 1, 1]);
  });

  it("streams progress from one upstream and carries an elicitation round trip with another", async () => {
    const progress: number[] = [];
    const slow = await alice.client.callTool({ name: "gamma.slow", arguments: { steps: 3 } }, undefined, { onprogress: ({ progress: step }) => progress.push(step) });
    assert.equal(firstText(slow), "done after 3 steps");
    assert.deepEqual(progress, [1, 2, 3]);

    const asked = await alice.client.callTool({ name: "beta.ask", arguments: { question: "Favourite colour?" } });
    assert.equal(firstText(asked), "answer: blue");
    assert.deepEqual(elicited, ["Favourite colour?"]);
    // The client answered a gateway id; beta got its own id back (the call above could not finish otherwise).
    const answer = servers[1]!.requests.map((request) => request.body).find((body) => body.includes('"result"') && body.includes("blue"));
    assert.ok(answer, "the elicitation answer reached beta");
    assert.ok(!String((JSON.parse(answer) as { id: unknown }).id).startsWith("gw."), "beta sees its original request id");
  });

  it("merges the GET streams: a notification from one upstream reaches the client", async () => {
    await within(alice.getStreamOpened, WAIT_MS, "the client's GET stream");
    assert.deepEqual(servers.map((server) => server.openGetStreams), [1, 1, 1]);
    const changed = new Promise<void>((resolve) => alice.client.setNotificationHandler(ResourceListChangedNotificationSchema, () => resolve()));
    servers[2]!.notifyResourceListChanged(servers[2]!.issuedSessions[0]!);
    await within(changed, WAIT_MS, "resources/list_changed from gamma");
  });

  it("ends every upstream session on DELETE and closes their GET streams", async () => {
    await alice.transport.terminateSession();
    for (const server of servers) assert.deepEqual(server.terminatedSessions, server.issuedSessions);
    await within(Promise.all(servers.map((server) => server.getStreamsClosed())), WAIT_MS, "the upstream GET streams to close");
  });
});

describe("a federated session is bound to the subject that made it", () => {
  let servers: LegacyServer[];
  let gateway: TestGateway;
  let sessionId: string;

  before(async () => {
    servers = await startUpstreams(2);
    gateway = await startTestGateway({ config: federatedConfig(servers) });
    const init = await gateway.post(
      { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } } },
      { authorization: "Bearer alice-secret" },
    );
    assert.equal(init.status, 200);
    sessionId = init.headers.get("mcp-session-id") ?? "";
  });
  after(async () => {
    await gateway?.close();
    await Promise.all(servers?.map((server) => server.close()) ?? []);
  });

  const list = (headers: Record<string, string>) => gateway.post({ jsonrpc: "2.0", id: 2, method: "tools/list" }, { "mcp-protocol-version": "2025-06-18", ...headers });

  it("serves its owner", async () => {
    const response = await list({ authorization: "Bearer alice-secret", "mcp-session-id": sessionId });
    assert.equal(response.status, 200);
    assert.equal((response.body as { result: { tools: unknown[] } }).result.tools.length, TOOLS.length);
  });

  it("is not found for another subject holding the stolen id, and nothing reaches an upstream", async () => {
    const seen = servers.map((server) => server.requests.length);
    const response = await list({ authorization: "Bearer mallory-secret", "mcp-session-id": sessionId });
    assert.equal(response.status, 404);
    assert.deepEqual(response.body, {
      jsonrpc: "2.0",
      id: 2,
      error: { code: -32001, message: "Session not found", data: { code: "MCPGW_ERR_SESSION_NOT_FOUND", requestId: response.headers.get("x-request-id") } },
    });
    assert.deepEqual(servers.map((server) => server.requests.length), seen);
  });

  it("is not found when tampered with or made up", async () => {
    const flipped = sessionId.slice(0, -2) + (sessionId.endsWith("A") ? "B" : "A") + sessionId.slice(-1);
    for (const forged of [flipped, "not-a-session", servers[0]!.issuedSessions[0]!]) {
      const response = await list({ authorization: "Bearer alice-secret", "mcp-session-id": forged });
      assert.equal(response.status, 404, forged);
    }
  });
});

describe("federation when names collide or an upstream fails", () => {
  let servers: LegacyServer[];
  const gateways: TestGateway[] = [];

  before(async () => {
    servers = await startUpstreams(3);
  });
  after(async () => {
    await Promise.all(gateways.map((gateway) => gateway.close()));
    await Promise.all(servers?.map((server) => server.close()) ?? []);
  });

  async function connect(federation: Record<string, unknown>, plugins: PluginEntry[] = []) {
    const gateway = await startTestGateway({ config: federatedConfig(servers, federation, plugins) });
    gateways.push(gateway);
    const client = await connectLegacyClient(gateway.url, { headers: { authorization: "Bearer alice-secret" } });
    return { gateway, client };
  }

  it("under collisions: reject, lists each name once (the first upstream's) and logs the rest", async () => {
    const { gateway, client } = await connect({});
    assert.deepEqual((await client.client.listTools()).tools.map((tool) => tool.name), TOOLS);
    const before = servers.map((server) => callsTo(server, "echo"));
    assert.equal(firstText(await client.client.callTool({ name: "echo", arguments: { message: "hi" } })), "hi");
    assert.deepEqual(servers.map((server, index) => callsTo(server, "echo") - before[index]!), [1, 0, 0]);
    const left = gateway.logs.filter((line) => line.msg === "name collision: later upstream's item left out");
    assert.deepEqual(new Set(left.map((line) => line.upstream)), new Set(["beta", "gamma"]));
    await client.close();
  });

  it("keeps a per-upstream prefix on every name of that upstream", async () => {
    const gateway = await startTestGateway({
      config: { ...federatedConfig(servers.slice(0, 2)), upstreams: [{ name: "alpha", url: servers[0]!.url }, { name: "beta", url: servers[1]!.url, prefix: "b" }] },
    });
    gateways.push(gateway);
    const client = await connectLegacyClient(gateway.url, { headers: { authorization: "Bearer alice-secret" } });
    assert.deepEqual((await client.client.listTools()).tools.map((tool) => tool.name), [...TOOLS, ...TOOLS.map((name) => `b.${name}`)]);
    assert.equal(firstText(await client.client.callTool({ name: "b.echo", arguments: { message: "via prefix" } })), "via prefix");
    await client.close();
  });

  it("applies policy to the merged names: a denied tool is hidden and its call refused", async () => {
    const policy: PluginEntry = ["policy", { default: "allow", rules: [{ deny: { tools: ["beta.ask"] } }] }];
    const { client } = await connect({ collisions: "prefix" }, [policy]);
    const names = (await client.client.listTools()).tools.map((tool) => tool.name);
    assert.ok(names.includes("beta.echo") && !names.includes("beta.ask"));
    await assert.rejects(client.client.callTool({ name: "beta.ask", arguments: { question: "?" } }), /403|Forbidden/);
    await client.close();
  });

  it("answers a list without an upstream that is down, naming it; onUpstreamError: fail refuses instead", async () => {
    const { gateway, client } = await connect({ collisions: "prefix" });
    const { client: strict } = await connect({ collisions: "prefix", onUpstreamError: "fail" });
    await servers[2]!.close();
    const listed = await client.client.listTools();
    assert.deepEqual(listed.tools.map((tool) => tool.name), [...TOOLS, ...TOOLS.map((name) => `beta.${name}`)]);
    const partial = listed._meta?.["io.mcp-gateway/partial"] as { upstream: string; error: string }[];
    assert.deepEqual(partial.map((entry) => entry.upstream), ["gamma"]);
    assert.ok(gateway.logs.some((line) => line.msg === "upstream left out of fan-out" && line.upstream === "gamma"));
    await assert.rejects(strict.client.listTools(), /502|unreachable/i);
    await client.close();
    await strict.close();
  });
});
