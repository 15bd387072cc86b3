import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { optionsSchema } from "../src/options.js";

const HASH = `sha256:${"ab".repeat(32)}`;

/** `path: message` of every issue, paths written as in config errors. */
function issues(options: unknown): string[] {
  const result = optionsSchema.safeParse(options);
  assert.equal(result.success, false, "options were accepted");
  return result.error!.issues.map((issue) => `${issue.path.map((key) => (typeof key === "number" ? `[${key}]` : `.${String(key)}`)).join("").slice(1)}: ${issue.message}`);
}

describe("auth-apikey options", () => {
  it("accept the sectioned format's auth section without its mode, with the four header styles on by default", () => {
    const options = optionsSchema.parse({ apiKeys: [{ id: "local-dev-key", key: "dev_key_1", tenant: "client", client: "local-dev" }] });
    assert.deepEqual(options.schemes, ["Bearer", "Api-Key"]);
    assert.deepEqual(options.headers, ["x-api-key", "api-key"]);
    assert.equal(options.realm, "mcp-gateway");
  });

  it("accept a keyHash in upper- or lower-case hex", () => {
    assert.ok(optionsSchema.safeParse({ apiKeys: [{ keyHash: HASH.toUpperCase().replace("SHA256", "sha256"), tenant: "t", client: "c" }] }).success);
    assert.ok(optionsSchema.safeParse({ apiKeys: [{ keyHash: HASH, tenant: "t", client: "c" }] }).success);
  });

  it("reject a keyHash that is not sha256: and 64 hex digits, naming its path", () => {
    for (const keyHash of ["ab".repeat(32), "sha256:abc", `md5:${"ab".repeat(32)}`, `sha256:${"zz".repeat(32)}`]) {
      const [issue] = issues({ apiKeys: [{ id: "a", key: "k", tenant: "t", client: "c" }, { keyHash, tenant: "t", client: "c" }] });
      assert.match(issue!, /^apiKeys\[1\]\.keyHash: expected "sha256:" followed by 64 hex digits/);
    }
  });

  it("reject an entry with both key and keyHash, or neither", () => {
    assert.deepEqual(issues({ apiKeys: [{ key: "k", keyHash: HASH, tenant: "t", client: "c" }] }), ["apiKeys[0]: give either key or keyHash, not both"]);
    assert.deepEqual(issues({ apiKeys: [{ tenant: "t", client: "c" }] }), ["apiKeys[0]: needs key or keyHash"]);
  });

  it("reject duplicate ids, naming the second one", () => {
    const found = issues({ apiKeys: [{ id: "same", key: "k1", tenant: "t", client: "c" }, { id: "same", key: "k2", tenant: "t", client: "c" }] });
    assert.deepEqual(found, ['apiKeys[1].id: duplicate id "same" (first used by apiKeys[0])']);
  });

  it("reject the same key configured twice, as a key and as its hash", () => {
    const found = issues({
      apiKeys: [
        { key: "abc", tenant: "t", client: "one" },
        { keyHash: "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", tenant: "t", client: "two" },
      ],
    });
    assert.deepEqual(found, ["apiKeys[1]: same key as apiKeys[0]: a key must identify one caller"]);
  });

  it("reject missing tenant or client, unknown fields and an empty key list", () => {
    assert.deepEqual(issues({ apiKeys: [{ key: "k", client: "c" }] }).map((issue) => issue.split(":")[0]), ["apiKeys[0].tenant"]);
    assert.match(issues({ apiKeys: [{ key: "k", tenant: "t", client: "c", keyhash: HASH }] })[0]!, /^apiKeys\[0\]: Unrecognized key/);
    assert.deepEqual(issues({ apiKeys: [] }), ["apiKeys: at least one API key is required"]);
  });
});
