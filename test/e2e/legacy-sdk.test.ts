/**
 * The legacy MCP era (SDK 1.x, stateful Streamable HTTP) end to end: a real SDK client talks
 * to a real SDK server through the gateway, and everything a session does still works.
 */
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { startTestGateway, type TestGateway } from "@mcp-gateway/runtime/testing";
import { ResourceListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { startLegacyServer, type LegacyServer } from "../fixtures/legacy-server.js";
import { connectLegacyClient, firstText, type LegacyClient, type LegacyClientOptions } from "../helpers/sdk-clients.js";

function isJsonRpcResponse(body: unknown): boolean {
  return typeof body === "object" && body !== null && "id" in body && !("method" in body) && ("result" in body || "error" in body);
}

describe("legacy MCP (SDK 1.x) through the gateway", () => {
  let upstream: LegacyServer;
  let gateway: TestGateway;
  const clients: LegacyClient[] = [];

  async function connect(options?: LegacyClientOptions): Promise<LegacyClient> {
    const connected = await connectLegacyClient(gateway.url, options);
    clients.push(connected);
    return connected;
  }

  before(async () => {
    upstream = await startLegacyServer();
    gateway = await startTestGateway({ config: { upstreams: [{ name: "legacy", url: upstream.url }] } });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((connected) => connected.close()));
  });
  after(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it("initialize hands the client the upstream's Mcp-Session-Id, and tools/list and tools/call work in that session", async () => {
    const { client, transport, exchanges } = await connect();

    const sessionId = transport.sessionId;
    assert.ok(sessionId, "the client has a session id");
    assert.ok(upstream.issuedSessions.includes(sessionId), "the session id is the one the upstream issued");
    const initialize = exchanges.find((exchange) => (exchange.body as { method?: string }).method === "initialize");
    assert.equal(initialize?.headers.get("mcp-session-id"), sessionId);

    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((tool) => tool.name).sort(), ["add", "ask", "echo", "slow", "summarize"]);
    assert.equal(firstText(await client.callTool({ name: "echo", arguments: { message: "through the gateway" } })), "through the gateway");
    assert.equal(firstText(await client.callTool({ name: "add", arguments: { a: 2, b: 40 } })), "42");
  });

  it("streams progress notifications to the client before the tool result", async () => {
    const { client } = await connect();
    const events: string[] = [];

    // Paced: the server sends its next notification only after the client saw the previous one,
    // so this passes only if each event reaches the client while the response is still open.
    const result = await client.callTool({ name: "slow", arguments: { steps: 3, paced: true } }, undefined, {
      onprogress: ({ progress, total }) => {
        events.push(`progress ${progress}/${total}`);
        upstream.advanceSlow();
      },
    });
    events.push(`result: ${firstText(result)}`);

    assert.deepEqual(events, ["progress 1/3", "progress 2/3", "progress 3/3", "result: done after 3 steps"]);
  });

  it("delivers the server's elicitation request to the client and the client's answer back to the server", async () => {
    const questions: string[] = [];
    const { client, exchanges } = await connect({
      onElicit: (request) => {
        questions.push(request.params.message);
        return { action: "accept", content: { answer: "blue" } };
      },
    });

    const result = await client.callTool({ name: "ask", arguments: { question: "Favourite colour?" } });

    assert.equal(firstText(result), "answer: blue");
    assert.deepEqual(questions, ["Favourite colour?"]);
    const answer = exchanges.find((exchange) => isJsonRpcResponse(exchange.body));
    assert.equal(answer?.method, "POST");
    assert.equal(answer.status, 202, "the gateway passes on the upstream's 202 for the client's response");
    assert.deepEqual((answer.body as { result?: unknown }).result, { action: "accept", content: { answer: "blue" } });
    const received = upstream.requests.find((request) => request.method === "POST" && isJsonRpcResponse(JSON.parse(request.body)));
    assert.deepEqual(received && JSON.parse(received.body), answer.body, "the upstream received the client's response");
  });

  it("delivers the server's sampling request to the client and the sampled message back to the server", async () => {
    const prompts: unknown[] = [];
    const { client, exchanges } = await connect({
      onSample: (request) => {
        prompts.push(request.params.messages[0]?.content);
        return { role: "assistant", model: "test-model", content: { type: "text", text: "short and sweet" } };
      },
    });

    const result = await client.callTool({ name: "summarize", arguments: { text: "a long story" } });

    assert.equal(firstText(result), "summary: short and sweet");
    assert.deepEqual(prompts, [{ type: "text", text: "Summarize: a long story" }]);
    const answer = exchanges.find((exchange) => isJsonRpcResponse(exchange.body));
    assert.equal(answer?.status, 202);
  });

  it("lists and reads resources and resource templates, and lists and gets prompts", async () => {
    const { client } = await connect();

    const { resources } = await client.listResources();
    assert.deepEqual(resources.map((resource) => resource.uri), ["fixture://readme"]);
    const readme = await client.readResource({ uri: "fixture://readme" });
    assert.deepEqual(readme.contents, [{ uri: "fixture://readme", mimeType: "text/plain", text: "legacy fixture readme" }]);

    const { resourceTemplates } = await client.listResourceTemplates();
    assert.deepEqual(resourceTemplates.map((template) => template.uriTemplate), ["fixture://greetings/{name}"]);
    const greeting = await client.readResource({ uri: "fixture://greetings/ada" });
    assert.deepEqual(greeting.contents, [{ uri: "fixture://greetings/ada", mimeType: "text/plain", text: "Hello, ada!" }]);

    const { prompts } = await client.listPrompts();
    assert.deepEqual(prompts.map((prompt) => prompt.name), ["review"]);
    const review = await client.getPrompt({ name: "review", arguments: { code: "x = 1" } });
    assert.deepEqual(review.messages, [{ role: "user", content: { type: "text", text: "Please review: x = 1" } }]);
  });

  it("delivers a server notification on the standalone GET event stream", async () => {
    const { client, transport, getStreamOpened } = await connect();
    const notified = new Promise<{ method: string }>((resolve) => client.setNotificationHandler(ResourceListChangedNotificationSchema, resolve));

    const stream = await getStreamOpened;
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get("content-type") ?? "", /^text\/event-stream/);
    assert.ok(upstream.openGetStreams >= 1, "the GET stream is open at the upstream");
    upstream.notifyResourceListChanged(transport.sessionId!);

    assert.equal((await notified).method, "notifications/resources/list_changed");
  });

  it("a client that goes away ends its GET event stream at the upstream too", async () => {
    const { getStreamOpened, close } = await connect();
    await getStreamOpened;
    assert.ok(upstream.openGetStreams >= 1);

    await close();

    // Without the gateway aborting the upstream request this never settles; bound the wait so the failure says why.
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error("the upstream GET stream stayed open after the client left")), 10_000);
    });
    try {
      await Promise.race([upstream.getStreamsClosed(), stuck]);
    } finally {
      clearTimeout(timer);
    }
    assert.equal(upstream.openGetStreams, 0);
  });

  it("DELETE ends the session upstream, and the session id is then unknown (404)", async () => {
    const { transport, exchanges } = await connect();
    const sessionId = transport.sessionId!;
    const protocolVersion = transport.protocolVersion!;

    await transport.terminateSession();

    const deletion = exchanges.find((exchange) => exchange.method === "DELETE");
    assert.equal(deletion?.status, 200);
    assert.ok(upstream.terminatedSessions.includes(sessionId), "the upstream closed the session");
    const later = await gateway.post(
      { jsonrpc: "2.0", id: 1, method: "tools/list" },
      { "mcp-session-id": sessionId, "mcp-protocol-version": protocolVersion },
    );
    assert.equal(later.status, 404);
    assert.deepEqual(later.body, { jsonrpc: "2.0", id: null, error: { code: -32001, message: "Session not found" } });
  });
});
