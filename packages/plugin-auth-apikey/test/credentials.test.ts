import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AmbiguousCredential, createCredentialReader } from "../src/credentials.js";

describe("credential reader", () => {
  const defaults = createCredentialReader(["Bearer", "Api-Key"], ["x-api-key", "api-key"]);

  it("reads the sectioned format's four styles", () => {
    assert.deepEqual(defaults.read({ authorization: "Bearer k1" }), { key: "k1", source: "authorization:Bearer", scheme: "Bearer" });
    assert.deepEqual(defaults.read({ authorization: "Api-Key k2" }), { key: "k2", source: "authorization:Api-Key", scheme: "Api-Key" });
    assert.deepEqual(defaults.read({ "x-api-key": "k3" }), { key: "k3", source: "x-api-key" });
    assert.deepEqual(defaults.read({ "api-key": "k4" }), { key: "k4", source: "api-key" });
  });

  it("compares the scheme case-insensitively and trims surrounding spaces", () => {
    assert.equal(defaults.read({ authorization: "bearer   k1  " })?.key, "k1");
    assert.equal(defaults.read({ authorization: "API-KEY k2" })?.key, "k2");
  });

  it("finds no credential when nothing of its kind is present", () => {
    assert.equal(defaults.read({}), undefined);
    assert.equal(defaults.read({ authorization: "Basic dXNlcjpwYXNz" }), undefined);
  });

  it("takes one key sent in several places, naming the first place", () => {
    assert.deepEqual(defaults.read({ authorization: "Bearer a", "x-api-key": "a", "api-key": "a" }), { key: "a", source: "authorization:Bearer", scheme: "Bearer" });
    assert.equal(defaults.read({ authorization: "Basic zzz", "x-api-key": "b" })?.source, "x-api-key");
    assert.equal(defaults.read({ "api-key": "c" })?.source, "api-key");
  });

  it("refuses different keys in different places, and a key header sent twice", () => {
    // Regression (issue 14): a valid key and a wrong one were accepted, the first one winning.
    assert.throws(() => defaults.read({ authorization: "Bearer a", "x-api-key": "b" }), AmbiguousCredential);
    assert.throws(() => defaults.read({ "x-api-key": "a", "api-key": "b" }), /x-api-key and api-key differ/);
    assert.throws(() => defaults.read({ "x-api-key": "a, b" }, ["X-API-Key", "a", "x-api-key", "b"]), /x-api-key header given more than once/);
    assert.equal(defaults.read({ "x-api-key": "a, b" }, ["X-API-Key", "a, b"])?.key, "a, b", "one header whose value has a comma is one key");
  });

  it("reports an empty credential as present, so it is rejected rather than skipped", () => {
    assert.deepEqual(defaults.read({ authorization: "Bearer" }), { key: "", source: "authorization:Bearer", scheme: "Bearer" });
    assert.deepEqual(defaults.read({ "x-api-key": "" }), { key: "", source: "x-api-key" });
  });

  it("leaves Authorization: Bearer to another auth plugin when Bearer is not among its schemes", () => {
    const apiKeyOnly = createCredentialReader(["Api-Key"], []);
    assert.equal(apiKeyOnly.read({ authorization: "Bearer eyJhbGciOi.jwt" }), undefined);
    assert.equal(apiKeyOnly.read({ authorization: "Api-Key k" })?.key, "k");
    assert.equal(apiKeyOnly.read({ "x-api-key": "k" }), undefined);
  });
});
