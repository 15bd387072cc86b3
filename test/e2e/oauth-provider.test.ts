/**
 * auth-oauth against a real authorization server (oidc-provider): its key rotation picked up
 * without a restart, opaque tokens checked by its introspection endpoint, the token's claims
 * mapped to the subject audit records, and the token never reaching the upstream.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestGateway, type TestGateway } from "@mcp-gateway/runtime/testing";
import { decodeProtectedHeader } from "jose";
import { SERVICE_CLIENT, startOidcServer, type OidcServer } from "../../packages/plugin-auth-oauth/test/helpers/oidc-provider.ts";
import { startRawUpstream, type RawUpstream } from "../fixtures/raw-upstream.ts";

const RESOURCE = "https://gw.e2e.test/mcp";
const LIST = { jsonrpc: "2.0", id: 1, method: "tools/list", params: {} };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("auth-oauth with oidc-provider: key rotation", () => {
  let oidc: OidcServer;
  let gateway: TestGateway;
  before(async () => {
    oidc = await startOidcServer();
    gateway = await startTestGateway({ config: { plugins: [["auth-oauth", { issuer: oidc.issuer, resource: RESOURCE, jwksCooldownS: 1 }]] } });
  });
  after(async () => {
    await gateway?.close();
    await oidc?.close();
  });

  it("accepts tokens signed with the new key after the authorization server rotates, without a restart", async () => {
    const before = await oidc.clientCredentialsToken(RESOURCE);
    assert.equal((await gateway.post(LIST, bearer(before))).status, 200);
    const oldKid = oidc.signingKid;
    const jwksFetches = oidc.fetches["/jwks"] ?? 0;

    await oidc.rotateKeys();
    const after = await oidc.clientCredentialsToken(RESOURCE);
    assert.notEqual(decodeProtectedHeader(after).kid, oldKid);
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // the gateway's jwksCooldownS
    const response = await gateway.post(LIST, bearer(after));
    assert.equal(response.status, 200, response.text);
    assert.equal((oidc.fetches["/jwks"] ?? 0) - jwksFetches, 1, "one JWKS reload for the new kid");
    assert.equal((await gateway.post(LIST, bearer(before))).status, 200, "a token verified before stays accepted until its exp (cached)");
  });

  it("refuses a token signed with a key the authorization server no longer publishes", async () => {
    const token = await oidc.clientCredentialsToken(RESOURCE);
    await oidc.rotateKeys(); // the key of `token` is gone from the JWKS
    const fresh = await startTestGateway({ config: { plugins: [["auth-oauth", { issuer: oidc.issuer, resource: RESOURCE, jwksCooldownS: 1 }]] } });
    try {
      const response = await fresh.post(LIST, bearer(token));
      assert.equal(response.status, 401);
      assert.match((response.body as { error: { message: string } }).error.message, /unknown key/);
    } finally {
      await fresh.close();
    }
  });
});

describe("auth-oauth with oidc-provider: opaque tokens by introspection", () => {
  let oidc: OidcServer;
  let gateway: TestGateway;
  before(async () => {
    oidc = await startOidcServer({ accessTokenFormat: "opaque" });
    gateway = await startTestGateway({
      config: {
        plugins: [["auth-oauth", { issuer: oidc.issuer, resource: RESOURCE, requiredScopes: ["mcp:tools"], introspection: { clientId: SERVICE_CLIENT.id, clientSecret: SERVICE_CLIENT.secret } }]],
      },
    });
  });
  after(async () => {
    await gateway?.close();
    await oidc?.close();
  });

  it("accepts an opaque token for this resource, found active at the discovered introspection endpoint", async () => {
    const token = await oidc.clientCredentialsToken(RESOURCE);
    assert.equal(token.split(".").length, 1, "opaque");
    const response = await gateway.post(LIST, bearer(token));
    assert.equal(response.status, 200, response.text);
    assert.equal(oidc.fetches["/token/introspection"], 1);
  });

  it("refuses an opaque token issued for another resource, and one without the required scope", async () => {
    assert.equal((await gateway.post(LIST, bearer(await oidc.clientCredentialsToken("https://other.e2e.test/mcp")))).status, 401);
    assert.equal((await gateway.post(LIST, bearer(await oidc.clientCredentialsToken(RESOURCE, "mcp:admin")))).status, 403);
    assert.equal((await gateway.post(LIST, bearer("not-a-token-the-server-issued"))).status, 401);
  });
});

describe("auth-oauth with oidc-provider: the subject downstream, the token never upstream", () => {
  let oidc: OidcServer;
  let upstream: RawUpstream;
  let gateway: TestGateway;
  before(async () => {
    oidc = await startOidcServer({ extraClaims: { org_id: "acme" } });
    upstream = await startRawUpstream();
    gateway = await startTestGateway({
      config: {
        upstreams: [{ name: "raw", url: upstream.url }],
        plugins: [["auth-oauth", { issuer: oidc.issuer, resource: RESOURCE, subject: { tenant: "org_id" } }], ["audit", { environments: ["*"] }]],
      },
    });
  });
  after(async () => {
    await gateway?.close();
    await upstream?.close();
    await oidc?.close();
  });

  it("audits the token's tenant, client and subject, and forwards no credential", async () => {
    const token = await oidc.clientCredentialsToken(RESOURCE);
    const response = await gateway.post(LIST, { ...bearer(token), "x-api-key": "also-not-forwarded", cookie: "session=secret" });
    assert.equal(response.status, 200, response.text);
    const record = gateway.logs.find((line) => line.msg === "audit");
    assert.equal(record?.tenant, "acme");
    assert.equal(record?.client, SERVICE_CLIENT.id);
    assert.equal(record?.apiKeyId, SERVICE_CLIENT.id, "the token's sub (a client_credentials token's sub is its client)");
    const received = upstream.exchanges.at(-1)!;
    assert.equal(received.headers.authorization, undefined);
    assert.equal(received.headers["x-api-key"], undefined);
    assert.equal(received.headers.cookie, undefined);
    assert.ok(!JSON.stringify({ headers: received.headers, body: received.body }).includes(token));
    assert.ok(!JSON.stringify(gateway.logs).includes(token), "nor is it logged");
  });
});
