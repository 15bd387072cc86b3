/**
 * The merged GET stream of a federated session, driven by hand: events of both upstreams reach
 * the client with their ids tagged, server→client request ids are tagged with their upstream, a
 * resuming client's Last-Event-ID goes only to the upstream that sent it, one upstream resetting
 * its stream costs only that stream, and the client's stream ends when the last upstream's does.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestGateway, type TestGateway, within } from "@mcp-gateway/runtime/testing";
import { readEvents, startRawUpstream, type Exchange, type RawUpstream, type Responder } from "../fixtures/raw-upstream.ts";

const WAIT_MS = 5_000;

/** initialize with a session id of this upstream's own; notifications 202; GET left to the test. */
function statefulUpstream(name: string): Responder {
  return (exchange) => {
    if (exchange.method === "GET") return;
    const { id, method } = exchange.message as { id?: unknown; method?: string };
    if (method === "initialize") {
      const text = JSON.stringify({ jsonrpc: "2.0", id, result: { protocolVersion: "2025-06-18", capabilities: { tools: {} }, serverInfo: { name, version: "1" } } });
      return void exchangeWithSession(exchange, `${name}-session`, text);
    }
    exchange.json(id === undefined ? 202 : 200, id === undefined ? {} : { jsonrpc: "2.0", id, result: {} });
  };
}

function exchangeWithSession(exchange: Exchange, sessionId: string, text: string): void {
  const writer = exchange.sse({ "mcp-session-id": sessionId });
  writer.send(JSON.parse(text));
  writer.end();
}

describe("a federated GET stream, driven by hand", () => {
  let a: RawUpstream;
  let b: RawUpstream;
  let gateway: TestGateway;
  let session: string;

  before(async () => {
    a = await startRawUpstream(statefulUpstream("a"));
    b = await startRawUpstream(statefulUpstream("b"));
    gateway = await startTestGateway({
      config: {
        upstreams: [
          { name: "a", url: a.url },
          { name: "b", url: b.url },
        ],
        federation: { sessionKeys: ["Zm9yLXRlc3RzLW9ubHktMzItYnl0ZXMtb2Yta2V5IS0"] },
      },
    });
    const init = await gateway.post({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } } });
    assert.equal(init.status, 200);
    session = init.headers.get("mcp-session-id")!;
  });
  after(async () => {
    await gateway?.close();
    await a?.close();
    await b?.close();
  });

  const openStream = (headers: Record<string, string> = {}) =>
    fetch(gateway.url, { headers: { accept: "text/event-stream", "mcp-session-id": session, "mcp-protocol-version": "2025-06-18", ...headers } });

  /** The GET exchange an upstream receives next. */
  const nextGet = async (upstream: RawUpstream) => {
    for (let index = upstream.exchanges.length; ; index++) {
      const exchange = await within(upstream.exchange(index), WAIT_MS, "the upstream GET");
      if (exchange.method === "GET") return exchange;
    }
  };

  it("merges both upstreams' events, tags request ids, and outlives one upstream's reset", async () => {
    // The client's stream starts once every upstream has answered its GET.
    const opening = openStream();
    const [getA, getB] = await Promise.all([nextGet(a), nextGet(b)]);
    assert.equal(getA.headers["mcp-session-id"], "a-session", "each upstream gets its own session id");
    assert.equal(getB.headers["mcp-session-id"], "b-session");
    const streamA = getA.sse();
    const streamB = getB.sse();
    const response = await opening;
    assert.equal(response.status, 200);
    const events = readEvents(response);

    streamA.send({ jsonrpc: "2.0", method: "notifications/tools/list_changed" }, "7");
    assert.deepEqual(await within(events.next(), WAIT_MS, "a's notification"), { jsonrpc: "2.0", method: "notifications/tools/list_changed" });
    streamB.send({ jsonrpc: "2.0", id: 0, method: "roots/list" });
    const request = (await within(events.next(), WAIT_MS, "b's request")) as { id: string; method: string };
    assert.equal(request.method, "roots/list");
    assert.match(request.id, /^gw\./, "a server→client request id is tagged with its upstream");

    streamA.reset();
    await within(getA.closed, WAIT_MS, "a's stream to go");
    streamB.send({ jsonrpc: "2.0", method: "notifications/resources/list_changed" });
    assert.deepEqual(await within(events.next(), WAIT_MS, "b's notification after a's reset"), { jsonrpc: "2.0", method: "notifications/resources/list_changed" });

    streamB.end();
    assert.equal(await within(events.ended, WAIT_MS, "the merged stream to end"), "end");
  });

  it("tags event ids with their upstream and sends a resuming client's Last-Event-ID only there", async () => {
    const opening = openStream();
    const [getA, getB] = await Promise.all([nextGet(a), nextGet(b)]);
    const streamA = getA.sse();
    const streamB = getB.sse();
    const reader = (await opening).body!.getReader();
    streamA.send({ jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "x" } }, "41");
    let text = "";
    while (!text.includes("\n\n")) text += Buffer.from((await within(reader.read(), WAIT_MS, "a's event")).value!).toString("utf8");
    const seen = /^id: (.+)$/m.exec(text)?.[1];
    assert.equal(seen, `gw.${Buffer.from(JSON.stringify(["a", "41"])).toString("base64url")}`);
    await reader.cancel();
    await within(Promise.all([getA.closed, getB.closed]), WAIT_MS, "both upstream streams to close with the client's");
    streamB.end();

    const resumed = openStream({ "last-event-id": seen! });
    const [resumedA, resumedB] = await Promise.all([nextGet(a), nextGet(b)]);
    assert.equal(resumedA.headers["last-event-id"], "41");
    assert.equal(resumedB.headers["last-event-id"], undefined);
    resumedA.sse().end();
    resumedB.sse().end();
    await (await resumed).body?.cancel();
  });
});
