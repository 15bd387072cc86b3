import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { canonicalString, signatureOf, signRequest } from "../src/signature.js";

const SECRET = "0123456789abcdef0123456789abcdef";
const BODY = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}';
// Pinned with openssl, so a refactor cannot change what clients must send:
//   printf %s "1700000000.POST./mcp.$(printf %s "$BODY" | openssl dgst -sha256 -hex | cut -d' ' -f2)" | openssl dgst -sha256 -hmac "$SECRET"
const BODY_SHA256 = "b9e9dd030c7c21f7951be2c67c4f74cf2ef76960e7355887b6afa33c074df553";
const EXPECTED = "v1=06222d875a40f72b2ec44350e4a2703f7683f86fe0456526e4eed71f62bbd3bf";

describe("request signatures", () => {
  it("sign timestamp.METHOD.path.sha256hex(body)", () => {
    assert.equal(canonicalString({ timestamp: "1700000000", method: "post", path: "/mcp", body: BODY }), `1700000000.POST./mcp.${BODY_SHA256}`);
  });

  it("match the openssl reference value, for a string body and for its bytes", () => {
    const parts = { timestamp: "1700000000", method: "POST", path: "/mcp" };
    assert.equal(signatureOf(SECRET, { ...parts, body: BODY }), EXPECTED);
    assert.equal(signatureOf(SECRET, { ...parts, body: Buffer.from(BODY) }), EXPECTED);
  });

  it("sign an absent body as the digest of the empty string (GET, DELETE)", () => {
    assert.equal(
      canonicalString({ timestamp: "1", method: "GET", path: "/mcp", body: undefined }),
      "1.GET./mcp.e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
  });

  it("signRequest gives the three headers a client sends", () => {
    const headers = signRequest({ clientId: "ci", secret: SECRET, method: "POST", path: "/mcp", body: BODY, timestamp: 1700000000 });
    assert.deepEqual(headers, { "X-Client-Id": "ci", "X-Timestamp": "1700000000", "X-Signature": EXPECTED });
  });

  it("signRequest stamps the current Unix second when no timestamp is given", () => {
    const before = Math.floor(Date.now() / 1000);
    const stamped = Number(signRequest({ clientId: "ci", secret: SECRET, method: "POST", path: "/mcp" })["X-Timestamp"]);
    assert.ok(stamped >= before && stamped <= Math.floor(Date.now() / 1000));
  });
});
