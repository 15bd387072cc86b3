/**
 * What the gateway forwards and what it keeps in the legacy era: credentials stay at the
 * gateway, batch bytes go through untouched, event streams are marked unbuffered.
 */
import assert from "node:assert/strict";
import type { IncomingHttpHeaders } from "node:http";
import { after, before, describe, it } from "node:test";
import { definePlugin, z } from "@mcp-gateway/runtime";
import { startTestGateway, type TestGateway } from "@mcp-gateway/runtime/testing";
import { startLegacyServer, type LegacyServer } from "../fixtures/legacy-server.js";
import { connectLegacyClient } from "../helpers/sdk-clients.js";

const CREDENTIALS = { Authorization: "Bearer gateway-secret", "X-API-Key": "gateway-key", "Api-Key": "gateway-key-2" };
const CREDENTIAL_HEADERS = ["authorization", "x-api-key", "api-key"];

const initialize = {
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw-fetch", version: "1.0.0" } },
};

describe("legacy MCP passthrough", () => {
  let upstream: LegacyServer;
  let gateway: TestGateway;
  const seenByGateway: IncomingHttpHeaders[] = [];
  // Records what the client sent, so the credential test cannot pass because nothing was sent.
  const headerSpy = definePlugin({
    name: "header-spy",
    version: "0.0.0",
    api: "^1",
    options: z.object({}),
    setup(api) {
      api.hooks.onRequest.tapPromise(async (ctx) => {
        seenByGateway.push(ctx.http.headers);
      });
    },
  });

  before(async () => {
    upstream = await startLegacyServer();
    gateway = await startTestGateway({ config: { upstreams: [{ name: "legacy", url: upstream.url }] }, plugins: [{ plugin: headerSpy }] });
  });
  after(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it("never forwards the client's gateway credentials (Authorization, X-API-Key, Api-Key) on POST, GET or DELETE", async () => {
    const firstSeen = seenByGateway.length;
    const firstForwarded = upstream.requests.length;
    const { client, transport, getStreamOpened, close } = await connectLegacyClient(gateway.url, { headers: CREDENTIALS });
    try {
      await client.listTools();
      await getStreamOpened;
      await transport.terminateSession();
    } finally {
      await close();
    }

    const sent = seenByGateway.slice(firstSeen);
    const forwarded = upstream.requests.slice(firstForwarded);
    for (const name of CREDENTIAL_HEADERS) assert.ok(sent.length && sent.every((headers) => headers[name] !== undefined), `the client sent ${name}`);
    assert.deepEqual(new Set(forwarded.map((request) => request.method)), new Set(["POST", "GET", "DELETE"]));
    for (const request of forwarded) {
      const leaked = CREDENTIAL_HEADERS.filter((name) => request.headers[name] !== undefined);
      assert.deepEqual(leaked, [], `${request.method} reached the upstream with ${leaked.join(", ")}`);
    }
  });

  it("marks event streams unbuffered (X-Accel-Buffering: no) so proxies in front pass events on at once", async () => {
    const response = await fetch(gateway.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify(initialize),
    });
    const body = await response.text();

    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
    assert.equal(response.headers.get("x-accel-buffering"), "no");
    assert.match(body, /"serverInfo":\{"name":"legacy-fixture"/);
  });

  it("forwards a 2025-03-26 batch to the upstream as the very bytes the client sent", async () => {
    const echo = await startTestGateway();
    try {
      // Odd spacing and key order: a re-serialised body would differ.
      const batch =
        '[ {"id":1, "jsonrpc":"2.0","method":"tools/list"},\n  {"jsonrpc":"2.0","method":"notifications/initialized"} ,' +
        '{"jsonrpc":"2.0","id":"two","method":"tools/call","params":{"name":"echo","arguments":{"message":"é ✓"}}} ]';

      const response = await echo.post(batch, { "mcp-protocol-version": "2025-03-26" });

      assert.equal(response.status, 200);
      assert.deepEqual((response.body as { id: unknown }[]).map((answer) => answer.id), [1, "two"]);
      assert.equal(echo.upstream?.requests.length, 1);
      assert.equal(echo.upstream.requests[0]?.body, batch);
    } finally {
      await echo.close();
    }
  });
});
