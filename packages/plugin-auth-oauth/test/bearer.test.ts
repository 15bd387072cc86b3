import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { looksLikeJwt, readBearer, tokenInQuery } from "../src/bearer.js";

describe("reading the Bearer token", () => {
  it("takes the token of a Bearer header in any case", () => {
    assert.deepEqual(readBearer("Bearer abc.def.ghi"), { kind: "token", token: "abc.def.ghi" });
    assert.deepEqual(readBearer("bearer  abc=="), { kind: "token", token: "abc==" });
    assert.deepEqual(readBearer("BEARER x"), { kind: "token", token: "x" });
  });

  it("leaves other schemes and no header to the other auth plugins", () => {
    assert.equal(readBearer(undefined), undefined);
    assert.equal(readBearer("Api-Key dev_key_1"), undefined);
    assert.equal(readBearer("Basic dXNlcjpwYXNz"), undefined);
    assert.equal(readBearer("Bearerx abc"), undefined);
  });

  it("calls an empty or non-token68 Bearer credential malformed", () => {
    assert.deepEqual(readBearer("Bearer"), { kind: "malformed" });
    assert.deepEqual(readBearer("Bearer "), { kind: "malformed" });
    assert.deepEqual(readBearer("Bearer a b"), { kind: "malformed" });
    assert.deepEqual(readBearer('Bearer "quoted"'), { kind: "malformed" });
  });

  it("finds access_token in the query string only", () => {
    assert.equal(tokenInQuery("/mcp?access_token=abc"), true);
    assert.equal(tokenInQuery("/mcp?x=1&access_token="), true);
    assert.equal(tokenInQuery("/mcp"), false);
    assert.equal(tokenInQuery("/mcp?token=abc"), false);
  });

  it("tells a compact JWS from an opaque token", () => {
    assert.equal(looksLikeJwt("eyJh.eyJz.c2ln"), true);
    assert.equal(looksLikeJwt("eyJh.eyJz."), true, "an unsigned (alg none) JWT is still a JWT, and refused as one");
    assert.equal(looksLikeJwt("dev_key_1"), false);
    assert.equal(looksLikeJwt("a.b.c.d.e"), false);
  });
});
