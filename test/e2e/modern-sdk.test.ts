/**
 * The modern MCP era (2026-07-28) end to end: a real `@modelcontextprotocol/client` 2.x talks to a
 * real `@modelcontextprotocol/server` 2.x through the gateway, and what the upstream received is
 * checked against what the client sent.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Client, StreamableHTTPClientTransport, type FetchLike } from "@modelcontextprotocol/client";
import { startTestGateway, type TestGateway, within } from "@mcp-gateway/runtime/testing";
import {
  MODERN_PROTOCOL_VERSION as MODERN,
  MODERN_SERVER_INFO,
  modernHeaders,
  modernRequest,
  startModernServer,
  type ModernServer,
} from "../fixtures/modern-server.ts";

/** Upper bound for waiting on an event that should happen at once; only guards against a hang. */
const WAIT_MS = 5_000;

/** The headers of every request the client put on the wire, so the test can compare them with what the upstream got. */
function recordingFetch(sent: Headers[]): FetchLike {
  return (url, init) => {
    sent.push(new Headers(init?.headers));
    return fetch(url, init);
  };
}

function mirroredHeaders(headers: Headers | Record<string, string | string[] | undefined>): Record<string, string> {
  const entries = headers instanceof Headers ? [...headers.entries()] : Object.entries(headers);
  return Object.fromEntries(entries.filter(([name]) => name.toLowerCase().startsWith("mcp-")).map(([name, value]) => [name.toLowerCase(), String(value)]));
}

function textOf(result: { content?: unknown }): string {
  const [first] = (result.content ?? []) as { type: string; text?: string }[];
  return first?.text ?? "";
}

describe("modern era (2026-07-28) through the gateway with the 2.x SDKs", () => {
  let server: ModernServer;
  let gateway: TestGateway;
  let client: Client;
  const sent: Headers[] = [];
  const elicitations: { message?: unknown }[] = [];

  before(async () => {
    server = await startModernServer();
    gateway = await startTestGateway({ config: { upstreams: [{ name: "modern", url: server.url }] } });
    client = new Client(
      { name: "e2e-modern", version: "1.0.0" },
      { versionNegotiation: { mode: { pin: MODERN } }, capabilities: { elicitation: {} } },
    );
    client.setRequestHandler("elicitation/create", async (request) => {
      elicitations.push(request.params);
      return { action: "accept", content: { confirm: true } };
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(gateway.url), { fetch: recordingFetch(sent) }));
  });

  after(async () => {
    await client?.close();
    await gateway?.close();
    await server?.close();
  });

  it("negotiates the modern era and returns the server's capabilities from server/discover", async () => {
    const before = server.received("server/discover").length;
    const discovered = await client.discover();

    assert.equal(client.getProtocolEra(), "modern");
    assert.deepEqual(discovered.supportedVersions, [MODERN]);
    assert.deepEqual(discovered.capabilities, { tools: { listChanged: true } });
    assert.deepEqual(discovered._meta?.["io.modelcontextprotocol/serverInfo"], MODERN_SERVER_INFO);
    assert.equal(server.received("server/discover").length, before + 1, "the discover request reached the upstream");
  });

  it("lists and calls tools, forwarding MCP-Protocol-Version, Mcp-Method, Mcp-Name and Mcp-Param-* unchanged", async () => {
    const { tools } = await client.listTools();
    const region = tools.find((tool) => tool.name === "query_region");
    assert.deepEqual(
      tools.map((tool) => tool.name),
      ["echo", "query_region", "deploy"],
    );
    assert.equal((region?.inputSchema.properties?.region as Record<string, unknown>)["x-mcp-header"], "Region");

    const result = await client.callTool({ name: "query_region", arguments: { region: "us-west1", query: "select 1" } });
    assert.equal(textOf(result), "select 1 @ us-west1");

    const upstream = server.received("tools/call").find((request) => request.headers["mcp-name"] === "query_region");
    assert.ok(upstream, "the upstream received the tools/call");
    const expected = { "mcp-protocol-version": MODERN, "mcp-method": "tools/call", "mcp-name": "query_region", "mcp-param-region": "us-west1" };
    assert.deepEqual(mirroredHeaders(upstream.headers), expected);
    const fromClient = sent.find((headers) => headers.get("mcp-name") === "query_region");
    assert.ok(fromClient, "the client sent the tools/call");
    assert.deepEqual(mirroredHeaders(fromClient), expected);
  });

  it("forwards a Base64-sentinel Mcp-Param value (a non-ASCII argument) unchanged", async () => {
    const result = await client.callTool({ name: "query_region", arguments: { region: "Zürich", query: "select 2" } });
    assert.equal(textOf(result), "select 2 @ Zürich");

    const encoded = `=?base64?${Buffer.from("Zürich").toString("base64")}?=`;
    const upstream = server.received("tools/call").find((request) => request.headers["mcp-param-region"] === encoded);
    assert.ok(upstream, "the upstream received the encoded Mcp-Param-Region");
    assert.equal(sent.filter((headers) => headers.get("mcp-param-region") === encoded).length, 1, "the client sent that exact value");
  });

  it("passes an InputRequiredResult to the client and the retry with inputResponses to the server (MRTR)", async () => {
    const before = server.received("tools/call").length;
    const result = await client.callTool({ name: "deploy", arguments: { env: "prod" } });

    assert.equal(textOf(result), "deployed to prod");
    assert.equal(elicitations.at(-1)?.message, "Deploy to prod?", "the client saw the server's input request");
    const rounds = server.received("tools/call").slice(before);
    assert.equal(rounds.length, 2, "one initial call and one retry reached the upstream");
    const [first, retry] = rounds.map((request) => request.body as { id: unknown; params: Record<string, unknown> });
    assert.equal(first!.params.inputResponses, undefined);
    assert.deepEqual(retry!.params.inputResponses, { confirm: { action: "accept", content: { confirm: true } } });
    assert.notEqual(retry!.id, first!.id, "the retry is a new request");
  });

  it("streams subscriptions/listen: acknowledgement, then list_changed; closing it closes the upstream request", async () => {
    const changed = new Promise<unknown>((resolve) => client.setNotificationHandler("notifications/tools/list_changed", resolve));
    const subscription = await within(client.listen({ toolsListChanged: true }), WAIT_MS, "the acknowledgement");
    assert.deepEqual(subscription.honoredFilter, { toolsListChanged: true });

    server.notifyToolsChanged();
    const notification = (await within(changed, WAIT_MS, "notifications/tools/list_changed")) as { params?: { _meta?: Record<string, unknown> } };
    const [listen] = server.received("subscriptions/listen").slice(-1);
    assert.ok(listen, "the listen request reached the upstream");
    assert.equal(notification.params?._meta?.["io.modelcontextprotocol/subscriptionId"], (listen.body as { id: unknown }).id);

    await subscription.close();
    await within(listen.closed, WAIT_MS, "the upstream listen request to close");
    assert.equal(await subscription.closed, "local");
  });

  it("closes the upstream listen request when the client just drops the stream, without notifications/cancelled", async () => {
    const before = server.received("subscriptions/listen").length;
    const disconnect = new AbortController();
    const response = await fetch(gateway.url, {
      method: "POST",
      signal: disconnect.signal,
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...modernHeaders("subscriptions/listen") },
      body: JSON.stringify(modernRequest("raw-listen", "subscriptions/listen", { notifications: { toolsListChanged: true } })),
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);

    const reader = response.body!.getReader();
    let received = "";
    const readUntil = async (text: string) => {
      while (!received.includes(text)) {
        const { done, value } = await reader.read();
        if (done) throw new Error(`stream ended before ${text}`);
        received += Buffer.from(value).toString("utf8");
      }
    };
    await within(readUntil("notifications/subscriptions/acknowledged"), WAIT_MS, "the acknowledgement");
    const [listen] = server.received("subscriptions/listen").slice(before);
    assert.ok(listen, "the listen request reached the upstream");

    disconnect.abort();
    await within(listen.closed, WAIT_MS, "the upstream listen request to close");
    assert.equal(server.received("notifications/cancelled").filter((request) => JSON.stringify(request.body).includes("raw-listen")).length, 0);
  });
});
