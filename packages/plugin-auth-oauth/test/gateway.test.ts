/**
 * auth-oauth in a real gateway (node:http, the echo upstream recording what it receives) against
 * a test authorization server whose keys and answers the test controls: metadata, challenges,
 * valid tokens, and every hostile token the issue lists, forged with jose.
 */
import assert from "node:assert/strict";
import { createPublicKey, type JsonWebKey as NodeJsonWebKey } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { base64url, SignJWT, type JWK } from "jose";
import { startTestGateway, type TestGateway } from "@mcp-gateway/runtime/testing";
import authOAuth, { createAuthOAuthPlugin } from "../src/index.js";
import { LIST, subjectProbe, type ErrorBody } from "./helpers/probe.ts";
import { signingKey, startTestIssuer, type TestIssuer } from "./helpers/test-issuer.ts";

const RESOURCE = "https://gw.test/mcp";
const METADATA_URL = "https://gw.test/.well-known/oauth-protected-resource/mcp";
const now = () => Math.floor(Date.now() / 1000);

describe("auth-oauth in a gateway", () => {
  let issuer: TestIssuer;
  let gw: TestGateway;
  const probe = subjectProbe();
  const good = (claims: Record<string, unknown> = {}) => issuer.sign({ aud: RESOURCE, sub: "user-1", client_id: "cli", scope: "mcp:tools", jti: crypto.randomUUID(), ...claims });

  before(async () => {
    issuer = await startTestIssuer();
    gw = await startTestGateway({
      plugins: [
        { plugin: authOAuth, options: { issuer: issuer.issuer, resource: RESOURCE, scopesSupported: ["mcp:tools", "mcp:admin"], requiredScopes: ["mcp:tools"] } },
        { plugin: probe.plugin },
      ],
    });
  });
  after(async () => {
    await gw?.close();
    await issuer?.close();
  });

  describe("protected resource metadata (RFC 9728)", () => {
    for (const path of ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"]) {
      it(`is served at ${path}, public and cross-origin readable`, async () => {
        const response = await fetch(`${gw.baseUrl}${path}`);
        assert.equal(response.status, 200);
        assert.equal(response.headers.get("access-control-allow-origin"), "*");
        assert.match(response.headers.get("content-type") ?? "", /application\/json/);
        assert.deepEqual(await response.json(), {
          resource: RESOURCE,
          authorization_servers: [issuer.issuer],
          scopes_supported: ["mcp:tools", "mcp:admin"],
          bearer_methods_supported: ["header"],
        });
      });
    }
  });

  describe("challenges", () => {
    it("answers a request without a token 401 with resource_metadata and scope, and a JSON-RPC error", async () => {
      const response = await gw.post(LIST);
      assert.equal(response.status, 401);
      assert.equal(response.headers.get("www-authenticate"), `Bearer resource_metadata="${METADATA_URL}", scope="mcp:tools"`);
      const body = response.body as ErrorBody;
      assert.equal(body.id, 7);
      assert.equal(body.error.code, -32001);
      assert.equal(body.error.data.code, "MCPGW_ERR_UNAUTHENTICATED");
    });

    it('adds error="invalid_token" when a token was sent and not accepted', async () => {
      const response = await gw.post(LIST, { authorization: "Bearer not-a-token" });
      assert.equal(response.status, 401);
      assert.equal(response.headers.get("www-authenticate"), `Bearer resource_metadata="${METADATA_URL}", scope="mcp:tools", error="invalid_token"`);
      assert.equal((response.body as ErrorBody).error.message, "Unauthorized: not a JWT access token");
    });

    it("refuses a token in the query string with 400, even a good one", async () => {
      const token = await good();
      const response = await fetch(`${gw.url}?access_token=${token}`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: `Bearer ${token}` },
        body: JSON.stringify(LIST),
      });
      assert.equal(response.status, 400);
      assert.match(response.headers.get("www-authenticate") ?? "", /error="invalid_request"/);
      const body = (await response.json()) as ErrorBody;
      assert.equal(body.error.data.code, "OAUTH_ERR_TOKEN_IN_QUERY");
      assert.equal(body.id, 7);
    });

    it("answers a valid token without a required scope 403 insufficient_scope", async () => {
      const response = await gw.post(LIST, { authorization: `Bearer ${await good({ scope: "mcp:read" })}` });
      assert.equal(response.status, 403);
      assert.equal(response.headers.get("www-authenticate"), `Bearer error="insufficient_scope", scope="mcp:tools", resource_metadata="${METADATA_URL}"`);
      const body = response.body as ErrorBody;
      assert.equal(body.error.code, -32003);
      assert.equal(body.error.data.code, "OAUTH_ERR_INSUFFICIENT_SCOPE");
      assert.deepEqual(body.error.data.requiredScopes, ["mcp:tools"]);
    });
  });

  describe("a valid token", () => {
    it("is accepted; its claims are the subject, and the upstream never sees it", async () => {
      probe.seen.length = 0;
      const before = gw.upstream!.requests.length;
      const token = await good({ scope: "mcp:tools mcp:admin" });
      const response = await gw.post(LIST, { authorization: `Bearer ${token}` });
      assert.equal(response.status, 200, response.text);
      const subject = probe.seen[0]!;
      assert.equal(subject.tenant, issuer.issuer);
      assert.equal(subject.client, "cli");
      assert.equal(subject.id, "user-1");
      assert.deepEqual((subject.claims as { scope: string[] }).scope, ["mcp:tools", "mcp:admin"]);
      assert.equal((subject.claims as { sub: string }).sub, "user-1");
      const forwarded = gw.upstream!.requests.slice(before);
      assert.equal(forwarded.length, 1);
      assert.equal(forwarded[0]!.headers.authorization, undefined);
      assert.ok(!JSON.stringify(forwarded).includes(token), "the token is nowhere in what the upstream received");
    });

    it("within the clock tolerance is accepted; past it is not", async () => {
      assert.equal((await gw.post(LIST, { authorization: `Bearer ${await good({ exp: now() - 10 })}` })).status, 200);
      assert.equal((await gw.post(LIST, { authorization: `Bearer ${await good({ nbf: now() + 10 })}` })).status, 200);
    });

    it("never appears in the logs", async () => {
      const token = await good();
      await gw.post(LIST, { authorization: `Bearer ${token}` });
      await gw.post(LIST, { authorization: `Bearer ${token}x` });
      assert.ok(!JSON.stringify(gw.logs).includes(token.split(".")[2]!));
    });
  });

  describe("hostile tokens are refused with 401 invalid_token", () => {
    const refused = async (token: string, reason: RegExp) => {
      const response = await gw.post(LIST, { authorization: `Bearer ${token}` });
      assert.equal(response.status, 401, response.text);
      assert.match(response.headers.get("www-authenticate") ?? "", /error="invalid_token"/);
      assert.match((response.body as ErrorBody).error.message, reason);
    };

    it("expired", async () => refused(await good({ exp: now() - 120, iat: now() - 400 }), /access token expired/));
    it("not yet valid", async () => refused(await good({ nbf: now() + 120 }), /not yet valid/));
    it("from another issuer", async () => refused(await good({ iss: "https://evil.example.com" }), /another issuer/));
    it("for another resource", async () => refused(await good({ aud: "https://other.example.com/mcp" }), /another resource/));
    it("without exp", async () => refused(await good({ exp: undefined }), /without exp/));

    it("alg none", async () => {
      const encode = (value: unknown) => base64url.encode(JSON.stringify(value));
      const claims = { iss: issuer.issuer, aud: RESOURCE, sub: "user-1", client_id: "cli", scope: "mcp:tools", exp: now() + 300 };
      await refused(`${encode({ alg: "none", typ: "JWT" })}.${encode(claims)}.`, /algorithm not accepted/);
      await refused(`${encode({ alg: "none", kid: issuer.current.kid })}.${encode(claims)}.`, /algorithm not accepted/);
    });

    it("HS256 signed with the authorization server's public key", async () => {
      const jwk = issuer.current.publicJwk;
      const pem = createPublicKey({ key: jwk as NodeJsonWebKey, format: "jwk" }).export({ type: "spki", format: "pem" });
      for (const secret of [Buffer.from(pem), Buffer.from(JSON.stringify(jwk))]) {
        const token = await new SignJWT({ aud: RESOURCE, sub: "user-1", client_id: "cli", scope: "mcp:tools", iss: issuer.issuer, exp: now() + 300 })
          .setProtectedHeader({ alg: "HS256", kid: jwk.kid })
          .sign(secret);
        await refused(token, /algorithm not accepted/);
      }
    });

    it("signed with a key the JWKS does not have (unknown kid)", async () => {
      const stranger = await signingKey("ES256", "forged-kid");
      await refused(await issuer.sign({ aud: RESOURCE, sub: "u", client_id: "cli", scope: "mcp:tools" }, { key: stranger }), /unknown key/);
    });

    it("signed by another key under a known kid", async () => {
      const stranger = await signingKey("ES256", issuer.current.kid);
      await refused(await issuer.sign({ aud: RESOURCE, sub: "u", client_id: "cli", scope: "mcp:tools" }, { key: stranger }), /signature invalid/);
    });

    it("with a tampered payload", async () => {
      const [header, payload, signature] = (await good({ scope: "mcp:tools" })).split(".");
      const claims = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8")) as Record<string, unknown>;
      const escalated = base64url.encode(JSON.stringify({ ...claims, scope: "mcp:tools mcp:admin" }));
      await refused(`${header}.${escalated}.${signature}`, /signature invalid/);
    });

    it("malformed", async () => {
      await refused("bm90IGpzb24.bm90IGpzb24.c2ln", /malformed access token/);
      const response = await gw.post(LIST, { authorization: "Bearer" });
      assert.equal(response.status, 401);
      assert.match((response.body as ErrorBody).error.message, /malformed Bearer credential/);
    });

    it("without the client claim the subject needs", async () => refused(await good({ client_id: undefined }), /no client_id or azp claim/));
  });
});

describe("auth-oauth and the authorization server's keys", () => {
  let issuer: TestIssuer;
  let offsetMs = 0;
  const clock = () => Date.now() + offsetMs;
  /** Claims dated by the gateway's clock, which the tests move forward. */
  const dated = () => ({ iat: Math.floor(clock() / 1000), exp: Math.floor(clock() / 1000) + 300 });
  const token = (claims: Record<string, unknown> = {}) => issuer.sign({ aud: RESOURCE, sub: "user-1", client_id: "cli", jti: crypto.randomUUID(), ...dated(), ...claims });
  const plugin = createAuthOAuthPlugin({ now: clock });
  const start = (options: Record<string, unknown> = {}) => startTestGateway({ plugins: [{ plugin, options: { issuer: issuer.issuer, resource: RESOURCE, ...options } }] });

  before(async () => {
    issuer = await startTestIssuer();
  });
  after(() => issuer?.close());

  it("loads the keys at startup, then picks up a rotation without a restart", async () => {
    const gw = await start();
    try {
      assert.equal(issuer.fetches["/jwks"], 1, "keys loaded by the ready tap");
      assert.equal((await gw.post(LIST, { authorization: `Bearer ${await token()}` })).status, 200);
      await issuer.rotate({ drop: true });
      offsetMs += 31_000; // past the cooldown
      assert.equal((await gw.post(LIST, { authorization: `Bearer ${await token()}` })).status, 200, "a token signed with the new key");
      assert.equal(issuer.fetches["/jwks"], 2);
    } finally {
      await gw.close();
    }
  });

  it("asks the server at most once per cooldown, however many forged key ids arrive", async () => {
    const gw = await start();
    try {
      const before = issuer.fetches["/jwks"] ?? 0;
      offsetMs += 31_000;
      const forged = await Promise.all(Array.from({ length: 25 }, (_, index) => signingKey("ES256", `forged-${index}`)));
      const answers = await Promise.all(forged.map(async (key) => gw.post(LIST, { authorization: `Bearer ${await issuer.sign({ aud: RESOURCE, sub: "u", client_id: "c", ...dated() }, { key })}` })));
      assert.deepEqual(new Set(answers.map((answer) => answer.status)), new Set([401]));
      assert.equal((issuer.fetches["/jwks"] ?? 0) - before, 1);
    } finally {
      await gw.close();
    }
  });

  it("keeps accepting tokens with cached keys while the server is down", async () => {
    const gw = await start();
    try {
      await issuer.setMode("down");
      offsetMs += 3_600_000; // the keys are stale: a background refresh fails, the old keys stay
      for (let attempt = 0; attempt < 3; attempt++) assert.equal((await gw.post(LIST, { authorization: `Bearer ${await token()}` })).status, 200);
      const health = await fetch(`${gw.baseUrl}/health`);
      assert.equal(health.status, 200, "keys are held: the check passes, with the last error");
    } finally {
      await gw.close();
      await issuer.setMode("up");
    }
  });

  it("answers 503 with a clear error, not a hang, when no key is cached and the server is unreachable", async () => {
    await issuer.setMode("down");
    const gw = await start({ timeoutMs: 500 });
    try {
      const started = Date.now();
      const response = await gw.post(LIST, { authorization: `Bearer ${await token()}` });
      assert.equal(response.status, 503);
      const body = response.body as ErrorBody;
      assert.equal(body.error.data.code, "OAUTH_ERR_AUTHORIZATION_SERVER_UNAVAILABLE");
      assert.equal(body.error.code, -32603);
      assert.equal(response.headers.get("retry-after"), "30");
      assert.ok(Date.now() - started < 2_000);
      const health = await fetch(`${gw.baseUrl}/health`);
      assert.equal(health.status, 503);
      const checks = ((await health.json()) as { checks: Record<string, { status: string; error?: string }> }).checks;
      assert.equal(checks["auth-oauth"]?.status, "fail");
      assert.match(checks["auth-oauth"]?.error ?? "", /ECONNREFUSED|fetch failed|connect/);
      assert.equal((await gw.post(LIST)).status, 401, "a request without a token is still a 401");
      for (let attempt = 0; attempt < 5; attempt++) assert.equal((await gw.post(LIST, { authorization: `Bearer ${await token()}` })).status, 503);
      const warnings = gw.logs.filter((line) => String(line.msg).includes("keys cannot be loaded"));
      assert.equal(warnings.length, 1, "one warning per cooldown, not one per request");
    } finally {
      await gw.close();
      await issuer.setMode("up");
    }
  });

  it("bounds an authorization server that accepts and never answers", async () => {
    await issuer.setMode("hang");
    const started = Date.now();
    const gw = await start({ timeoutMs: 300 });
    try {
      const response = await gw.post(LIST, { authorization: `Bearer ${await token()}` });
      assert.equal(response.status, 503);
      assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
    } finally {
      await gw.close();
      await issuer.setMode("up");
    }
  });

  it("uses jwksUri without discovery when given", async () => {
    const before = { ...issuer.fetches };
    const gw = await start({ jwksUri: issuer.jwksUri });
    try {
      assert.equal((await gw.post(LIST, { authorization: `Bearer ${await token()}` })).status, 200);
      assert.equal(issuer.fetches["/.well-known/oauth-authorization-server"], before["/.well-known/oauth-authorization-server"]);
    } finally {
      await gw.close();
    }
  });

  it("verifies RS256, PS256 and EdDSA tokens, and only the algorithms allowed", async () => {
    const keys = await Promise.all(["RS256", "PS256", "EdDSA"].map((alg) => signingKey(alg)));
    const previous = issuer.keys;
    issuer.keys = [...previous, ...keys];
    offsetMs += 31_000;
    const gw = await start({ algorithms: ["RS256", "EdDSA"] });
    try {
      const status = async (index: number) => (await gw.post(LIST, { authorization: `Bearer ${await issuer.sign({ aud: RESOURCE, sub: "u", client_id: "c", ...dated() }, { key: keys[index]! })}` })).status;
      assert.equal(await status(0), 200);
      assert.equal(await status(1), 401, "PS256 is not in this allowlist");
      assert.equal(await status(2), 200);
    } finally {
      await gw.close();
      issuer.keys = previous;
    }
  });
});

describe("auth-oauth refusing a scope", () => {
  it("audits who was refused for a missing required scope", async () => {
    const issuer = await startTestIssuer();
    const { default: audit } = await import("@mcp-gateway/plugin-audit");
    const gw = await startTestGateway({
      plugins: [
        { plugin: authOAuth, options: { issuer: issuer.issuer, resource: RESOURCE, requiredScopes: ["mcp:tools"] } },
        { plugin: audit, options: { environments: ["*"] } },
      ],
    });
    try {
      const token = await issuer.sign({ aud: RESOURCE, sub: "user-9", client_id: "cli", scope: "mcp:read" });
      assert.equal((await gw.post(LIST, { authorization: `Bearer ${token}` })).status, 403);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const record = gw.logs.find((line) => line.msg === "audit");
      assert.equal(record?.client, "cli");
      assert.equal(record?.apiKeyId, "user-9");
      assert.equal(record?.errorCode, "OAUTH_ERR_INSUFFICIENT_SCOPE");
    } finally {
      await gw.close();
      await issuer.close();
    }
  });
});

describe("auth-oauth token cache", () => {
  let issuer: TestIssuer;
  before(async () => {
    issuer = await startTestIssuer();
  });
  after(() => issuer?.close());

  it("pays the signature check once for a reused token, and never past its exp", async () => {
    const { createAuthenticator } = await import("../src/authenticator.js");
    const { optionsSchema } = await import("../src/options.js");
    let offsetMs = 0;
    const authenticator = createAuthenticator(optionsSchema.parse({ issuer: issuer.issuer, resource: RESOURCE, cacheMaxEntries: 2 }), {
      fetch: (url, init) => fetch(url, init),
      now: () => Date.now() + offsetMs,
      warn: () => undefined,
    });
    const token = await issuer.sign({ aud: RESOURCE, sub: "u", client_id: "c", exp: now() + 60 });
    const first = await authenticator.authenticate(token);
    assert.equal(await authenticator.authenticate(token), first, "the same verified entry: no second verification");
    for (let index = 0; index < 5; index++) await authenticator.authenticate(await issuer.sign({ aud: RESOURCE, sub: `u${index}`, client_id: "c" }));
    assert.equal(authenticator.cache.size, 2, "bounded");
    offsetMs = 61_000 + 30_000;
    await assert.rejects(authenticator.authenticate(token), /expired/);
  });

  it("keys the cache by the token's hash", async () => {
    const { tokenKey } = await import("../src/token-cache.js");
    const token = await issuer.sign({ aud: RESOURCE });
    assert.ok(!tokenKey(token).includes(token.slice(0, 20)));
  });
});

describe("auth-oauth with the JWKS as jose exports it", () => {
  it("accepts a JWKS entry without alg or use", async () => {
    const issuer = await startTestIssuer();
    try {
      const bare: JWK = { ...issuer.current.publicJwk };
      delete bare.alg;
      delete bare.use;
      issuer.keys[0]!.publicJwk = bare;
      const gw = await startTestGateway({ plugins: [{ plugin: authOAuth, options: { issuer: issuer.issuer, resource: RESOURCE } }] });
      try {
        const token = await issuer.sign({ aud: RESOURCE, sub: "u", client_id: "c" });
        assert.equal((await gw.post(LIST, { authorization: `Bearer ${token}` })).status, 200);
      } finally {
        await gw.close();
      }
    } finally {
      await issuer.close();
    }
  });
});
