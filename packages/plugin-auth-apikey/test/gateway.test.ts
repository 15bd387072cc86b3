import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { definePlugin, type Subject } from "@mcp-gateway/runtime";
import { headerAuthPlugin, startTestGateway, type TestGateway } from "@mcp-gateway/runtime/testing";
import authApiKey from "../src/index.js";

const LIST = { jsonrpc: "2.0", id: 7, method: "tools/list", params: {} };
const KEYS = [
  { id: "local-dev-key", key: "dev_key_1", tenant: "client", client: "local-dev" },
  // sha256("abc"), as `mcp-gateway hash-key abc` prints it.
  { id: "hashed", keyHash: "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", tenant: "acme", client: "ci" },
  { key: "anonymous-id-key", tenant: "acme", client: "batch" },
];

/** Records the subject each request reaches `authorize` with. */
function subjectProbe() {
  const seen: (Subject | undefined)[] = [];
  const plugin = definePlugin({
    name: "subject-probe",
    version: "1.0.0",
    api: "^1",
    setup(gateway) {
      gateway.hooks.authorize.tapPromise(async (ctx) => {
        seen.push(ctx.subject);
      });
    },
  });
  return { plugin, seen };
}

/** An in-house scheme standing next to API keys: `Authorization: Token <t>`. */
const tokenAuth = headerAuthPlugin({
  name: "auth-token",
  from: [{ header: "authorization", scheme: "Token" }],
  credentials: { good: { tenant: "in-house", client: "sso" } },
  challenge: 'Token realm="in-house"',
  message: "Unauthorized: bad token",
});

type ErrorBody = { jsonrpc: string; id: unknown; error: { code: number; message: string; data: { code: string } } };

describe("auth-apikey in a gateway", () => {
  let gw: TestGateway;
  const probe = subjectProbe();
  before(async () => {
    gw = await startTestGateway({ plugins: [{ plugin: authApiKey, options: { apiKeys: KEYS } }, { plugin: probe.plugin }] });
  });
  after(() => gw.close());

  it("accepts a key in each of the sectioned format's four header styles and sets tenant, client and apiKeyId", async () => {
    const styles: Record<string, string>[] = [{ authorization: "Bearer dev_key_1" }, { authorization: "Api-Key dev_key_1" }, { "x-api-key": "dev_key_1" }, { "api-key": "dev_key_1" }];
    for (const headers of styles) {
      probe.seen.length = 0;
      const response = await gw.post(LIST, headers);
      assert.equal(response.status, 200, JSON.stringify(headers));
      assert.deepEqual(probe.seen, [{ tenant: "client", client: "local-dev", id: "local-dev-key", claims: { apiKeyId: "local-dev-key" } }]);
    }
  });

  it("accepts a key configured by its sha256 keyHash", async () => {
    probe.seen.length = 0;
    const response = await gw.post(LIST, { "x-api-key": "abc" });
    assert.equal(response.status, 200);
    assert.deepEqual(probe.seen, [{ tenant: "acme", client: "ci", id: "hashed", claims: { apiKeyId: "hashed" } }]);
  });

  it("gives a key without id a subject without id", async () => {
    probe.seen.length = 0;
    await gw.post(LIST, { authorization: "Bearer anonymous-id-key" });
    assert.deepEqual(probe.seen, [{ tenant: "acme", client: "batch" }]);
  });

  it("answers 401 with -32001 and both challenges when no key is sent", async () => {
    const response = await gw.post(LIST);
    assert.equal(response.status, 401);
    const body = response.body as ErrorBody;
    assert.equal(body.id, 7);
    assert.equal(body.error.code, -32001);
    assert.equal(body.error.data.code, "MCPGW_ERR_UNAUTHENTICATED");
    assert.equal(response.headers.get("www-authenticate"), 'Bearer realm="mcp-gateway", Api-Key realm="mcp-gateway"');
  });

  it("answers 401 with a WWW-Authenticate header for an unknown key, whatever header carried it", async () => {
    const bad: Record<string, string>[] = [{ "x-api-key": "wrong" }, { "api-key": "" }, { authorization: "Api-Key wrong" }];
    for (const headers of bad) {
      const response = await gw.post(LIST, headers);
      assert.equal(response.status, 401, JSON.stringify(headers));
      const body = response.body as ErrorBody;
      assert.equal(body.error.code, -32001);
      assert.equal(body.error.message, "Unauthorized: invalid API key");
      assert.equal(response.headers.get("www-authenticate"), 'Bearer realm="mcp-gateway", Api-Key realm="mcp-gateway"');
    }
  });

  it('marks the Bearer challenge error="invalid_token" when a bad key came as a Bearer token', async () => {
    const response = await gw.post(LIST, { authorization: "Bearer wrong" });
    assert.equal(response.status, 401);
    assert.equal(response.headers.get("www-authenticate"), 'Bearer realm="mcp-gateway", error="invalid_token", Api-Key realm="mcp-gateway"');
  });

  it("rejects the whole batch, one error per request id", async () => {
    const batch = [LIST, { jsonrpc: "2.0", method: "notifications/initialized" }, { ...LIST, id: "b" }];
    const response = await gw.post(batch, { "x-api-key": "wrong" });
    assert.equal(response.status, 401);
    assert.deepEqual(
      (response.body as ErrorBody[]).map((error) => [error.id, error.error.code]),
      [
        [7, -32001],
        ["b", -32001],
      ],
    );
  });

  it("never logs the presented key", async () => {
    await gw.post(LIST, { "x-api-key": "leaky-secret-value" });
    assert.ok(!JSON.stringify(gw.logs).includes("leaky-secret-value"));
  });
});

describe("auth-apikey next to another auth plugin", () => {
  let gw: TestGateway;
  const probe = subjectProbe();
  before(async () => {
    gw = await startTestGateway({
      plugins: [
        { plugin: tokenAuth },
        { plugin: authApiKey, options: { apiKeys: KEYS } },
        { plugin: probe.plugin },
      ],
    });
  });
  after(() => gw.close());

  it("passes when the other plugin already identified the caller, even with a bad key present", async () => {
    probe.seen.length = 0;
    const response = await gw.post(LIST, { authorization: "Token good", "x-api-key": "wrong" });
    assert.equal(response.status, 200);
    assert.deepEqual(probe.seen, [{ tenant: "in-house", client: "sso" }]);
  });

  it("identifies the caller when the other plugin found no credential of its kind", async () => {
    probe.seen.length = 0;
    const response = await gw.post(LIST, { "x-api-key": "dev_key_1" });
    assert.equal(response.status, 200);
    assert.equal(probe.seen[0]?.client, "local-dev");
  });

  it("lets the runtime answer 401 with every plugin's challenge when nobody identified the caller", async () => {
    const response = await gw.post(LIST);
    assert.equal(response.status, 401);
    assert.equal(response.headers.get("www-authenticate"), 'Token realm="in-house", Bearer realm="mcp-gateway", Api-Key realm="mcp-gateway"');
  });
});

describe("auth-apikey with Bearer left to another scheme", () => {
  let gw: TestGateway;
  /** Accepts one Bearer token, offers no challenge, and leaves any other token alone. */
  const jwtLike = headerAuthPlugin({
    name: "auth-jwt-like",
    from: [{ header: "authorization", scheme: "Bearer" }],
    credentials: { "header.payload.signature": { tenant: "jwt", client: "user" } },
    unknown: "pass",
  });
  before(async () => {
    gw = await startTestGateway({
      plugins: [
        { plugin: authApiKey, options: { apiKeys: KEYS, schemes: ["Api-Key"] } },
        { plugin: jwtLike },
      ],
    });
  });
  after(() => gw.close());

  it("does not reject a Bearer token it does not own, so the token's plugin can accept it", async () => {
    const response = await gw.post(LIST, { authorization: "Bearer header.payload.signature" });
    assert.equal(response.status, 200);
  });

  it("still reads API keys from Authorization: Api-Key and the key headers", async () => {
    assert.equal((await gw.post(LIST, { authorization: "Api-Key dev_key_1" })).status, 200);
    assert.equal((await gw.post(LIST, { "x-api-key": "dev_key_1" })).status, 200);
  });

  it("challenges only with the schemes it reads", async () => {
    const response = await gw.post(LIST);
    assert.equal(response.status, 401);
    assert.equal(response.headers.get("www-authenticate"), 'Api-Key realm="mcp-gateway"');
  });
});

describe("auth-apikey from the sectioned format's auth section", () => {
  const sectionedConfig = (auth: Record<string, unknown>) => ({ auth, audit: { enabled: false } });

  it("runs a sectioned config unchanged, with ${ENV} keys resolved at startup", async () => {
    const gw = await startTestGateway({
      config: sectionedConfig({ mode: "apiKey", apiKeys: [{ id: "local-dev-key", key: "${DEV_KEY}", tenant: "client", client: "local-dev" }] }),
      env: { DEV_KEY: "from-env" },
    });
    try {
      assert.deepEqual(
        gw.gateway.plugins.map(({ plugin }) => plugin.name),
        ["auth-apikey"],
      );
      assert.equal((await gw.post(LIST, { authorization: "Bearer from-env" })).status, 200);
      assert.equal((await gw.post(LIST, { authorization: "Bearer ${DEV_KEY}" })).status, 401);
    } finally {
      await gw.close();
    }
  });

  it("names the sectioned format path of an invalid key entry", async () => {
    await assert.rejects(
      startTestGateway({ config: sectionedConfig({ mode: "apiKey", apiKeys: [{ keyHash: "sha256:REPLACE_ME", tenant: "t", client: "c" }] }) }),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, "MCPGW_ERR_PLUGIN_OPTIONS");
        assert.match(err.message, /plugin "auth-apikey" declared in .* at auth: auth\.apiKeys\[0\]\.keyHash: expected "sha256:"/);
        return true;
      },
    );
  });
});
