import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeGatewayId, toGatewayId } from "../../src/federation/request-ids.js";

describe("gateway ids for server→client requests", () => {
  it("gives the same original id from two upstreams two different gateway ids, each decoding to its origin", () => {
    const a = toGatewayId("math", 0);
    const b = toGatewayId("kb", 0);
    assert.notEqual(a, b);
    assert.deepEqual(decodeGatewayId(a), { upstream: "math", originalId: 0 });
    assert.deepEqual(decodeGatewayId(b), { upstream: "kb", originalId: 0 });
  });

  it("keeps string and numeric original ids apart and returns them with their type", () => {
    assert.notEqual(toGatewayId("math", 1), toGatewayId("math", "1"));
    assert.deepEqual(decodeGatewayId(toGatewayId("math", "1")), { upstream: "math", originalId: "1" });
    assert.equal(typeof toGatewayId("math", 1), "string");
  });

  it("is stable, so any instance maps a cancellation of the same request to the same id", () => {
    assert.equal(toGatewayId("kb.search-server", "elicit-42"), toGatewayId("kb.search-server", "elicit-42"));
    assert.deepEqual(decodeGatewayId(toGatewayId("kb.search-server", "elicit-42")), { upstream: "kb.search-server", originalId: "elicit-42" });
  });

  it("decodes nothing from ids the gateway did not mint", () => {
    const forged = `gw.${Buffer.from(JSON.stringify({ upstream: "x" })).toString("base64url")}`;
    for (const id of [undefined, null, 7, "7", "gw.", "gw.!!", "gw.bm90IGpzb24", forged, `gw.${Buffer.from("[1,2]").toString("base64url")}`]) {
      assert.equal(decodeGatewayId(id), undefined, String(id));
    }
  });
});
