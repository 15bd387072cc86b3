import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeGatewayId, IdMapper } from "../../src/federation/request-ids.js";

describe("server→client request id remapping", () => {
  it("gives the same original id from two upstreams two different gateway ids, each resolving to its origin", () => {
    const ids = new IdMapper();
    const fromMath = ids.map("math", 0);
    const fromKb = ids.map("kb", 0);
    assert.notEqual(fromMath, fromKb);
    assert.deepEqual(ids.resolve(fromKb), { upstream: "kb", originalId: 0 });
    assert.deepEqual(ids.resolve(fromMath), { upstream: "math", originalId: 0 });
  });

  it("never repeats a gateway id, even when one upstream reuses an original id", () => {
    const ids = new IdMapper();
    const minted = new Set(Array.from({ length: 100 }, () => ids.map("math", "same")));
    assert.equal(minted.size, 100);
  });

  it("keeps string and numeric original ids apart and returns them with their type", () => {
    const ids = new IdMapper();
    const numeric = ids.map("math", 1);
    const text = ids.map("math", "1");
    assert.deepEqual(ids.resolve(numeric), { upstream: "math", originalId: 1 });
    assert.deepEqual(ids.resolve(text), { upstream: "math", originalId: "1" });
  });

  it("resolves an answer exactly once: a replayed answer resolves to nothing", () => {
    const ids = new IdMapper();
    const id = ids.map("math", 7);
    assert.ok(ids.resolve(id));
    assert.equal(ids.resolve(id), undefined);
    assert.equal(ids.size, 0);
  });

  it("resolves unknown, numeric or missing ids to nothing", () => {
    const ids = new IdMapper();
    ids.map("math", 1);
    for (const unknown of ["1", "999.abc", 1, null, undefined]) assert.equal(ids.resolve(unknown), undefined, String(unknown));
  });

  it("remembers at most maxEntries unanswered requests, forgetting the oldest first", () => {
    const ids = new IdMapper({ maxEntries: 2 });
    const first = ids.map("a", 1);
    const second = ids.map("a", 2);
    const third = ids.map("a", 3);
    assert.equal(ids.size, 2);
    assert.equal(ids.resolve(first), undefined);
    assert.deepEqual(ids.resolve(second), { upstream: "a", originalId: 2 });
    assert.deepEqual(ids.resolve(third), { upstream: "a", originalId: 3 });
  });

  it("lets another gateway instance read an id's origin without shared state", () => {
    const id = new IdMapper().map("kb.search-server", "elicit-42");
    assert.deepEqual(decodeGatewayId(id), { upstream: "kb.search-server", originalId: "elicit-42" });
    assert.deepEqual(decodeGatewayId(new IdMapper().map("math", 3)), { upstream: "math", originalId: 3 });
  });

  it("decodes nothing from ids the gateway did not mint", () => {
    const payload = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    for (const id of [5, null, "", "abc", "0." + payload(["a", 1]), "1." + payload(["a"]), "1." + payload([1, 1]), "1." + payload(["a", null]), "1.!!"]) {
      assert.equal(decodeGatewayId(id), undefined, String(id));
    }
  });
});
