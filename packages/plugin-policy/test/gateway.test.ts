import assert from "node:assert/strict";
import { SECTIONED_POLICY } from "./sectioned-policy.ts";
import { after, before, describe, it } from "node:test";
import { callerHeaders, headerAuthPlugin, startTestGateway, toolsCall, type TestGateway } from "@mcp-gateway/runtime/testing";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import policy from "../src/index.js";
import { startSdkUpstream, type SdkUpstream } from "./helpers/sdk-upstream.js";

type ErrorBody = { jsonrpc: string; id: unknown; error: { code: number; message: string; data: { code: string } } };

/** The sectioned format's README config, with a second key whose caller no rule names. */
const SECTIONED_CONFIG = {
  auth: {
    mode: "apiKey",
    apiKeys: [
      { id: "local-dev-key", key: "dev_key_1", tenant: "client", client: "local-dev" },
      { id: "stranger-key", key: "stranger", tenant: "client", client: "stranger" },
    ],
  },
  policy: SECTIONED_POLICY,
  audit: { enabled: false },
};
const DEV = { authorization: "Bearer dev_key_1" };

describe("policy from the sectioned format's config, through a gateway", () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ config: SECTIONED_CONFIG });
  });
  after(() => gw.close());

  it("lets an allowed call through to the upstream", async () => {
    const response = await gw.post(toolsCall(1, "echo"), DEV);
    assert.equal(response.status, 200);
    assert.equal((response.body as { result: { method: string } }).result.method, "tools/call");
  });

  it("answers a denied tool with 403, -32003 and a reason naming the tool and the caller", async () => {
    const before = gw.upstream!.requests.length;
    const response = await gw.post(toolsCall(2, "rm"), DEV);
    assert.equal(response.status, 403);
    const body = response.body as ErrorBody;
    assert.deepEqual(body, {
      jsonrpc: "2.0",
      id: 2,
      error: {
        code: -32003,
        message: 'Forbidden: tool "rm" is denied for client/local-dev',
        data: { code: "MCPGW_ERR_FORBIDDEN", requestId: response.headers.get("x-request-id") },
      },
    });
    assert.equal(gw.upstream!.requests.length, before, "the upstream saw the denied call");
  });

  it("denies a method no rule allows", async () => {
    const response = await gw.post({ jsonrpc: "2.0", id: 3, method: "logging/setLevel", params: { level: "debug" } }, DEV);
    assert.equal(response.status, 403);
    assert.equal((response.body as ErrorBody).error.message, 'Forbidden: method "logging/setLevel" is not allowed for client/local-dev');
  });

  it("denies everything to a caller no rule names", async () => {
    const response = await gw.post({ jsonrpc: "2.0", id: 4, method: "initialize", params: {} }, { "x-api-key": "stranger" });
    assert.equal(response.status, 403);
    assert.equal((response.body as ErrorBody).error.message, 'Forbidden: method "initialize" is not allowed for client/stranger');
  });

  it("checks every call of a batch and rejects the whole batch when one is denied", async () => {
    const before = gw.upstream!.requests.length;
    const response = await gw.post([toolsCall("a", "echo"), { jsonrpc: "2.0", method: "notifications/initialized" }, toolsCall("b", "rm")], DEV);
    assert.equal(response.status, 403);
    const errors = response.body as ErrorBody[];
    assert.deepEqual(
      errors.map((error) => [error.id, error.error.code]),
      [
        ["a", -32003],
        ["b", -32003],
      ],
    );
    assert.match(errors[0]!.error.message, /tool "rm"/);
    assert.equal(gw.upstream!.requests.length, before);
  });

  it("passes a batch whose every call is allowed", async () => {
    const response = await gw.post([toolsCall("a", "echo"), toolsCall("b", "math.add")], DEV);
    assert.equal(response.status, 200);
  });

  it("lets notifications and responses from the client pass without a rule for them", async () => {
    const notified = await gw.post({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1 } }, DEV);
    assert.equal(notified.status, 202);
    const answered = await gw.post({ jsonrpc: "2.0", id: "elicit-1", result: { action: "accept", content: {} } }, DEV);
    assert.equal(answered.status, 202);
  });
});

/** Test-only auth: the caller names itself, tenant acme (see connect). */
const headerSubject = headerAuthPlugin({ name: "header-subject" });

const DISCOVERY_POLICY = {
  default: "deny",
  rules: [
    { allow: { methods: ["initialize", "tools/*", "prompts/*", "resources/*"] } },
    {
      subject: { client: "analyst" },
      allow: { tools: ["echo", "math.*"], prompts: ["review"], resources: ["fixture://public/*"] },
      deny: { tools: ["math.div*"] },
    },
    { subject: { client: "admin" }, allow: { tools: ["*"], prompts: ["*"], resources: ["*"] } },
  ],
};

/** The SDK client's error for a 403 whose JSON-RPC body (quoted in its message) contains `reason`. */
function forbidden(reason: string) {
  return (err: Error & { code?: unknown }) => {
    assert.equal(err.code, 403);
    assert.ok(err.message.includes(reason), err.message);
    return true;
  };
}

async function connect(url: string, client: string) {
  const sdk = new Client({ name: "policy-e2e", version: "1.0.0" });
  await sdk.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: callerHeaders("acme", client) } }));
  return sdk;
}

describe("discovery follows policy, seen by a real MCP client", () => {
  let upstream: SdkUpstream;
  let gw: TestGateway;
  let unfiltered: TestGateway;
  let analyst: Client;
  before(async () => {
    upstream = await startSdkUpstream();
    const config = { upstreams: [{ name: "fixture", url: upstream.url }] };
    gw = await startTestGateway({ config, plugins: [{ plugin: headerSubject }, { plugin: policy, options: DISCOVERY_POLICY }] });
    unfiltered = await startTestGateway({
      config,
      plugins: [{ plugin: headerSubject }, { plugin: policy, options: { ...DISCOVERY_POLICY, filterLists: false } }],
    });
    analyst = await connect(gw.url, "analyst");
  });
  after(async () => {
    await analyst.close();
    await gw.close();
    await unfiltered.close();
    await upstream.close();
  });

  it("lists only the tools the caller may call", async () => {
    const { tools } = await analyst.listTools();
    assert.deepEqual(tools.map((tool) => tool.name).sort(), ["echo", "math.add"]);
  });

  it("lists only the prompts, resources and resource templates the caller may use", async () => {
    assert.deepEqual((await analyst.listPrompts()).prompts.map((prompt) => prompt.name), ["review"]);
    assert.deepEqual((await analyst.listResources()).resources.map((resource) => resource.uri), ["fixture://public/readme"]);
    assert.deepEqual((await analyst.listResourceTemplates()).resourceTemplates.map((template) => template.uriTemplate), ["fixture://public/docs/{name}"]);
  });

  it("denies a call naming a hidden tool the same way", async () => {
    await assert.rejects(analyst.callTool({ name: "rm", arguments: {} }), forbidden('tool \\"rm\\" is not allowed for acme/analyst'));
    await assert.rejects(analyst.callTool({ name: "math.divide", arguments: {} }), forbidden('tool \\"math.divide\\" is denied for acme/analyst'));
    const result = await analyst.callTool({ name: "math.add", arguments: {} });
    assert.deepEqual(result.content, [{ type: "text", text: "math.add ran" }]);
  });

  it("shows each caller its own list", async () => {
    const admin = await connect(gw.url, "admin");
    try {
      assert.deepEqual((await admin.listTools()).tools.map((tool) => tool.name).sort(), ["echo", "math.add", "math.divide", "rm"]);
    } finally {
      await admin.close();
    }
  });

  it("passes lists through unfiltered with filterLists: false, while calls stay denied", async () => {
    const client = await connect(unfiltered.url, "analyst");
    try {
      assert.equal((await client.listTools()).tools.length, 4);
      await assert.rejects(client.callTool({ name: "rm", arguments: {} }), forbidden('tool \\"rm\\"'));
    } finally {
      await client.close();
    }
  });
});
