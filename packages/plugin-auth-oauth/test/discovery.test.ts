import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { discoverIssuer, discoveryUrls } from "../src/discovery.js";
import { AuthorizationServerError, requestJson } from "../src/http.js";
import { startTestIssuer, type TestIssuer } from "./helpers/test-issuer.ts";

const fetchImpl = (url: string, init: RequestInit) => fetch(url, init);

describe("authorization server discovery", () => {
  it("tries RFC 8414 first, then OpenID Connect, inserting or appending the issuer's path", () => {
    assert.deepEqual(discoveryUrls("https://login.example.com"), [
      "https://login.example.com/.well-known/oauth-authorization-server",
      "https://login.example.com/.well-known/openid-configuration",
    ]);
    assert.deepEqual(discoveryUrls("https://kc.example.com/realms/acme/"), [
      "https://kc.example.com/.well-known/oauth-authorization-server/realms/acme",
      "https://kc.example.com/.well-known/openid-configuration/realms/acme",
      "https://kc.example.com/realms/acme/.well-known/openid-configuration",
    ]);
  });

  describe("against a server", () => {
    const issuers: TestIssuer[] = [];
    let rfc8414: TestIssuer;
    let oidcWithPath: TestIssuer;
    before(async () => {
      rfc8414 = await startTestIssuer({ discovery: "rfc8414" });
      oidcWithPath = await startTestIssuer({ discovery: "oidc", issuerPath: "/realms/acme" });
      issuers.push(rfc8414, oidcWithPath);
    });
    after(() => Promise.all(issuers.map((issuer) => issuer.close())));

    it("reads jwks_uri and introspection_endpoint from RFC 8414 metadata", async () => {
      const metadata = await discoverIssuer(fetchImpl, rfc8414.issuer, 2000);
      assert.equal(metadata.jwksUri, rfc8414.jwksUri);
      assert.equal(metadata.introspectionEndpoint, rfc8414.introspectionEndpoint);
      assert.match(metadata.source, /oauth-authorization-server$/);
    });

    it("falls back to OpenID Connect discovery for an issuer with a path", async () => {
      const metadata = await discoverIssuer(fetchImpl, oidcWithPath.issuer, 2000);
      assert.equal(metadata.jwksUri, oidcWithPath.jwksUri);
      assert.ok(oidcWithPath.fetches["/.well-known/oauth-authorization-server/realms/acme"], "RFC 8414 was tried first");
    });

    it("refuses metadata naming another issuer", async () => {
      await assert.rejects(discoverIssuer(fetchImpl, `${rfc8414.issuer}/`, 2000), (err: Error) => err instanceof AuthorizationServerError && /describes issuer/.test(err.message));
    });

    it("bounds a server that never answers", async () => {
      const hanging = await startTestIssuer();
      issuers.push(hanging);
      await hanging.setMode("hang");
      const started = Date.now();
      await assert.rejects(requestJson(fetchImpl, hanging.jwksUri, { timeoutMs: 200 }), /no answer within 200 ms/);
      assert.ok(Date.now() - started < 2000);
    });

    it("says what it tried when no document is found", async () => {
      const none = await startTestIssuer({ discovery: "none" });
      issuers.push(none);
      await assert.rejects(discoverIssuer(fetchImpl, none.issuer, 2000), /no authorization server metadata .*oauth-authorization-server → 404.*openid-configuration → 404/);
    });
  });
});
