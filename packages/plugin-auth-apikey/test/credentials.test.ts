import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createCredentialReader } from "../src/credentials.js";

describe("credential reader", () => {
  const seed = createCredentialReader(["Bearer", "Api-Key"], ["x-api-key", "api-key"]);

  it("reads the seed's four styles", () => {
    assert.deepEqual(seed.read({ authorization: "Bearer k1" }), { key: "k1", source: "authorization:Bearer", scheme: "Bearer" });
    assert.deepEqual(seed.read({ authorization: "Api-Key k2" }), { key: "k2", source: "authorization:Api-Key", scheme: "Api-Key" });
    assert.deepEqual(seed.read({ "x-api-key": "k3" }), { key: "k3", source: "x-api-key" });
    assert.deepEqual(seed.read({ "api-key": "k4" }), { key: "k4", source: "api-key" });
  });

  it("compares the scheme case-insensitively and trims surrounding spaces", () => {
    assert.equal(seed.read({ authorization: "bearer   k1  " })?.key, "k1");
    assert.equal(seed.read({ authorization: "API-KEY k2" })?.key, "k2");
  });

  it("finds no credential when nothing of its kind is present", () => {
    assert.equal(seed.read({}), undefined);
    assert.equal(seed.read({ authorization: "Basic dXNlcjpwYXNz" }), undefined);
  });

  it("prefers Authorization, then the headers in the configured order", () => {
    assert.equal(seed.read({ authorization: "Bearer a", "x-api-key": "b", "api-key": "c" })?.key, "a");
    assert.equal(seed.read({ authorization: "Basic zzz", "x-api-key": "b", "api-key": "c" })?.key, "b");
    assert.equal(seed.read({ "api-key": "c" })?.source, "api-key");
  });

  it("reports an empty credential as present, so it is rejected rather than skipped", () => {
    assert.deepEqual(seed.read({ authorization: "Bearer" }), { key: "", source: "authorization:Bearer", scheme: "Bearer" });
    assert.deepEqual(seed.read({ "x-api-key": "" }), { key: "", source: "x-api-key" });
  });

  it("leaves Authorization: Bearer to another auth plugin when Bearer is not among its schemes", () => {
    const apiKeyOnly = createCredentialReader(["Api-Key"], []);
    assert.equal(apiKeyOnly.read({ authorization: "Bearer eyJhbGciOi.jwt" }), undefined);
    assert.equal(apiKeyOnly.read({ authorization: "Api-Key k" })?.key, "k");
    assert.equal(apiKeyOnly.read({ "x-api-key": "k" }), undefined);
  });
});
