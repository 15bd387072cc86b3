import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createKeyStore, sha256Hex } from "../src/key-store.js";

describe("key store", () => {
  const store = createKeyStore([
    { id: "dev", tenant: "client", client: "local-dev", digest: sha256Hex("dev_key_1") },
    { id: undefined, tenant: "acme", client: "ci", digest: sha256Hex("ci_key") },
  ]);

  it("finds the entry of a configured key by its sha256 digest", () => {
    assert.deepEqual(store.find("dev_key_1"), { id: "dev", tenant: "client", client: "local-dev" });
    assert.deepEqual(store.find("ci_key"), { id: undefined, tenant: "acme", client: "ci" });
  });

  it("finds nothing for an unknown key, a prefix of a key, or a key's digest", () => {
    assert.equal(store.find("dev_key_2"), undefined);
    assert.equal(store.find("dev_key_"), undefined);
    assert.equal(store.find(sha256Hex("dev_key_1")), undefined);
    assert.equal(store.find(""), undefined);
  });

  it("hashes like `mcp-gateway hash-key`: sha256 of the UTF-8 key as lower-case hex", () => {
    assert.equal(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert.notEqual(sha256Hex("clé"), sha256Hex("cle"));
  });
});
