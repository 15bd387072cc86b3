/**
 * auth-oauth next to auth-apikey, the auth contract of docs/plugins.md: a Bearer credential one
 * plugin does not accept is left to the other, so an API key and an access token both work as
 * `Authorization: Bearer …`, whichever plugin the config lists first.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import authApiKey from "@mcp-gateway/plugin-auth-apikey";
import { startTestGateway, type TestGateway } from "@mcp-gateway/runtime/testing";
import authOAuth from "../src/index.js";
import { LIST, subjectProbe, type ErrorBody } from "./helpers/probe.ts";
import { startTestIssuer, type TestIssuer } from "./helpers/test-issuer.ts";

const RESOURCE = "https://gw.test/mcp";
const METADATA = 'Bearer resource_metadata="https://gw.test/.well-known/oauth-protected-resource/mcp"';
const API_KEYS = [{ id: "ci-key", key: "dev_key_1", tenant: "acme", client: "ci" }];

for (const order of ["oauth first", "apikey first"] as const) {
  describe(`auth-oauth and auth-apikey together (${order})`, () => {
    let issuer: TestIssuer;
    let gw: TestGateway;
    const probe = subjectProbe();
    before(async () => {
      issuer = await startTestIssuer();
      const oauth = { plugin: authOAuth, options: { issuer: issuer.issuer, resource: RESOURCE } };
      const apikey = { plugin: authApiKey, options: { apiKeys: API_KEYS } };
      gw = await startTestGateway({ plugins: [...(order === "oauth first" ? [oauth, apikey] : [apikey, oauth]), { plugin: probe.plugin }] });
    });
    after(async () => {
      await gw?.close();
      await issuer?.close();
    });

    it("accepts an API key sent as a Bearer token", async () => {
      probe.seen.length = 0;
      const response = await gw.post(LIST, { authorization: "Bearer dev_key_1" });
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(probe.seen, [{ tenant: "acme", client: "ci", id: "ci-key", claims: { apiKeyId: "ci-key" } }]);
    });

    it("accepts an access token sent as a Bearer token", async () => {
      probe.seen.length = 0;
      const token = await issuer.sign({ aud: RESOURCE, sub: "user-1", azp: "cli", scope: "mcp:tools" });
      const response = await gw.post(LIST, { authorization: `Bearer ${token}` });
      assert.equal(response.status, 200, response.text);
      assert.equal(probe.seen[0]?.client, "cli");
      assert.equal(probe.seen[0]?.id, "user-1");
    });

    it("accepts an API key in X-API-Key", async () => {
      assert.equal((await gw.post(LIST, { "x-api-key": "dev_key_1" })).status, 200);
    });

    it("answers a credential neither accepts with 401, the resource_metadata challenge first, and both reasons", async () => {
      for (const credential of ["Bearer wrong-key", `Bearer ${await issuer.sign({ aud: "https://other.test/mcp", sub: "u", azp: "c" })}`]) {
        const response = await gw.post(LIST, { authorization: credential });
        assert.equal(response.status, 401);
        const challenge = response.headers.get("www-authenticate") ?? "";
        assert.ok(challenge.startsWith(`${METADATA}, error="invalid_token"`), challenge);
        assert.match(challenge, /Bearer realm="mcp-gateway", error="invalid_token"/);
        assert.match(challenge, /Api-Key realm="mcp-gateway"/);
        const message = (response.body as ErrorBody).error.message;
        assert.match(message, /invalid API key/);
        assert.match(message, /not a JWT access token|issued for another resource/);
      }
    });

    it("answers no credential with 401 whose first challenge names resource_metadata", async () => {
      const response = await gw.post(LIST);
      assert.equal(response.status, 401);
      assert.ok((response.headers.get("www-authenticate") ?? "").startsWith(METADATA));
    });
  });
}
