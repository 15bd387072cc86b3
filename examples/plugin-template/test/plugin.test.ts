// The plugin in a real gateway, over HTTP on 127.0.0.1, with the runtime's test helpers.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { definePlugin } from "@mcp-gateway/runtime/plugin";
import { pluginConformance, startTestGateway } from "@mcp-gateway/runtime/testing";
import tenantHeader from "../src/index.js";

// The checks every plugin passes: name, version and API range, loading and serving a request,
// refusing invalid options at load, and surviving close twice.
pluginConformance(tenantHeader, {
  options: { header: "x-mcp-tenant" },
  invalidOptions: { header: "Not A Header" },
});

describe("tenant-header in a gateway", () => {
  it("sends the caller's subject to the upstream in the configured header", async () => {
    // A stand-in auth plugin, so the caller has a subject other than ANONYMOUS.
    const fakeAuth = definePlugin({
      name: "fake-auth",
      version: "1.0.0",
      api: "^1",
      authenticates: true,
      setup(gateway) {
        gateway.hooks.onRequest.tapPromise({ stage: "AUTHN" }, async (ctx) => {
          ctx.subject = { tenant: "acme", client: "ci-bot" };
        });
      },
    });
    const gw = await startTestGateway({
      plugins: [{ plugin: fakeAuth }, { plugin: tenantHeader, options: { header: "x-caller", value: "{tenant}:{client}" } }],
    });
    try {
      const response = await gw.post({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }, { "x-caller": "forged-by-the-client" });
      assert.equal(response.status, 200);
      assert.equal(gw.upstream!.requests.at(-1)!.headers["x-caller"], "acme:ci-bot");
    } finally {
      await gw.close();
    }
  });
});
