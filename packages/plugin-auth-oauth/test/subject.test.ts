import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { claimAt, scopesOf, subjectFor, UnmappableToken } from "../src/subject.js";

const ISSUER = "https://login.example.com";
const DEFAULT = { tenant: undefined, client: ["client_id", "azp"], id: "sub" };

describe("the subject of a token", () => {
  it("finds claims by name, dotted name or dot path", () => {
    const claims = { org: { id: "acme" }, "https://example.com/org": "namespaced", "a.b": "flat" };
    assert.equal(claimAt(claims, "org.id"), "acme");
    assert.equal(claimAt(claims, "https://example.com/org"), "namespaced");
    assert.equal(claimAt(claims, "a.b"), "flat");
    assert.equal(claimAt(claims, "org.missing"), undefined);
    assert.equal(claimAt(claims, "toString"), undefined);
  });

  it("reads scopes from scope (a string) or scp (a string or a list)", () => {
    assert.deepEqual(scopesOf({ scope: "mcp:tools  mcp:admin" }), ["mcp:tools", "mcp:admin"]);
    assert.deepEqual(scopesOf({ scp: "files.read" }), ["files.read"]);
    assert.deepEqual(scopesOf({ scp: ["a", 1, "b"] }), ["a", "b"]);
    assert.deepEqual(scopesOf({}), []);
  });

  it("defaults to tenant = issuer, client = client_id or azp, id = sub, and scope as a list", () => {
    const subject = subjectFor({ iss: ISSUER, sub: "user-1", azp: "cli", scope: "mcp:tools" }, ISSUER, DEFAULT);
    assert.deepEqual(subject, { tenant: ISSUER, client: "cli", id: "user-1", claims: { iss: ISSUER, sub: "user-1", azp: "cli", scope: ["mcp:tools"] } });
    assert.ok(Object.isFrozen(subject) && Object.isFrozen(subject.claims));
    assert.equal(subjectFor({ client_id: "first", azp: "second" }, ISSUER, DEFAULT).client, "first");
  });

  it("maps configured claim paths and refuses a token without them", () => {
    const mapping = { tenant: "org.id", client: ["azp"], id: "oid" };
    assert.deepEqual(subjectFor({ org: { id: "acme" }, azp: "cli", oid: "u1" }, ISSUER, mapping).tenant, "acme");
    assert.throws(() => subjectFor({ azp: "cli" }, ISSUER, mapping), UnmappableToken);
    assert.throws(() => subjectFor({ org: { id: "acme" } }, ISSUER, mapping), /no azp claim/);
    assert.equal(subjectFor({ org: { id: "acme" }, azp: "cli" }, ISSUER, mapping).id, undefined);
  });
});
