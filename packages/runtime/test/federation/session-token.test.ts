import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { assertSubject, createSessionSealer, parseKey } from "../../src/federation/session-token.js";

const keyA = randomBytes(32).toString("base64");
const keyB = randomBytes(32).toString("hex");
const sub = { tenant: "acme", client: "ide" };
const upstreams = { math: "7d1c0f9e-2b7a-4c55-9a0e-5f1b7c3d9e21", kb: "session-kb-1" };

/** Flips one bit of the decoded token at `index` (negative counts from the end). */
function flipByte(token: string, index: number): string {
  const raw = Buffer.from(token, "base64url");
  const at = index < 0 ? raw.length + index : index;
  raw[at] = raw[at]! ^ 0x01;
  return raw.toString("base64url");
}

describe("federated session tokens", () => {
  it("opens what it sealed: subject, upstream session ids and issue time", () => {
    const sealer = createSessionSealer({ keys: [keyA], now: () => 1_700_000_000_000 });
    const state = sealer.open(sealer.seal({ sub, upstreams }));
    assert.deepEqual(state, { v: 1, sub, upstreams, iat: 1_700_000_000 });
  });

  it("is a base64url string, so it is a valid Mcp-Session-Id (visible ASCII only)", () => {
    const token = createSessionSealer({ keys: [keyA] }).seal({ sub, upstreams });
    assert.match(token, /^[A-Za-z0-9_-]+$/);
  });

  it("uses a fresh IV each time: sealing the same state twice gives different tokens", () => {
    const sealer = createSessionSealer({ keys: [keyA] });
    assert.notEqual(sealer.seal({ sub, upstreams, iat: 1 }), sealer.seal({ sub, upstreams, iat: 1 }));
  });

  it("hides the upstream session ids: none appears in the token or its decoded bytes", () => {
    const token = createSessionSealer({ keys: [keyA] }).seal({ sub, upstreams });
    const raw = Buffer.from(token, "base64url").toString("latin1");
    for (const id of [...Object.values(upstreams), "acme"]) assert.ok(!raw.includes(id) && !token.includes(id), id);
  });

  it("rejects a token with one byte flipped anywhere, as 404 session-not-found, naming the part in `reason`", () => {
    const sealer = createSessionSealer({ keys: [keyA] });
    const token = sealer.seal({ sub, upstreams });
    // Layout: version (1) | key id (4) | IV (12) | tag (16) | ciphertext.
    const cases: [number, string][] = [[0, "malformed"], [1, "unknown-key"], [4, "unknown-key"], [5, "tampered"], [20, "tampered"], [33, "tampered"], [-1, "tampered"]];
    for (const [index, reason] of cases) {
      assert.throws(() => sealer.open(flipByte(token, index)), { reason, status: 404, code: "MCPGW_ERR_SESSION_NOT_FOUND" }, `byte ${index}`);
    }
  });

  it("rejects garbage, truncated and empty tokens as malformed", () => {
    const sealer = createSessionSealer({ keys: [keyA] });
    const token = sealer.seal({ sub, upstreams });
    for (const bad of ["", "not a token!", "abc", token.slice(0, 20)]) {
      assert.throws(() => sealer.open(bad), { reason: "malformed" }, JSON.stringify(bad));
    }
  });

  it("rejects a token sealed under a key it does not hold as unknown-key", () => {
    const token = createSessionSealer({ keys: [keyA] }).seal({ sub, upstreams });
    assert.throws(() => createSessionSealer({ keys: [keyB] }).open(token), { reason: "unknown-key" });
  });

  it("rejects a token sealed for another purpose even under the same key", () => {
    const token = createSessionSealer({ keys: [keyA], purpose: "other" }).seal({ sub, upstreams });
    assert.throws(() => createSessionSealer({ keys: [keyA] }).open(token), { reason: "tampered" });
  });

  it("rotates keys: the first key seals, every listed key still opens", () => {
    const oldToken = createSessionSealer({ keys: [keyA] }).seal({ sub, upstreams });
    const rotated = createSessionSealer({ keys: [keyB, keyA] });
    assert.deepEqual(rotated.open(oldToken).upstreams, upstreams);
    const newToken = rotated.seal({ sub, upstreams });
    assert.deepEqual(createSessionSealer({ keys: [keyB] }).open(newToken).sub, sub);
    assert.throws(() => createSessionSealer({ keys: [keyA] }).open(newToken), { reason: "unknown-key" });
  });

  it("expires a session older than maxAgeMs and one issued beyond the clock skew in the future", () => {
    let now = 1_700_000_000_000;
    const sealer = createSessionSealer({ keys: [keyA], maxAgeMs: 60_000, clockSkewMs: 5_000, now: () => now });
    const token = sealer.seal({ sub, upstreams });
    now += 60_000;
    assert.equal(sealer.open(token).iat, 1_700_000_000);
    now += 1_000;
    assert.throws(() => sealer.open(token), { reason: "expired", status: 404 });
    now = 1_700_000_000_000 - 10_000;
    assert.throws(() => sealer.open(token), { reason: "expired" });
  });

  it("stays far below 8 KiB with ten upstreams with long names and long session ids", () => {
    const many = Object.fromEntries(
      Array.from({ length: 10 }, (_, index) => [`upstream-with-a-long-name-${index}`, randomBytes(48).toString("hex")]),
    );
    const token = createSessionSealer({ keys: [keyA] }).seal({ sub: { tenant: "t".repeat(64), client: "c".repeat(64) }, upstreams: many });
    assert.ok(token.length < 4096, `token is ${token.length} bytes`);
  });

  it("accepts 32-byte keys as base64, base64url or hex, and refuses any other length at startup", () => {
    const bytes = randomBytes(32);
    for (const text of [bytes.toString("base64"), bytes.toString("base64url"), bytes.toString("hex"), bytes.toString("hex").toUpperCase()]) {
      assert.ok(parseKey(text).equals(bytes), text);
    }
    for (const bad of ["", "short", randomBytes(16).toString("base64"), randomBytes(31).toString("hex"), randomBytes(33).toString("base64")]) {
      assert.throws(() => parseKey(bad), { name: "StartupError", code: "MCPGW_ERR_CONFIG_INVALID" }, bad);
    }
    assert.throws(() => createSessionSealer({ keys: [] }), { code: "MCPGW_ERR_CONFIG_INVALID" });
  });

  it("lets the caller detect a session presented by another subject, answering it as not found", () => {
    const sealer = createSessionSealer({ keys: [keyA] });
    const state = sealer.open(sealer.seal({ sub, upstreams }));
    assert.doesNotThrow(() => assertSubject(state, { tenant: "acme", client: "ide" }));
    assert.throws(() => assertSubject(state, { tenant: "acme", client: "thief" }), { status: 404, code: "MCPGW_ERR_SESSION_NOT_FOUND" });
    assert.throws(() => assertSubject(state, { tenant: "other", client: "ide" }), { status: 404 });
  });
});
