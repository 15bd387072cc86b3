import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { readEvents, startRawUpstream, type Exchange, type RawUpstream } from "../fixtures/raw-upstream.ts";
import { within } from "@mcp-gateway/runtime/testing";
import { spawnGateway, type SpawnedGateway } from "../helpers/spawn-gateway.ts";

const HELLO = { jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "stream open" } };

describe("graceful shutdown on SIGTERM", () => {
  let dir: string;
  let upstream: RawUpstream;
  let gw: SpawnedGateway | undefined;
  let heldPost: (exchange: Exchange) => void;
  const postArrived = new Promise<Exchange>((resolve) => (heldPost = resolve));

  before(async () => {
    // GETs open event streams that stay open; the POST is held until the test answers it.
    upstream = await startRawUpstream((exchange) => {
      if (exchange.method === "GET") exchange.sse().send(HELLO);
      else heldPost(exchange);
    });
    dir = await mkdtemp(path.join(os.tmpdir(), "mcpgw-shutdown-"));
  });
  after(async () => {
    await gw?.stop("SIGKILL");
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("finishes the in-flight POST, closes every event stream on both sides, and exits 0", async () => {
    const configFile = path.join(dir, "mcp-gateway.config.json");
    // A drain timeout far above the wait for exit below: the gateway must exit because it drained,
    // not because it gave up. (Regression: the keep-alive connection the POST freed while draining
    // held the drain open until shutdownTimeoutMs.)
    const config = { server: { port: 0, shutdownTimeoutMs: 60_000 }, upstreams: [{ name: "raw", url: upstream.url }] };
    await writeFile(configFile, JSON.stringify(config));
    gw = await spawnGateway(configFile);

    const streams = await Promise.all([1, 2, 3].map(() => fetch(gw!.url, { headers: { accept: "text/event-stream" } })));
    const readers = streams.map((response) => readEvents(response));
    for (const reader of readers) assert.deepEqual(await within(reader.next(), 5_000, "an event stream opens through the gateway"), HELLO);
    const getExchanges = upstream.exchanges.filter((exchange) => exchange.method === "GET");
    assert.equal(getExchanges.length, 3);

    const post = fetch(gw.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 42, method: "tools/call", params: { name: "slow", arguments: {} } }),
    });
    const postExchange = await within(postArrived, 5_000, "the POST reaches the upstream");

    process.kill(gw.pid, "SIGTERM");
    await gw.waitForLog("shutting down");

    for (const reader of readers) await within(reader.ended, 5_000, "the client's event stream is closed");
    for (const exchange of getExchanges) {
      await within(exchange.closed, 5_000, "the upstream sees its event stream closed");
      assert.equal(exchange.cut, true);
    }

    postExchange.json(200, { jsonrpc: "2.0", id: 42, result: { content: [{ type: "text", text: "done" }] } });
    const response = await within(post, 5_000, "the in-flight POST completes during shutdown");
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { jsonrpc: "2.0", id: 42, result: { content: [{ type: "text", text: "done" }] } });

    const exit = await within(gw.exited, 15_000, "the gateway process exits");
    assert.deepEqual(exit, { code: 0, signal: null });
  });
});

describe("graceful shutdown with a connection that never sent a request", () => {
  // Regression: node counts a connection without a request as busy, so it held the drain until
  // shutdownTimeoutMs (undici opens such a spare connection after an aborted stream).
  it("exits without waiting for the drain timeout", async () => {
    const upstream = await startRawUpstream();
    const dir = await mkdtemp(path.join(os.tmpdir(), "mcpgw-shutdown-"));
    const configFile = path.join(dir, "mcp-gateway.config.json");
    await writeFile(configFile, JSON.stringify({ server: { port: 0, shutdownTimeoutMs: 60_000 }, upstreams: [{ name: "raw", url: upstream.url }] }));
    const gw = await spawnGateway(configFile);
    const { port, hostname } = new URL(gw.baseUrl);
    const idle = connect({ port: Number(port), host: hostname });
    try {
      await new Promise<void>((resolve, reject) => idle.once("connect", resolve).once("error", reject));
      const exit = await within(gw.stop("SIGTERM", 20_000), 15_000, "the gateway exits although a connection never sent a request");
      assert.equal(exit.code, 0);
    } finally {
      idle.destroy();
      await gw.stop("SIGKILL");
      await upstream.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
