/** Opaque access tokens checked by RFC 7662 introspection. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestGateway, type TestGateway } from "@mcp-gateway/runtime/testing";
import authOAuth from "../src/index.js";
import { LIST, subjectProbe, type ErrorBody } from "./helpers/probe.ts";
import { startTestIssuer, type TestIssuer } from "./helpers/test-issuer.ts";

const RESOURCE = "https://gw.test/mcp";
const CLIENT = { id: "gateway client", secret: "s3cret:with/odd chars" };
const now = () => Math.floor(Date.now() / 1000);

describe("auth-oauth with introspection", () => {
  let issuer: TestIssuer;
  let gw: TestGateway;
  const probe = subjectProbe();
  const active = (claims: Record<string, unknown> = {}) => ({ active: true, iss: issuer.issuer, aud: RESOURCE, sub: "user-1", client_id: "cli", scope: "mcp:tools", exp: now() + 300, ...claims });

  before(async () => {
    // The test issuer checks Basic credentials encoded as RFC 6749 §2.3.1 says (form-urlencoded first).
    const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, "+");
    issuer = await startTestIssuer({ introspectionClient: { id: encode(CLIENT.id), secret: encode(CLIENT.secret) } });
    gw = await startTestGateway({
      plugins: [
        { plugin: authOAuth, options: { issuer: issuer.issuer, resource: RESOURCE, introspection: { clientId: CLIENT.id, clientSecret: CLIENT.secret } } },
        { plugin: probe.plugin },
      ],
    });
  });
  after(async () => {
    await gw?.close();
    await issuer?.close();
  });

  it("accepts an active opaque token for this resource, with its claims as the subject", async () => {
    issuer.setIntrospection("opaque-good", active());
    probe.seen.length = 0;
    const response = await gw.post(LIST, { authorization: "Bearer opaque-good" });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(probe.seen[0], {
      tenant: issuer.issuer,
      client: "cli",
      id: "user-1",
      claims: { iss: issuer.issuer, aud: RESOURCE, sub: "user-1", client_id: "cli", scope: ["mcp:tools"], exp: active().exp },
    });
  });

  it("asks once per token while the answer is cached", async () => {
    issuer.setIntrospection("opaque-cached", active());
    const before = issuer.fetches["/introspect"] ?? 0;
    for (let attempt = 0; attempt < 3; attempt++) assert.equal((await gw.post(LIST, { authorization: "Bearer opaque-cached" })).status, 200);
    assert.equal((issuer.fetches["/introspect"] ?? 0) - before, 1);
  });

  it("refuses inactive, foreign-audience, foreign-issuer and expired answers", async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["opaque-unknown", { active: false }, /not active/],
      ["opaque-other-aud", active({ aud: "https://other.test/mcp" }), /another resource/],
      ["opaque-no-aud", active({ aud: undefined }), /another resource/],
      ["opaque-other-iss", active({ iss: "https://evil.test" }), /another issuer/],
      ["opaque-expired", active({ exp: now() - 120 }), /expired/],
    ];
    for (const [token, answer, reason] of cases) {
      issuer.setIntrospection(token, answer);
      const response = await gw.post(LIST, { authorization: `Bearer ${token}` });
      assert.equal(response.status, 401, token);
      assert.match((response.body as ErrorBody).error.message, reason, token);
    }
  });

  it("still verifies JWTs locally, never by introspection", async () => {
    const before = issuer.fetches["/introspect"] ?? 0;
    const token = await issuer.sign({ aud: RESOURCE, sub: "u", client_id: "c" });
    assert.equal((await gw.post(LIST, { authorization: `Bearer ${token}` })).status, 200);
    assert.equal(issuer.fetches["/introspect"] ?? 0, before);
  });

  it("answers 503 when the introspection endpoint cannot be reached", async () => {
    const down = await startTestIssuer();
    const gateway = await startTestGateway({
      plugins: [{ plugin: authOAuth, options: { issuer: down.issuer, resource: RESOURCE, timeoutMs: 500, introspection: { clientId: "gw", clientSecret: "x" } } }],
    });
    try {
      await down.setMode("down");
      const response = await gateway.post(LIST, { authorization: "Bearer opaque-anything" });
      assert.equal(response.status, 503);
      assert.equal((response.body as ErrorBody).error.data.code, "OAUTH_ERR_AUTHORIZATION_SERVER_UNAVAILABLE");
    } finally {
      await gateway.close();
      await down.close();
    }
  });
});
