import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { errors, type FlattenedJWSInput } from "jose";
import { createKeySet, KeysUnavailable } from "../src/jwks.js";
import { signingKey, type SigningKey } from "./helpers/test-issuer.ts";

const TOKEN = { payload: "", signature: "" } as FlattenedJWSInput;
const header = (key: SigningKey) => ({ alg: key.alg, kid: key.kid });

/** A loader over a mutable key list, counting loads; `failing` makes it reject. */
function fakeServer(keys: SigningKey[]) {
  const state = { loads: 0, failing: false, keys };
  return {
    state,
    load: async () => {
      state.loads++;
      if (state.failing) throw new Error("connect ECONNREFUSED");
      return { keys: state.keys.map((key) => key.publicJwk) };
    },
  };
}

describe("the key set", () => {
  it("loads once for many concurrent first requests", async () => {
    const key = await signingKey();
    const server = fakeServer([key]);
    const keys = createKeySet({ load: server.load, cooldownMs: 30_000, maxAgeMs: 600_000 });
    await Promise.all(Array.from({ length: 20 }, () => keys.getKey(header(key), TOKEN)));
    assert.equal(server.state.loads, 1);
    assert.equal(keys.status().keys, 1);
  });

  it("reloads for an unknown kid at most once per cooldown, and finds a rotated key", async () => {
    let now = 0;
    const old = await signingKey();
    const server = fakeServer([old]);
    const keys = createKeySet({ load: server.load, cooldownMs: 30_000, maxAgeMs: 600_000, now: () => now });
    await keys.getKey(header(old), TOKEN);
    now = 60_000;
    const forged = { alg: "ES256", kid: "made-up" };
    await assert.rejects(keys.getKey(forged, TOKEN), errors.JWKSNoMatchingKey);
    for (let attempt = 0; attempt < 50; attempt++) await assert.rejects(keys.getKey({ ...forged, kid: `made-up-${attempt}` }, TOKEN), errors.JWKSNoMatchingKey);
    assert.equal(server.state.loads, 2, "one load for the first, then the cooldown holds");
    const rotated = await signingKey();
    server.state.keys = [rotated, old];
    await assert.rejects(keys.getKey(header(rotated), TOKEN), errors.JWKSNoMatchingKey, "still cooling down");
    now += 30_000;
    assert.ok(await keys.getKey(header(rotated), TOKEN));
    assert.equal(server.state.loads, 3);
  });

  it("keeps serving cached keys while the server is down, and says unavailable for a kid it cannot check", async () => {
    let now = 0;
    const key = await signingKey();
    const server = fakeServer([key]);
    const failures: unknown[] = [];
    const keys = createKeySet({ load: server.load, cooldownMs: 1_000, maxAgeMs: 60_000, now: () => now, onBackgroundError: (err) => failures.push(err) });
    await keys.getKey(header(key), TOKEN);
    server.state.failing = true;
    now = 120_000; // stale: a background reload starts and fails
    assert.ok(await keys.getKey(header(key), TOKEN));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(failures.length, 1);
    assert.ok(await keys.getKey(header(key), TOKEN), "the cached key still verifies");
    now += 5_000;
    await assert.rejects(keys.getKey({ alg: "ES256", kid: "new-one" }, TOKEN), KeysUnavailable);
    assert.match(keys.status().lastError!, /ECONNREFUSED/);
    assert.equal(keys.status().keys, 1);
  });

  it("without keys and with the server down: unavailable at once within the cooldown, no request per token", async () => {
    let now = 0;
    const key = await signingKey();
    const server = fakeServer([key]);
    server.state.failing = true;
    const keys = createKeySet({ load: server.load, cooldownMs: 30_000, maxAgeMs: 600_000, now: () => now });
    for (let attempt = 0; attempt < 10; attempt++) await assert.rejects(keys.getKey(header(key), TOKEN), KeysUnavailable);
    assert.equal(server.state.loads, 1);
    server.state.failing = false;
    now = 30_000;
    assert.ok(await keys.getKey(header(key), TOKEN));
    assert.equal(server.state.loads, 2);
  });

  it("refuses a malformed JWKS document as a failed load", async () => {
    const keys = createKeySet({ load: async () => ({ keys: "nope" }), cooldownMs: 1, maxAgeMs: 60_000 });
    await assert.rejects(keys.getKey({ alg: "ES256", kid: "x" }, TOKEN), /malformed/);
  });
});
