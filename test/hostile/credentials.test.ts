/**
 * Issue 14, "Credentials and sessions": items 5 to 8, against the built CLI.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startLegacyServer, type LegacyServer } from "../fixtures/legacy-server.ts";
import { startRawUpstream, type RawUpstream } from "../fixtures/raw-upstream.ts";
import { connectLegacyClient, firstText } from "../helpers/sdk-clients.ts";
import type { SpawnedGateway } from "../helpers/spawn-gateway.ts";
import { errorCode, logLines, post, rawPost, rpc, workspace, type Workspace } from "./support.ts";

const KEYS = { apiKeys: [{ id: "good", key: "good-key", tenant: "t", client: "c" }] };
const LIST = JSON.stringify(rpc(1, "tools/list"));

describe("hostile: one credential per request (issue 14, item 5)", () => {
  let ws: Workspace;
  let upstream: RawUpstream;
  let gw: SpawnedGateway;
  before(async () => {
    ws = await workspace("creds");
    upstream = await startRawUpstream();
    gw = await ws.start({ server: { port: 0 }, upstreams: [{ name: "u", url: upstream.url }], plugins: [["auth-apikey", KEYS]] });
  });
  after(async () => {
    await ws.close();
    await upstream.close();
  });

  it("refuses two Authorization headers, a valid key first, with 401", async () => {
    const response = await rawPost(gw.url, ["Authorization", "Bearer good-key", "Authorization", "Bearer wrong"], LIST);
    assert.equal(response.status, 401);
    assert.equal(errorCode(response), "MCPGW_ERR_AMBIGUOUS_CREDENTIALS");
    assert.match(response.text, /Authorization header given more than once/);
  });

  it("refuses a key header sent twice, and keys that disagree across headers", async () => {
    for (const headers of [
      ["X-API-Key", "good-key", "X-API-Key", "wrong"],
      ["Authorization", "Bearer good-key", "X-API-Key", "wrong"],
      ["Api-Key", "wrong", "X-API-Key", "good-key"],
    ]) {
      const response = await rawPost(gw.url, headers, LIST);
      assert.equal(response.status, 401, headers.join(" "));
      assert.equal(errorCode(response), "MCPGW_ERR_AMBIGUOUS_CREDENTIALS");
    }
  });

  it("accepts one key, and the same key given in two headers", async () => {
    assert.equal((await rawPost(gw.url, ["Authorization", "Bearer good-key"], LIST)).status, 200);
    assert.equal((await rawPost(gw.url, ["Authorization", "Bearer good-key", "X-API-Key", "good-key"], LIST)).status, 200);
  });
});

describe("hostile: credentials listed in upstreamHeaders.forward (issue 14, item 6)", () => {
  it("starts, warns once naming them, and never forwards them", async () => {
    const ws = await workspace("forward");
    const upstream = await startRawUpstream();
    try {
      const gw = await ws.start({
        server: { port: 0 },
        upstreams: [{ name: "u", url: upstream.url }],
        upstreamHeaders: { forward: ["accept", "content-type", "Authorization", "X-API-Key", "x-trace"] },
        plugins: [["auth-apikey", KEYS]],
      });
      const warnings = logLines(gw, (line) => String(line.msg).includes("never forwarded"));
      assert.equal(warnings.length, 1);
      assert.deepEqual(warnings[0]!.headers, ["Authorization", "X-API-Key"]);
      const response = await post(gw.url, rpc(1, "tools/list"), { authorization: "Bearer good-key", "x-trace": "t1" });
      assert.equal(response.status, 200);
      const [exchange] = upstream.exchanges;
      assert.equal(exchange!.headers.authorization, undefined);
      assert.equal(exchange!.headers["x-api-key"], undefined);
      assert.equal(exchange!.headers["x-trace"], "t1");
    } finally {
      await ws.close();
      await upstream.close();
    }
  });
});

describe("hostile: routes to several session-based upstreams without a federation section (issue 14, item 7)", () => {
  let ws: Workspace;
  let math: LegacyServer;
  let kb: LegacyServer;
  let gw: SpawnedGateway;
  before(async () => {
    ws = await workspace("sessions");
    math = await startLegacyServer();
    kb = await startLegacyServer();
    gw = await ws.start({
      server: { port: 0 },
      upstreams: [
        { name: "math", url: math.url },
        { name: "kb", url: kb.url },
      ],
      routing: [
        { match: { method: "tools/call", tool: "add" }, upstream: "math" },
        { match: { method: "*" }, upstream: "kb" },
      ],
      audit: { enabled: false },
    });
  });
  after(async () => {
    await ws.close();
    await math.close();
    await kb.close();
  });

  it("serves one client session on both: each call reaches its routed upstream under that upstream's session", async () => {
    const client = await connectLegacyClient(gw.url);
    try {
      assert.equal(firstText(await client.client.callTool({ name: "add", arguments: { a: 2, b: 3 } })), "5");
      assert.equal(firstText(await client.client.callTool({ name: "echo", arguments: { message: "hi" } })), "hi");
      assert.equal(math.issuedSessions.length, 1);
      assert.equal(kb.issuedSessions.length, 1);
      const served = (server: LegacyServer, tool: string) => server.requests.filter((request) => request.body.includes(`"name":"${tool}"`));
      assert.equal(served(math, "add")[0]?.headers["mcp-session-id"], math.issuedSessions[0]);
      assert.equal(served(kb, "echo")[0]?.headers["mcp-session-id"], kb.issuedSessions[0]);
      assert.equal(served(math, "echo").length + served(kb, "add").length, 0, "the rules decided");
    } finally {
      await client.close();
    }
  });

  it("logs once that sessions will not survive a restart until federation.sessionKeys is set", () => {
    const lines = logLines(gw, (line) => String(line.msg).includes("federation.sessionKeys"));
    assert.equal(lines.length, 1);
    assert.match(String(lines[0]!.msg), /will not survive a restart or span replicas/);
  });
});

describe("hostile: a missing Origin when requireOrigin is set (issue 14, item 8)", () => {
  it("answers 400 for a missing Origin and 403 for a foreign one", async () => {
    const ws = await workspace("origin");
    const upstream = await startRawUpstream();
    try {
      const gw = await ws.start({ server: { port: 0, requireOrigin: true, allowedOrigins: ["http://ok.example"] }, upstreams: [{ name: "u", url: upstream.url }] });
      const missing = await post(gw.url, rpc(1, "tools/list"));
      assert.equal(missing.status, 400);
      assert.equal(errorCode(missing), "MCPGW_ERR_ORIGIN_REQUIRED");
      const foreign = await post(gw.url, rpc(2, "tools/list"), { origin: "http://evil.example" });
      assert.equal(foreign.status, 403);
      assert.equal((await post(gw.url, rpc(3, "tools/list"), { origin: "http://ok.example" })).status, 200);
      assert.equal(upstream.exchanges.length, 1);
    } finally {
      await ws.close();
      await upstream.close();
    }
  });
});
