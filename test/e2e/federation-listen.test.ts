/**
 * Modern `subscriptions/listen` under federation: one client subscription becomes one per
 * upstream, merged into one stream with one acknowledgment; list_changed from either upstream
 * reaches the client; closing the subscription closes every upstream's.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { startTestGateway, type TestGateway, within } from "@mcp-gateway/runtime/testing";
import { MODERN_PROTOCOL_VERSION as MODERN, startModernServer, type ModernServer } from "../fixtures/modern-server.ts";

const WAIT_MS = 5_000;

describe("federated subscriptions/listen (2026-07-28)", () => {
  let first: ModernServer;
  let second: ModernServer;
  let gateway: TestGateway;
  let client: Client;

  before(async () => {
    first = await startModernServer();
    second = await startModernServer();
    gateway = await startTestGateway({
      config: {
        upstreams: [
          { name: "first", url: first.url },
          { name: "second", url: second.url, prefix: "second" },
        ],
        federation: { sessionKeys: ["Zm9yLXRlc3RzLW9ubHktMzItYnl0ZXMtb2Yta2V5IS0"] },
      },
    });
    client = new Client({ name: "e2e-listen", version: "1.0.0" }, { versionNegotiation: { mode: { pin: MODERN } }, capabilities: { elicitation: {} } });
    client.setRequestHandler("elicitation/create", async () => ({ action: "accept", content: { confirm: true } }));
    await client.connect(new StreamableHTTPClientTransport(new URL(gateway.url)));
  });

  after(async () => {
    await client?.close();
    await gateway?.close();
    await first?.close();
    await second?.close();
  });

  it("acknowledges once for both upstreams, delivers list_changed from each, and closes both on close", async () => {
    let changes = 0;
    let nextChange!: () => void;
    client.setNotificationHandler("notifications/tools/list_changed", () => {
      changes++;
      nextChange();
    });
    const subscription = await within(client.listen({ toolsListChanged: true }), WAIT_MS, "the acknowledgement");
    assert.deepEqual(subscription.honoredFilter, { toolsListChanged: true });
    const [listenFirst] = first.received("subscriptions/listen");
    const [listenSecond] = second.received("subscriptions/listen");
    assert.ok(listenFirst && listenSecond, "each upstream got its own subscription");

    for (const server of [first, second]) {
      const changed = new Promise<void>((resolve) => (nextChange = resolve));
      server.notifyToolsChanged();
      await within(changed, WAIT_MS, "list_changed");
    }
    assert.equal(changes, 2);

    await subscription.close();
    await within(Promise.all([listenFirst.closed, listenSecond.closed]), WAIT_MS, "both upstream subscriptions to close");
  });

  it("merges server/discover and routes each tool to its upstream, a prefixed one under its own name", async () => {
    const discovered = await client.discover();
    assert.deepEqual(discovered.supportedVersions, [MODERN]);
    assert.equal((discovered._meta?.["io.modelcontextprotocol/serverInfo"] as { name?: string }).name, "mcp-gateway");
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    assert.deepEqual(names, ["echo", "query_region", "deploy", "second.echo", "second.query_region", "second.deploy"]);

    const before = second.received("tools/call").length;
    const result = await client.callTool({ name: "second.echo", arguments: { text: "hi" } });
    assert.deepEqual(result.content, [{ type: "text", text: "hi" }]);
    const [call] = second.received("tools/call").slice(before);
    assert.equal((call?.body as { params: { name: string } }).params.name, "echo");
    assert.equal(call?.headers["mcp-name"], "echo");
    assert.equal(first.received("tools/call").length, 0);

    const own = await client.callTool({ name: "echo", arguments: { text: "first" } });
    assert.deepEqual(own.content, [{ type: "text", text: "first" }]);
    assert.equal(first.received("tools/call").length, 1, "the unprefixed name reached the first upstream");
    assert.equal(second.received("tools/call").length, before + 1);
  });

  it("carries a multi round-trip call (input_required, then the retry) and mirrored Mcp-Param headers to the owner", async () => {
    const deployed = await client.callTool({ name: "second.deploy", arguments: { env: "prod" } });
    assert.deepEqual(deployed.content, [{ type: "text", text: "deployed to prod" }]);
    assert.equal(second.received("tools/call").filter((request) => (request.body as { params: { name: string } }).params.name === "deploy").length, 2);

    const queried = await client.callTool({ name: "second.query_region", arguments: { region: "eu-west1", query: "select 1" } });
    assert.deepEqual(queried.content, [{ type: "text", text: "select 1 @ eu-west1" }]);
    const [call] = second.received("tools/call").slice(-1);
    assert.equal(call?.headers["mcp-param-region"], "eu-west1");
  });
});
