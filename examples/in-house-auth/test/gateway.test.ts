import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { definePlugin, type Subject } from "@mcp-gateway/runtime";
import { startTestGateway, type TestGateway } from "@mcp-gateway/runtime/testing";
import signedRequests, { signRequest } from "../src/index.js";

const SECRET = "ci-secret-0123456789-0123456789-0123";
const OPTIONS = { clients: [{ clientId: "ci", secret: SECRET, tenant: "acme", client: "ci-bot" }], realm: "acme" };

type ErrorBody = { id: unknown; error: { code: number; message: string; data: { code: string; reason: string } } };

let nextId = 1;

/** A tools/list with a fresh id, so every body (and so every signature) differs. */
function message() {
  return { jsonrpc: "2.0", id: nextId++, method: "tools/list", params: {} };
}

/** Signs the exact bytes that will be posted. */
function signedPost(gw: TestGateway, body: unknown, sign: { secret?: string; timestamp?: number } = {}) {
  const text = JSON.stringify(body);
  const headers = signRequest({ clientId: "ci", secret: sign.secret ?? SECRET, method: "POST", path: "/mcp", body: text, ...(sign.timestamp ? { timestamp: sign.timestamp } : {}) });
  return { response: gw.post(text, headers), headers };
}

describe("signed-requests in a gateway", () => {
  let gw: TestGateway;
  const subjects: (Subject | undefined)[] = [];
  const probe = definePlugin({
    name: "subject-probe",
    version: "1.0.0",
    api: "^1",
    setup(gateway) {
      gateway.hooks.authorize.tapPromise(async (ctx) => {
        subjects.push(ctx.subject);
      });
    },
  });

  before(async () => {
    gw = await startTestGateway({ plugins: [{ plugin: signedRequests, options: OPTIONS }, { plugin: probe }] });
  });
  after(() => gw.close());

  it("lets a signed request through with the client's tenant and client as subject", async () => {
    subjects.length = 0;
    const response = await signedPost(gw, message()).response;
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(subjects, [{ tenant: "acme", client: "ci-bot", id: "ci", claims: { clientId: "ci" } }]);
  });

  it("does not forward the signature headers upstream", async () => {
    const requests = gw.upstream!.requests;
    const before = requests.length;
    await signedPost(gw, message()).response;
    const forwarded = requests[before]!.headers;
    assert.equal(forwarded["x-signature"], undefined);
    assert.equal(forwarded["x-client-id"], undefined);
  });

  it("answers an unsigned request 401 with the Signature challenge", async () => {
    const response = await gw.post(message());
    assert.equal(response.status, 401);
    assert.equal(response.headers.get("www-authenticate"), 'Signature realm="acme"');
    assert.equal((response.body as ErrorBody).error.code, -32001);
  });

  it("answers a bad signature 401, -32001, with error=invalid_signature, echoing the id", async () => {
    const body = message();
    const response = await signedPost(gw, body, { secret: "wrong-secret-0123456789-0123456789" }).response;
    assert.equal(response.status, 401);
    assert.equal(response.headers.get("www-authenticate"), 'Signature realm="acme", error="invalid_signature"');
    const error = response.body as ErrorBody;
    assert.equal(error.id, body.id);
    assert.deepEqual([error.error.code, error.error.data.code, error.error.data.reason], [-32001, "MCPGW_ERR_UNAUTHENTICATED", "bad-signature"]);
  });

  it("refuses a request whose body differs from the signed one", async () => {
    const headers = signRequest({ clientId: "ci", secret: SECRET, method: "POST", path: "/mcp", body: JSON.stringify(message()) });
    const response = await gw.post(message(), headers);
    assert.equal(response.status, 401);
    assert.equal((response.body as ErrorBody).error.data.reason, "bad-signature");
  });

  it("refuses a replay of a request it has served", async () => {
    const body = JSON.stringify(message());
    const headers = signRequest({ clientId: "ci", secret: SECRET, method: "POST", path: "/mcp", body });
    assert.equal((await gw.post(body, headers)).status, 200);
    const replay = await gw.post(body, headers);
    assert.equal(replay.status, 401);
    assert.equal((replay.body as ErrorBody).error.data.reason, "replayed");
  });

  it("refuses a signature older than the skew window", async () => {
    const response = await signedPost(gw, message(), { timestamp: Math.floor(Date.now() / 1000) - 301 }).response;
    assert.equal(response.status, 401);
    assert.equal((response.body as ErrorBody).error.message, "Unauthorized: X-Timestamp is outside the allowed clock skew");
  });

  it("answers an unknown client exactly as a bad signature", async () => {
    const text = JSON.stringify(message());
    const headers = signRequest({ clientId: "intruder", secret: SECRET, method: "POST", path: "/mcp", body: text });
    const response = await gw.post(text, headers);
    assert.equal(response.status, 401);
    const error = (response.body as ErrorBody).error;
    assert.deepEqual([error.message, error.data.reason], ["Unauthorized: invalid signature", "bad-signature"]);
  });

  it("never logs the secret or the signature, even at debug level", async () => {
    const debug = await startTestGateway({ config: { logging: { level: "debug" } }, plugins: [{ plugin: signedRequests, options: OPTIONS }] });
    try {
      const good = signedPost(debug, message());
      const bad = signedPost(debug, message(), { secret: "wrong-secret-0123456789-0123456789" });
      assert.deepEqual([(await good.response).status, (await bad.response).status], [200, 401]);
      assert.ok(debug.logs.some((line) => line.msg === "signed request refused" && line.reason === "bad-signature"));
      const logs = JSON.stringify(debug.logs);
      assert.ok(!logs.includes(SECRET));
      for (const { headers } of [good, bad]) assert.ok(!logs.includes(headers["X-Signature"]!.slice(3)));
    } finally {
      await debug.close();
    }
  });
});
