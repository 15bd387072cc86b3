import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { optionsSchema } from "../src/options.js";

const BASE = { issuer: "https://login.example.com", resource: "https://gw.example.com/mcp" };

function issueOf(input: unknown): { path: PropertyKey[]; message: string } | undefined {
  const result = optionsSchema.safeParse(input);
  return result.success ? undefined : { path: result.error.issues[0]!.path, message: result.error.issues[0]!.message };
}

describe("auth-oauth options", () => {
  it("need only issuer and resource, with the defaults documented", () => {
    const options = optionsSchema.parse(BASE);
    assert.equal(options.audience, undefined);
    assert.deepEqual(options.requiredScopes, []);
    assert.deepEqual(options.algorithms, ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"]);
    assert.equal(options.clockToleranceS, 30);
    assert.equal(options.jwksCooldownS, 30);
    assert.equal(options.cacheMaxEntries, 10000);
    assert.deepEqual(options.subject, { client: ["client_id", "azp"], id: "sub" });
  });

  it("accept the issue's full example", () => {
    const options = optionsSchema.parse({
      ...BASE,
      audience: ["https://gw.example.com/mcp"],
      scopesSupported: ["mcp:tools", "mcp:admin"],
      requiredScopes: ["mcp:tools"],
      jwksUri: "https://login.example.com/jwks",
      algorithms: ["RS256", "ES256", "EdDSA"],
      clockToleranceS: 30,
      introspection: { endpoint: "https://login.example.com/introspect", clientId: "gw", clientSecret: "s3cret" },
      subject: { tenant: "org_id", client: "azp" },
    });
    assert.equal(options.introspection?.cacheTtlS, 60);
    assert.deepEqual(options.subject, { tenant: "org_id", client: "azp", id: "sub" });
  });

  it("refuse symmetric and unsecured algorithms", () => {
    for (const alg of ["HS256", "none", "hs256"]) assert.deepEqual(issueOf({ ...BASE, algorithms: [alg] })?.path, ["algorithms", 0], alg);
  });

  it("refuse plain http except on loopback", () => {
    assert.match(issueOf({ ...BASE, issuer: "http://login.example.com" })!.message, /https: URL/);
    assert.equal(issueOf({ ...BASE, issuer: "http://127.0.0.1:9999", resource: "http://localhost:8080/mcp" }), undefined);
    assert.deepEqual(issueOf({ ...BASE, jwksUri: "http://keys.example.com/jwks" })?.path, ["jwksUri"]);
  });

  it("refuse a resource with a fragment or a query, and a missing issuer", () => {
    assert.match(issueOf({ ...BASE, resource: "https://gw.example.com/mcp#x" })!.message, /fragment/);
    assert.match(issueOf({ ...BASE, resource: "https://gw.example.com/mcp?a=1" })!.message, /query/);
    assert.deepEqual(issueOf({ resource: BASE.resource })?.path, ["issuer"]);
  });

  it("refuse scopes with spaces or quotes, unknown keys and an empty audience", () => {
    assert.deepEqual(issueOf({ ...BASE, requiredScopes: ["mcp tools"] })?.path, ["requiredScopes", 0]);
    assert.deepEqual(issueOf({ ...BASE, scopesSupported: ['a"b'] })?.path, ["scopesSupported", 0]);
    assert.deepEqual(issueOf({ ...BASE, audiences: ["x"] })?.path, []);
    assert.deepEqual(issueOf({ ...BASE, audience: [] })?.path, ["audience"]);
    assert.deepEqual(issueOf({ ...BASE, introspection: { clientId: "gw" } })?.path, ["introspection", "clientSecret"]);
  });
});
