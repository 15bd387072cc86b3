/**
 * Issue 14, "Plugins that misbehave": items 15 to 17, against the built CLI.
 */
import assert from "node:assert/strict";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { startRawUpstream, type RawUpstream } from "../fixtures/raw-upstream.ts";
import { errorCode, logLines, post, rpc, runCli, within, workspace, type ErrorBody, type Workspace } from "./support.ts";

const MISBEHAVING = path.join(path.dirname(fileURLToPath(import.meta.url)), "plugins", "misbehaving.mjs");
const CALL = rpc(1, "tools/call", { name: "echo", arguments: {} });

describe("hostile: a tap that throws something that is not an Error (issue 14, item 15)", () => {
  let ws: Workspace;
  let upstream: RawUpstream;
  before(async () => {
    ws = await workspace("throws");
    upstream = await startRawUpstream();
  });
  after(async () => {
    await ws.close();
    await upstream.close();
  });

  for (const options of [{ throws: "string" }, { throws: "undefined" }, { throws: "null" }, { throws: "frozen" }, { rejects: "string" }, { rejects: "undefined" }]) {
    it(`reports ${JSON.stringify(options)} as MCPGW_ERR_PLUGIN_FAILED naming plugin and hook`, async () => {
      const gw = await ws.start({ server: { port: 0 }, upstreams: [{ name: "u", url: upstream.url }], plugins: [[MISBEHAVING, options]] });
      const response = await post(gw.url, CALL);
      assert.equal(response.status, 500);
      assert.equal(errorCode(response), "MCPGW_ERR_PLUGIN_FAILED");
      assert.equal((response.body as ErrorBody).error.message, 'Plugin "misbehaving" failed in authorize');
      await gw.waitForLog('Plugin "misbehaving" failed in authorize');
      const [line] = logLines(gw, (entry) => entry.msg === 'Plugin "misbehaving" failed in authorize');
      assert.equal(line!.plugin, "misbehaving");
      assert.equal(line!.hook, "authorize");
      await gw.stop();
    });
  }
});

describe("hostile: a tap that never finishes (issue 14, item 16)", () => {
  let ws: Workspace;
  let upstream: RawUpstream;
  before(async () => {
    ws = await workspace("hangs");
    upstream = await startRawUpstream();
  });
  after(async () => {
    await ws.close();
    await upstream.close();
  });

  it("fails the request with 504 MCPGW_ERR_PLUGIN_TIMEOUT naming plugin and hook once server.hookTimeoutMs has passed", async () => {
    const gw = await ws.start({ server: { port: 0, hookTimeoutMs: 500 }, upstreams: [{ name: "u", url: upstream.url }], plugins: [[MISBEHAVING, { hangs: true }]] });
    const started = performance.now();
    const response = await within(post(gw.url, CALL), 5_000, "the hung request is answered");
    const ms = performance.now() - started;
    assert.equal(response.status, 504);
    assert.equal(errorCode(response), "MCPGW_ERR_PLUGIN_TIMEOUT");
    assert.match((response.body as ErrorBody).error.message, /Plugin "misbehaving" did not finish authorize within 500 ms/);
    assert.ok(ms >= 450 && ms < 2_000, `answered after ${ms.toFixed(0)} ms`);
    assert.equal(upstream.exchanges.length, 0, "nothing was forwarded");
    assert.equal((await post(gw.url, rpc(2, "tools/list"))).status, 200, "other requests are served");
  });

  it("lets a tap that declares a longer deadline take longer than hookTimeoutMs", async () => {
    const gw = await ws.start({ server: { port: 0, hookTimeoutMs: 300 }, upstreams: [{ name: "u", url: upstream.url }], plugins: [[MISBEHAVING, { slowMs: 800, declaredTimeoutMs: 5_000 }]] });
    assert.equal((await post(gw.url, CALL)).status, 200);
  });

  it("logs an onResponse tap that never finishes, naming it, without holding the answer", async () => {
    const gw = await ws.start({ server: { port: 0, hookTimeoutMs: 300 }, upstreams: [{ name: "u", url: upstream.url }], plugins: [[MISBEHAVING, { hangsOnResponse: true }]] });
    assert.equal((await post(gw.url, rpc(3, "tools/list"))).status, 200);
    const line = await gw.waitForLog("onResponse tap failed", 3_000);
    assert.equal(line.plugin, "misbehaving");
  });
});

describe("hostile: a port already in use (issue 14, item 17)", () => {
  it("exits non-zero with one line naming the address", async () => {
    const ws = await workspace("port");
    const blocker = createServer();
    try {
      await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
      const { port } = blocker.address() as { port: number };
      const run = await runCli(["start", "-c", await ws.config({ server: { port }, upstreams: [{ name: "u", url: "http://127.0.0.1:9/mcp" }] })]);
      assert.equal(run.code, 1);
      assert.deepEqual(run.stderr.trim().split("\n"), [`mcp-gateway: cannot listen on 127.0.0.1:${port}: address already in use (another process listens on that port) (server.host, server.port)`]);
    } finally {
      blocker.close();
      await ws.close();
    }
  });
});
