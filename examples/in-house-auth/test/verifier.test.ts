import assert from "node:assert/strict";
import type { IncomingHttpHeaders } from "node:http";
import { describe, it } from "node:test";
import { signRequest } from "../src/signature.js";
import { createVerifier, type SignedRequest } from "../src/verifier.js";

const SECRET = "ci-secret-0123456789-0123456789-0123";
const CLIENT = { clientId: "ci", secret: SECRET, tenant: "acme", client: "ci-bot" };
const BODY = Buffer.from('{"jsonrpc":"2.0","id":1,"method":"tools/list"}');
const T0 = 1_700_000_000;

function lowerCase(headers: Record<string, string>): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

/** A request as the gateway sees it, signed at `timestamp` (Unix seconds). */
function signed(timestamp = T0, overrides: Partial<SignedRequest> = {}): SignedRequest {
  const headers = lowerCase(signRequest({ clientId: "ci", secret: SECRET, method: "POST", path: "/mcp", body: BODY, timestamp }));
  return { headers, method: "POST", path: "/mcp", body: BODY, ...overrides };
}

function verifierAt(seconds: { now: number }, replayCacheSize = 100) {
  return createVerifier({ clients: [CLIENT], maxSkewSeconds: 300, replayCacheSize, now: () => seconds.now * 1000 });
}

describe("signed request verifier", () => {
  it("finds no credential of its kind in a request without the three headers", () => {
    const verifier = verifierAt({ now: T0 });
    assert.deepEqual(verifier.verify({ headers: { authorization: "Bearer x" }, method: "POST", path: "/mcp", body: BODY }), { kind: "absent" });
  });

  it("accepts a fresh, correctly signed request and names its client", () => {
    const verdict = verifierAt({ now: T0 + 1 }).verify(signed());
    assert.deepEqual(verdict, { kind: "accepted", client: CLIENT });
  });

  it("refuses a request whose body, path, method or timestamp changed after signing", () => {
    const verifier = verifierAt({ now: T0 });
    const original = signed();
    const tampered: SignedRequest[] = [
      { ...original, body: Buffer.from('{"jsonrpc":"2.0","id":1,"method":"tools/call"}') },
      { ...original, path: "/mcp?x=1" },
      { ...original, method: "DELETE" },
      { ...original, headers: { ...original.headers, "x-timestamp": String(T0 + 1) } },
    ];
    for (const request of tampered) assert.deepEqual(verifier.verify(request), { kind: "refused", reason: "bad-signature", clientId: "ci" });
  });

  it("refuses a signature made with another secret", () => {
    const forged = lowerCase(signRequest({ clientId: "ci", secret: "x".repeat(32), method: "POST", path: "/mcp", body: BODY, timestamp: T0 }));
    assert.equal(verifierAt({ now: T0 }).verify({ headers: forged, method: "POST", path: "/mcp", body: BODY }).kind, "refused");
  });

  it("refuses a client id that is not configured", () => {
    const request = signed();
    request.headers["x-client-id"] = "someone-else";
    assert.deepEqual(verifierAt({ now: T0 }).verify(request), { kind: "refused", reason: "unknown-client", clientId: "someone-else" });
  });

  it("refuses incomplete or malformed signature headers as malformed", () => {
    const verifier = verifierAt({ now: T0 });
    const { headers } = signed();
    const malformed: IncomingHttpHeaders[] = [
      { "x-client-id": "ci" },
      { ...headers, "x-timestamp": undefined },
      { ...headers, "x-timestamp": "2023-11-14T22:13:20Z" },
      { ...headers, "x-signature": String(headers["x-signature"]).replace("v1=", "v2=") },
      { ...headers, "x-signature": String(headers["x-signature"]).slice(0, -2) },
      { ...headers, "x-client-id": ["ci", "ci"] },
    ];
    for (const candidate of malformed) {
      const verdict = verifier.verify({ headers: candidate, method: "POST", path: "/mcp", body: BODY });
      assert.equal(verdict.kind === "refused" && verdict.reason, "malformed", JSON.stringify(candidate));
    }
  });

  it("accepts a timestamp up to maxSkewSeconds away in either direction, and refuses one further", () => {
    const clock = { now: T0 };
    const verifier = verifierAt(clock);
    assert.equal(verifier.verify(signed(T0 - 300)).kind, "accepted");
    assert.equal(verifier.verify(signed(T0 + 300)).kind, "accepted");
    assert.deepEqual(verifier.verify(signed(T0 - 301)), { kind: "refused", reason: "stale", clientId: "ci" });
    assert.deepEqual(verifier.verify(signed(T0 + 301)), { kind: "refused", reason: "stale", clientId: "ci" });
  });

  it("refuses the same signature a second time within the window", () => {
    const verifier = verifierAt({ now: T0 });
    assert.equal(verifier.verify(signed()).kind, "accepted");
    assert.deepEqual(verifier.verify(signed()), { kind: "refused", reason: "replayed", clientId: "ci" });
  });

  it("refuses a replay after the window as stale, though the cache has forgotten it", () => {
    const clock = { now: T0 };
    const verifier = verifierAt(clock, 1);
    assert.equal(verifier.verify(signed()).kind, "accepted");
    clock.now = T0 + 301;
    assert.equal(verifier.verify(signed(T0 + 301)).kind, "accepted", "pushes the first signature out of a one-entry cache");
    assert.deepEqual(verifier.verify(signed()), { kind: "refused", reason: "stale", clientId: "ci" });
  });

  it("does not remember refused signatures, so forged requests cannot block a genuine one", () => {
    const verifier = verifierAt({ now: T0 });
    const genuine = signed();
    const wrongBody = { ...genuine, body: Buffer.from("{}") };
    assert.equal(verifier.verify(wrongBody).kind, "refused");
    assert.equal(verifier.verify(genuine).kind, "accepted");
  });
});
