/**
 * Issue 16, point 8: `errors.style`. By default a call refused by policy or a rate limit keeps its
 * HTTP status (403, 429), which the SDK clients surface as a transport error; `jsonrpc` answers it
 * with HTTP 200 and the JSON-RPC error, which they surface as that call's MCP error. What each SDK
 * shows in both styles is what docs/errors.md says.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Client, ProtocolError, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startTestGateway, type TestGateway } from "@mcp-gateway/runtime/testing";
import { startLegacyServer, type LegacyServer } from "../fixtures/legacy-server.ts";
import { MODERN_PROTOCOL_VERSION, startModernServer, type ModernServer } from "../fixtures/modern-server.ts";
import { connectLegacyClient, firstText } from "../helpers/sdk-clients.ts";

const DENY_ADD: [string, Record<string, unknown>][] = [["policy", { default: "allow", rules: [{ deny: { tools: ["add"] } }] }]];

for (const style of ["http", "jsonrpc"] as const) {
  describe(`errors.style: ${style}`, () => {
    let legacy: LegacyServer;
    let modern: ModernServer;
    let legacyGateway: TestGateway;
    let modernGateway: TestGateway;
    before(async () => {
      legacy = await startLegacyServer();
      modern = await startModernServer();
      const config = (url: string) => ({ errors: { style }, upstreams: [{ name: "u", url }], plugins: DENY_ADD });
      legacyGateway = await startTestGateway({ config: config(legacy.url) });
      modernGateway = await startTestGateway({ config: { ...config(modern.url), plugins: [["policy", { default: "allow", rules: [{ deny: { tools: ["*"] } }] }]] } });
    });
    after(async () => {
      await legacyGateway.close();
      await modernGateway.close();
      await legacy.close();
      await modern.close();
    });

    it(`answers a denied call with HTTP ${style === "http" ? 403 : 200} and the JSON-RPC error -32003`, async () => {
      const response = await legacyGateway.post({ jsonrpc: "2.0", id: 9, method: "tools/call", params: { name: "add", arguments: {} } });
      assert.equal(response.status, style === "http" ? 403 : 200);
      assert.deepEqual((response.body as { id: number; error: { code: number; data: { code: string } } }).error.code, -32003);
      assert.equal((response.body as { id: number }).id, 9);
    });

    it("keeps authentication failures at 401 whatever the style (clients re-authenticate on it)", async () => {
      const gateway = await startTestGateway({ config: { errors: { style }, upstreams: [{ name: "u", url: legacy.url }], plugins: [["auth-apikey", { apiKeys: [{ key: "k", tenant: "t", client: "c" }] }]] } });
      try {
        assert.equal((await gateway.post({ jsonrpc: "2.0", id: 1, method: "tools/list" })).status, 401);
      } finally {
        await gateway.close();
      }
    });

    it(`an SDK 1.x client sees ${style === "http" ? "a StreamableHTTPError (HTTP 403)" : "an McpError -32003 for that call"}, and its session lives on`, async () => {
      const client = await connectLegacyClient(legacyGateway.url);
      try {
        const refused = await client.client.callTool({ name: "add", arguments: { a: 1, b: 2 } }).then(
          () => undefined,
          (err: unknown) => err,
        );
        if (style === "http") {
          assert.ok(refused instanceof StreamableHTTPError, String(refused));
          assert.equal(refused.code, 403);
        } else {
          assert.ok(refused instanceof McpError, String(refused));
          assert.equal(refused.code, -32003);
        }
        assert.equal(firstText(await client.client.callTool({ name: "echo", arguments: { message: "after" } })), "after");
      } finally {
        await client.close();
      }
    });

    it(`an SDK 2.x client sees ${style === "http" ? "an SdkHttpError" : "a ProtocolError -32003 for that call"}`, async () => {
      const client = new Client({ name: "style", version: "1" }, { versionNegotiation: { mode: { pin: MODERN_PROTOCOL_VERSION } } });
      await client.connect(new StreamableHTTPClientTransport(new URL(modernGateway.url)));
      try {
        const refused = (await client.callTool({ name: "echo", arguments: { message: "x" } }).then(
          () => undefined,
          (err: unknown) => err,
        )) as Error & { code?: unknown };
        assert.ok(refused, "the call fails");
        if (style === "http") {
          assert.equal(refused.constructor.name, "SdkHttpError");
          assert.match(refused.message, /-32003/);
        } else {
          assert.ok(refused instanceof ProtocolError, String(refused));
          assert.equal(refused.code, -32003);
        }
      } finally {
        await client.close();
      }
    });
  });
}
