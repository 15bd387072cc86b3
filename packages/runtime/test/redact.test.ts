import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { REDACTED, redactDeep } from "../src/logger.js";

describe("log redaction", () => {
  const keys = new Set(["authorization", "password"]);

  it("replaces matching keys at any depth, case-insensitively", () => {
    const out = redactDeep({ headers: { Authorization: "Bearer k" }, args: [{ nested: { PASSWORD: "p" } }], ok: 1 }, keys);
    assert.deepEqual(out, { headers: { Authorization: REDACTED }, args: [{ nested: { PASSWORD: REDACTED } }], ok: 1 });
  });

  it("returns the same object when nothing matched, so clean lines cost no copy", () => {
    const line = { a: { b: [1, 2] } };
    assert.equal(redactDeep(line, keys), line);
  });
});
