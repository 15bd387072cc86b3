import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { definePlugin, type Outcome } from "@mcp-gateway/runtime";
import { freePort, startTestGateway, toolsCall, toolsList, within, type TestGateway } from "@mcp-gateway/runtime/testing";
import { answerJson, readEvents, startRawUpstream, type RawUpstream } from "../fixtures/raw-upstream.ts";

interface ErrorBody {
  jsonrpc: string;
  id: unknown;
  error: { code: number; message: string; data: { code: string } };
}

/** A call of the upstream's "slow" tool, which the tests below answer as an event stream. */
const slowCall = (id: number) => toolsCall(id, "slow");

function postSse(url: string, message: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify(message),
    ...(signal ? { signal } : {}),
  });
}

describe("requests the gateway refuses before any plugin or upstream", () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ config: { server: { bodyLimit: 512, maxBatchSize: 2 } } });
  });
  after(() => gw.close());

  it("answers malformed JSON with 400 and a -32700 parse error whose id is null", async () => {
    const response = await gw.post('{"jsonrpc":"2.0","id":1,"method":');
    assert.equal(response.status, 400);
    const body = response.body as ErrorBody;
    assert.equal(body.jsonrpc, "2.0");
    assert.equal(body.id, null);
    assert.equal(body.error.code, -32700);
    assert.equal(body.error.data.code, "MCPGW_ERR_PARSE");
  });

  it("answers a body above server.bodyLimit with 413 and a JSON-RPC error", async () => {
    const response = await gw.post({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "x", arguments: { blob: "a".repeat(2048) } } });
    assert.equal(response.status, 413);
    assert.equal(response.headers.get("content-type"), "application/json");
    const body = response.body as ErrorBody;
    assert.equal(body.error.code, -32600);
    assert.equal(body.error.data.code, "MCPGW_ERR_BODY_TOO_LARGE");
  });

  it("answers a batch above server.maxBatchSize with 400 and -32600, without forwarding it", async () => {
    const forwardedBefore = gw.upstream!.requests.length;
    const response = await gw.post([toolsList(1), toolsList(2), toolsList(3)]);
    assert.equal(response.status, 400);
    const body = response.body as ErrorBody;
    assert.equal(body.error.code, -32600);
    assert.equal(body.error.data.code, "MCPGW_ERR_BATCH_TOO_LARGE");
    assert.equal(gw.upstream!.requests.length, forwardedBefore);
  });

  it("answers a POST that is not application/json with 415", async () => {
    const response = await fetch(gw.url, { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify(toolsList(4)) });
    assert.equal(response.status, 415);
    const body = (await response.json()) as ErrorBody;
    assert.equal(body.error.data.code, "MCPGW_ERR_UNSUPPORTED_MEDIA_TYPE");
  });

  it("answers an empty POST with 400 and -32700, and a body without Content-Type with 415, forwarding neither", async () => {
    const forwardedBefore = gw.upstream!.requests.length;
    const empty = await fetch(gw.url, { method: "POST", headers: { "content-type": "application/json" } });
    assert.equal(empty.status, 400);
    assert.equal(((await empty.json()) as ErrorBody).error.code, -32700);
    const untyped = await fetch(gw.url, { method: "POST", body: new Blob([JSON.stringify(toolsList(6))]) });
    assert.equal(untyped.status, 415);
    await untyped.body?.cancel();
    assert.equal(gw.upstream!.requests.length, forwardedBefore);
  });

  it("accepts application/json with parameters, in any case", async () => {
    const response = await fetch(gw.url, {
      method: "POST",
      headers: { "content-type": "Application/JSON; charset=utf-8", accept: "application/json, text/event-stream" },
      body: JSON.stringify(toolsList(7)),
    });
    assert.equal(response.status, 200);
    await response.body?.cancel();
  });

  it("answers HEAD on the MCP endpoint with 405, and other paths with 404", async () => {
    const head = await fetch(gw.url, { method: "HEAD" });
    assert.equal(head.status, 405);
    const elsewhere = await fetch(new URL("/elsewhere", gw.url), { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    assert.equal(elsewhere.status, 404);
    await elsewhere.body?.cancel();
  });

  it("answers PUT on the MCP endpoint with 405 and names the allowed methods", async () => {
    const response = await fetch(gw.url, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(toolsList(5)) });
    assert.equal(response.status, 405);
    assert.equal(response.headers.get("allow"), "GET, POST, DELETE");
    const body = (await response.json()) as ErrorBody;
    assert.equal(body.error.data.code, "MCPGW_ERR_METHOD_NOT_ALLOWED");
  });
});

describe("upstream failures", () => {
  it("answers 502 with -32603, echoing the request id, when the upstream is down", async () => {
    const port = await freePort();
    const gw = await startTestGateway({ config: { upstreams: [{ name: "down", url: `http://127.0.0.1:${port}/mcp` }] } });
    try {
      const response = await gw.post(toolsList("req-down"));
      assert.equal(response.status, 502);
      const body = response.body as ErrorBody;
      assert.equal(body.id, "req-down");
      assert.equal(body.error.code, -32603);
      assert.equal(body.error.data.code, "MCPGW_ERR_UPSTREAM_UNREACHABLE");
    } finally {
      await gw.close();
    }
  });

  it("answers 504 with -32603, echoing the request id, when the upstream is slower than timeoutMs", async () => {
    const upstream = await startRawUpstream(() => {
      // Never answers: the gateway's timeout is the only way out.
    });
    const gw = await startTestGateway({ config: { upstreams: [{ name: "slow", url: upstream.url, timeoutMs: 200 }] } });
    try {
      const response = await gw.post(toolsList(77));
      assert.equal(response.status, 504);
      const body = response.body as ErrorBody;
      assert.equal(body.id, 77);
      assert.equal(body.error.code, -32603);
      assert.equal(body.error.data.code, "MCPGW_ERR_UPSTREAM_TIMEOUT");
      await within(upstream.exchanges[0]!.closed, 5_000, "the timed-out upstream request is closed");
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});

describe("event streams that end early", () => {
  let upstream: RawUpstream;
  let gw: TestGateway;
  const outcomes: Outcome[] = [];
  let outcomeArrived: (() => void) | undefined;
  async function outcomeAt(index: number): Promise<Outcome> {
    while (outcomes.length <= index) await new Promise<void>((resolve) => (outcomeArrived = resolve));
    return outcomes[index]!;
  }
  const observer = definePlugin({
    name: "outcome-observer",
    version: "1.0.0",
    api: "^1",
    setup(gateway) {
      gateway.hooks.onResponse.tapPromise(async (ctx) => {
        outcomes.push(ctx.outcome!);
        outcomeArrived?.();
      });
    },
  });
  before(async () => {
    upstream = await startRawUpstream();
    gw = await startTestGateway({ config: { upstreams: [{ name: "raw", url: upstream.url }] }, plugins: [{ plugin: observer }] });
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  it("closes the upstream stream when the client aborts it, and reports the request as aborted", async () => {
    upstream.respondWith((exchange) => {
      const stream = exchange.sse();
      let progress = 0;
      const tick = setInterval(() => stream.send({ jsonrpc: "2.0", method: "notifications/progress", params: { progress: ++progress } }), 50);
      void exchange.closed.then(() => clearInterval(tick));
    });
    const seen = outcomes.length;
    const abort = new AbortController();
    const response = await postSse(gw.url, slowCall(10), abort.signal);
    assert.equal(response.headers.get("content-type"), "text/event-stream");
    const events = readEvents(response);
    assert.deepEqual(await events.next(), { jsonrpc: "2.0", method: "notifications/progress", params: { progress: 1 } });
    const exchange = upstream.exchanges.at(-1)!;
    abort.abort();
    await within(exchange.closed, 5_000, "the upstream sees its stream closed after the client aborted");
    assert.equal(exchange.cut, true);
    const outcome = await within(outcomeAt(seen), 5_000, "onResponse observes the aborted request");
    assert.equal(outcome.kind, "aborted");
  });

  it("ends the client's stream when the upstream resets mid-stream, reports it as failed, and keeps serving", async () => {
    upstream.respondWith((exchange) => {
      const stream = exchange.sse();
      stream.send({ jsonrpc: "2.0", method: "notifications/progress", params: { progress: 1 } });
      stream.send({ jsonrpc: "2.0", method: "notifications/progress", params: { progress: 2 } });
      setTimeout(() => stream.reset(), 50);
    });
    const seen = outcomes.length;
    const response = await postSse(gw.url, slowCall(11));
    const events = readEvents(response);
    assert.deepEqual(await events.next(), { jsonrpc: "2.0", method: "notifications/progress", params: { progress: 1 } });
    assert.deepEqual(await events.next(), { jsonrpc: "2.0", method: "notifications/progress", params: { progress: 2 } });
    assert.equal(await within(events.ended, 5_000, "the client's stream ends after the upstream reset"), "cut");
    const outcome = await within(outcomeAt(seen), 5_000, "onResponse observes the reset request");
    assert.equal(outcome.kind, "failed");

    upstream.respondWith(answerJson);
    const next = await gw.post(toolsList(12));
    assert.equal(next.status, 200);
    assert.deepEqual(next.body, { jsonrpc: "2.0", id: 12, result: { method: "tools/list" } });
    const health = await fetch(`${gw.baseUrl}/health`);
    assert.equal(health.status, 200);
  });
});

describe("Origin validation (DNS-rebinding protection)", () => {
  let gw: TestGateway;
  let strict: TestGateway;
  before(async () => {
    gw = await startTestGateway({ config: { server: { allowedOrigins: ["http://localhost:3000"] } } });
    strict = await startTestGateway({ config: { server: { allowedOrigins: ["http://localhost:3000"], requireOrigin: true } } });
  });
  after(async () => {
    await gw.close();
    await strict.close();
  });

  it("rejects a request from an origin not in server.allowedOrigins with 403 and -32003, forwarding nothing", async () => {
    const response = await gw.post(toolsList(20), { origin: "http://evil.example" });
    assert.equal(response.status, 403);
    const body = response.body as ErrorBody;
    assert.equal(body.error.code, -32003);
    assert.equal(body.error.data.code, "MCPGW_ERR_ORIGIN_FORBIDDEN");
    assert.equal((body as { id?: unknown }).id, 20);
    assert.equal(gw.upstream!.requests.length, 0);
  });

  it("forwards a request from an allowed origin", async () => {
    const response = await gw.post(toolsList(21), { origin: "http://localhost:3000" });
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { jsonrpc: "2.0", id: 21, result: { method: "tools/list", params: {} } });
  });

  it("forwards a request without Origin unless requireOrigin is set", async () => {
    const response = await gw.post(toolsList(22));
    assert.equal(response.status, 200);
  });

  it("rejects a request without Origin with 400 when requireOrigin is true (a missing required header)", async () => {
    // Regression (issue 14): it answered 403, where the sectioned format answers 400 for a missing required header.
    const response = await strict.post(toolsList(23));
    assert.equal(response.status, 400);
    const body = response.body as ErrorBody;
    assert.equal(body.error.code, -32600);
    assert.equal(body.error.data.code, "MCPGW_ERR_ORIGIN_REQUIRED");
  });
});

describe("long-lived streams and calls", () => {
  // Regression: GET streams shared the calls' pool, so `connections` held streams hung every call.
  it("held GET streams beyond the upstream's connection limit never starve calls", async () => {
    const upstream = await startRawUpstream((exchange) => {
      if (exchange.method === "GET") exchange.sse().send({ jsonrpc: "2.0", method: "notifications/message", params: { level: "info" } });
      else answerJson(exchange);
    });
    const gw = await startTestGateway({ config: { upstreams: [{ name: "raw", url: upstream.url, connections: 2, timeoutMs: 3_000 }] } });
    const aborts = Array.from({ length: 4 }, () => new AbortController());
    try {
      const streams = await Promise.all(
        aborts.map(async (abort) => {
          const response = await fetch(gw.url, { headers: { accept: "text/event-stream" }, signal: abort.signal });
          assert.equal(response.status, 200);
          await readEvents(response).next();
        }),
      );
      assert.equal(streams.length, 4);
      const call = await within(gw.post(toolsList(30)), 2_000, "a call answered while 4 streams hold the upstream");
      assert.equal(call.status, 200);
    } finally {
      for (const abort of aborts) abort.abort();
      await gw.close();
      await upstream.close();
    }
  });
});
