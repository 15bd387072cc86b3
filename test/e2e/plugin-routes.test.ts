/**
 * Plugins serve HTTP routes of their own on the public listener (OAuth metadata under
 * `/.well-known/`), declared in setup; conflicts stop startup with one line.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { definePlugin, type PluginApi } from "@mcp-gateway/runtime";
import { startTestGateway, type TestGateway } from "@mcp-gateway/runtime/testing";

const routesPlugin = (name: string, declare: (gateway: PluginApi) => void) => definePlugin({ name, version: "1.0.0", api: "^1", setup: declare });

describe("HTTP routes a plugin serves", () => {
  let gw: TestGateway;
  before(async () => {
    const metadata = routesPlugin("meta", (gateway) => {
      gateway.http.get("/.well-known/oauth-protected-resource" + gateway.endpoint.path, async (request) => ({
        status: 200,
        headers: { "cache-control": "max-age=60" },
        body: { resource: `https://gw.example${gateway.endpoint.path}`, query: request.query.get("q") },
      }));
      gateway.http.get("/text", async () => ({ status: 200, headers: { "content-type": "text/plain" }, body: "hello" }));
      gateway.http.post("/echo", async (request) => ({ status: 201, body: { got: request.body?.toString("utf8") } }));
      gateway.http.get("/broken", async () => {
        throw new Error("secret-ish detail");
      });
    });
    gw = await startTestGateway({ plugins: [{ plugin: metadata }] });
  });
  after(() => gw.close());

  it("answers GET with the handler's status, headers and JSON body, the query parsed", async () => {
    const response = await fetch(`${gw.baseUrl}/.well-known/oauth-protected-resource/mcp?q=1`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("cache-control"), "max-age=60");
    assert.equal(response.headers.get("content-type"), "application/json");
    assert.deepEqual(await response.json(), { resource: "https://gw.example/mcp", query: "1" });
  });

  it("answers HEAD like GET without a body, sends strings as they are, and reads a POST body", async () => {
    const head = await fetch(`${gw.baseUrl}/text`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-length"), "5");
    assert.equal(await (await fetch(`${gw.baseUrl}/text`)).text(), "hello");
    const posted = await fetch(`${gw.baseUrl}/echo`, { method: "POST", body: "payload" });
    assert.equal(posted.status, 201);
    assert.deepEqual(await posted.json(), { got: "payload" });
  });

  it("answers 500 without the error's detail when a handler throws, and 404 for a path nobody serves", async () => {
    const broken = await fetch(`${gw.baseUrl}/broken`);
    assert.equal(broken.status, 500);
    assert.doesNotMatch(await broken.text(), /secret-ish/);
    assert.equal((await fetch(`${gw.baseUrl}/.well-known/other`)).status, 404);
    assert.equal((await fetch(`${gw.baseUrl}/echo`)).status, 404, "a POST route does not answer GET");
  });

  it("leaves the MCP endpoint and /health to the gateway", async () => {
    assert.equal((await fetch(`${gw.baseUrl}/health`)).status, 200);
    assert.equal((await gw.post({ jsonrpc: "2.0", id: 1, method: "tools/list" })).status, 200);
  });
});

describe("route conflicts stop startup with one line", () => {
  const taken = (path: string) => routesPlugin("first", (gateway) => gateway.http.get(path, async () => ({ status: 204 })));
  const cases: [string, Parameters<typeof startTestGateway>[0], RegExp][] = [
    ["two plugins on one path", { plugins: [{ plugin: taken("/x") }, { plugin: routesPlugin("second", (gateway) => gateway.http.get("/x", async () => ({ status: 204 }))) }] }, /plugin "second".*plugin "first" already serves GET \/x/],
    ["the MCP endpoint", { plugins: [{ plugin: taken("/mcp") }] }, /that is the MCP endpoint/],
    ["/health", { plugins: [{ plugin: taken("/health") }] }, /the gateway serves that path itself/],
    ["a path with a query", { plugins: [{ plugin: taken("/x?y=1") }] }, /is not a path/],
  ];
  for (const [what, options, message] of cases) {
    it(`refuses ${what}`, async () => {
      await assert.rejects(startTestGateway(options), (err: Error & { code?: string }) => {
        assert.equal(err.code, "MCPGW_ERR_PLUGIN_SETUP");
        assert.match(err.message, message);
        assert.equal(err.message.split("\n").length, 1);
        return true;
      });
    });
  }
});
