/**
 * Issue 14, "Shutdown and signals": items 13 and 14, against the built CLI.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { readEvents, startRawUpstream, type Exchange, type RawUpstream } from "../fixtures/raw-upstream.ts";
import type { SpawnedGateway } from "../helpers/spawn-gateway.ts";
import { rpc, within, workspace, type ErrorBody, type Workspace } from "./support.ts";

const HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };
const PROGRESS = { jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: "t", progress: 1 } };

describe("hostile: calls longer than the drain at SIGTERM (issue 14, item 13)", () => {
  let ws: Workspace;
  let upstream: RawUpstream;
  let gw: SpawnedGateway;
  const held: Exchange[] = [];
  before(async () => {
    ws = await workspace("drain");
    // Call 1 is never answered; call 2 starts an event stream, sends progress, and stops there.
    upstream = await startRawUpstream((exchange) => {
      held.push(exchange);
      if ((exchange.message as { id?: number }).id === 2) exchange.sse().send(PROGRESS);
    });
    gw = await ws.start({ server: { port: 0, shutdownTimeoutMs: 500 }, upstreams: [{ name: "u", url: upstream.url }] });
  });
  after(async () => {
    await ws.close();
    await upstream.close();
  });

  it("answers each with a 503 JSON-RPC error, on its response or its event stream, before the connection closes", async () => {
    const json = fetch(gw.url, { method: "POST", headers: HEADERS, body: JSON.stringify(rpc(1, "tools/call", { name: "slow" })) });
    const stream = await fetch(gw.url, { method: "POST", headers: HEADERS, body: JSON.stringify(rpc(2, "tools/call", { name: "slow" })) });
    const events = readEvents(stream);
    assert.deepEqual(await within(events.next(), 5_000, "the progress event arrives"), PROGRESS);
    await within(
      (async () => {
        while (held.length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
      })(),
      5_000,
      "both calls reach the upstream",
    );

    process.kill(gw.pid, "SIGTERM");
    const answered = await within(json, 5_000, "the held JSON call is answered");
    assert.equal(answered.status, 503);
    const body = (await answered.json()) as ErrorBody;
    assert.equal(body.id, 1);
    assert.equal(body.error.data.code, "MCPGW_ERR_SHUTTING_DOWN");

    const last = (await within(events.next(), 5_000, "the stream gets an error event")) as ErrorBody;
    assert.equal(last.id, 2);
    assert.equal(last.error.data.code, "MCPGW_ERR_SHUTTING_DOWN");
    assert.equal(await within(events.ended, 5_000, "the stream ends"), "end", "the stream ended cleanly, not with a reset");
    for (const exchange of held) await within(exchange.closed, 5_000, "the upstream request is let go");
    assert.deepEqual(await within(gw.exited, 10_000, "the gateway exits"), { code: 0, signal: null });
  });
});

describe("hostile: SIGHUP (issue 14, item 14)", () => {
  it("keeps serving: reloads the config (issue 20) and lets an in-flight call finish", async () => {
    const ws = await workspace("hup");
    let hold: ((exchange: Exchange) => void) | undefined;
    const arrived = new Promise<Exchange>((resolve) => (hold = resolve));
    const upstream = await startRawUpstream((exchange) => {
      if ((exchange.message as { id?: number }).id === 1) hold!(exchange);
      else exchange.json(200, { jsonrpc: "2.0", id: (exchange.message as { id?: number }).id, result: {} });
    });
    try {
      const gw = await ws.start({ server: { port: 0 }, upstreams: [{ name: "u", url: upstream.url }] });
      const inFlight = fetch(gw.url, { method: "POST", headers: HEADERS, body: JSON.stringify(rpc(1, "tools/call", { name: "slow" })) });
      const exchange = await within(arrived, 5_000, "the call reaches the upstream");
      process.kill(gw.pid, "SIGHUP");
      const line = await gw.waitForLog("SIGHUP received: reloading the config", 5_000);
      assert.equal(line.signal, "SIGHUP");
      await gw.waitForLog("config reloaded", 10_000);
      exchange.json(200, { jsonrpc: "2.0", id: 1, result: { done: true } });
      assert.equal((await inFlight).status, 200);
      const after = await fetch(gw.url, { method: "POST", headers: HEADERS, body: JSON.stringify(rpc(2, "tools/list")) });
      assert.equal(after.status, 200);
    } finally {
      await ws.close();
      await upstream.close();
    }
  });
});
