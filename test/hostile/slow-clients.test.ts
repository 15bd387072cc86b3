/**
 * Issue 14, "Slow and oversized clients": items 10 to 12, against the built CLI.
 */
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { startRawUpstream, type RawUpstream } from "../fixtures/raw-upstream.ts";
import type { SpawnedGateway } from "../helpers/spawn-gateway.ts";
import { errorCode, post, rpc, within, workspace, type ErrorBody, type Workspace } from "./support.ts";

/** Opens a raw connection, writes `head` at once and then `trickle` one byte per `everyMs`; resolves with what came back and when. */
function trickle(url: string, head: string, trickled: string, everyMs: number): Promise<{ answer: string; ms: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket: Socket = connect({ host: hostname, port: Number(port) });
    let answer = "";
    let index = 0;
    let timer: NodeJS.Timeout | undefined;
    socket.once("connect", () => {
      socket.write(head);
      timer = setInterval(() => {
        if (index < trickled.length && !socket.destroyed) socket.write(trickled[index++]!);
      }, everyMs);
    });
    socket.on("data", (chunk: Buffer) => (answer += chunk.toString("utf8")));
    socket.on("error", () => undefined);
    socket.once("close", () => {
      clearInterval(timer);
      resolve({ answer, ms: performance.now() - started });
    });
    socket.once("timeout", () => reject(new Error("no answer")));
  });
}

describe("hostile: slow clients are cut at the configured timeouts (issue 14, item 10)", () => {
  let ws: Workspace;
  let upstream: RawUpstream;
  let gw: SpawnedGateway;
  before(async () => {
    ws = await workspace("slow");
    upstream = await startRawUpstream();
    gw = await ws.start({ server: { port: 0, headersTimeoutMs: 1_000, requestTimeoutMs: 3_000 }, upstreams: [{ name: "u", url: upstream.url }] });
  });
  after(async () => {
    await ws.close();
    await upstream.close();
  });

  it("answers headers trickled at a byte per 200 ms with 408 after headersTimeoutMs, and serves others meanwhile", async () => {
    const { host } = new URL(gw.url);
    const slow = trickle(gw.url, `POST /mcp HTTP/1.1\r\nHost: ${host}\r\n`, `X-Slow: ${"a".repeat(200)}\r\n\r\n`, 200);
    const other = await post(gw.url, rpc(1, "tools/list"));
    assert.equal(other.status, 200);
    const { answer, ms } = await within(slow, 10_000, "the slow client is cut");
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.match(answer, /"code":"MCPGW_ERR_REQUEST_TIMEOUT"/);
    assert.ok(ms >= 900 && ms < 2_800, `cut after ${ms.toFixed(0)} ms (headersTimeoutMs 1000)`);
  });

  it("answers a body trickled at a byte per 200 ms with 408 after requestTimeoutMs", async () => {
    const { host } = new URL(gw.url);
    const body = JSON.stringify(rpc(2, "tools/list"));
    const head = `POST /mcp HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const { answer, ms } = await within(trickle(gw.url, head, body, 200), 10_000, "the slow body is cut");
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.ok(ms >= 2_800 && ms < 4_800, `cut after ${ms.toFixed(0)} ms (requestTimeoutMs 3000)`);
    assert.equal(upstream.exchanges.filter((exchange) => exchange.body.includes('"id":2')).length, 0);
  });
});

describe("hostile: oversized and malformed bodies (issue 14, items 11 and 12)", () => {
  let ws: Workspace;
  let upstream: RawUpstream;
  let gw: SpawnedGateway;
  before(async () => {
    ws = await workspace("bodies");
    upstream = await startRawUpstream();
    gw = await ws.start({ server: { port: 0 }, upstreams: [{ name: "u", url: upstream.url }] });
  });
  after(async () => {
    await ws.close();
    await upstream.close();
  });

  it("lets a client that writes its whole 10 MiB body before reading read the 413, not a reset", async () => {
    // The client reads nothing until its last byte is written, as node:http, fetch and the SDKs
    // do under load: closing on it mid-body made its writes fail (EPIPE) and lost the answer.
    const { hostname, port, host, pathname } = new URL(gw.url);
    const body = Buffer.alloc(10 * 1024 * 1024, "x");
    for (let attempt = 0; attempt < 3; attempt++) {
      const result = await within(
        new Promise<{ error: string | undefined; answer: string }>((resolve) => {
          const socket = connect({ host: hostname, port: Number(port) });
          let error: string | undefined;
          let answer = "";
          socket.on("error", (err: NodeJS.ErrnoException) => (error = err.code));
          socket.once("close", () => resolve({ error, answer }));
          const send = async () => {
            socket.pause();
            socket.write(`POST ${pathname} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
            for (let offset = 0; offset < body.length && !socket.destroyed; offset += 64 * 1024) {
              if (!socket.write(body.subarray(offset, offset + 64 * 1024))) await new Promise((next) => socket.once("drain", next).once("close", next));
            }
            socket.on("data", (chunk: Buffer) => (answer += chunk.toString("utf8"))).resume();
          };
          socket.once("connect", () => {
            send().catch((err: Error) => socket.destroy(err));
          });
        }),
        15_000,
        "the 413 arrives",
      );
      assert.equal(result.error, undefined, `attempt ${attempt}: the client's writes failed`);
      assert.match(result.answer, /^HTTP\/1\.1 413 /);
      assert.match(result.answer, /connection: close/i);
      assert.match(result.answer, /"code":"MCPGW_ERR_BODY_TOO_LARGE"/);
    }
  });

  it("answers a junk batch with one error per entry, forwarding none of it", async () => {
    const forwarded = upstream.exchanges.length;
    const response = await post(gw.url, '[1, "a", null, {}, []]');
    assert.equal(response.status, 400);
    const errors = response.body as ErrorBody[];
    assert.equal(errors.length, 5);
    for (const error of errors) {
      assert.equal(error.id, null);
      assert.equal(error.error.code, -32600);
    }
    const mixed = await post(gw.url, JSON.stringify([rpc(7, "tools/list"), { jsonrpc: "2.0", id: 8 }]));
    assert.deepEqual(
      (mixed.body as ErrorBody[]).map((error) => error.id),
      [7, 8],
    );
    assert.equal(upstream.exchanges.length, forwarded);
  });

  it("answers a message with both method and result as -32600, forwarding nothing", async () => {
    const forwarded = upstream.exchanges.length;
    const response = await post(gw.url, { jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "x" }, result: {} });
    assert.equal(response.status, 400);
    assert.equal((response.body as ErrorBody).error.code, -32600);
    assert.equal(errorCode(response), "MCPGW_ERR_INVALID_REQUEST");
    assert.equal(upstream.exchanges.length, forwarded);
  });
});
