import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { eventMessage, formatEvent, messagesOfEventStream, parseEvent, SseSplitter } from "../../src/federation/sse.js";

describe("SseSplitter", () => {
  it("hands out each event once it is complete, across chunk boundaries and line endings", () => {
    const splitter = new SseSplitter();
    assert.deepEqual(splitter.push(Buffer.from("id: 1\ndata: {\"a\"")), []);
    assert.deepEqual(splitter.push(Buffer.from(":1}\n\ndata: x\r\n\r\n: keep")), ['id: 1\ndata: {"a":1}', "data: x"]);
    assert.deepEqual(splitter.push(Buffer.from("alive\n\n")), [": keepalive"]);
    assert.equal(splitter.rest(), "");
  });

  it("decodes a multi-byte character split between chunks", () => {
    const splitter = new SseSplitter();
    const bytes = Buffer.from("data: ü\n\n");
    assert.deepEqual(splitter.push(bytes.subarray(0, 7)), []);
    assert.deepEqual(splitter.push(bytes.subarray(7)), ["data: ü"]);
  });

  it("keeps an unfinished event for rest()", () => {
    const splitter = new SseSplitter();
    splitter.push(Buffer.from("data: half"));
    assert.equal(splitter.rest(), "data: half");
  });
});

describe("SSE events", () => {
  it("parses id and data apart from the other lines and writes them back", () => {
    const event = parseEvent("event: message\nid: 7\ndata: {\"x\":1}\n: note");
    assert.deepEqual(event, { other: ["event: message", ": note"], id: "7", data: '{"x":1}' });
    assert.deepEqual(eventMessage(event), { x: 1 });
    assert.equal(formatEvent({ ...event, id: "gw.7" }), 'event: message\n: note\nid: gw.7\ndata: {"x":1}\n\n');
  });

  it("joins multi-line data and leaves non-JSON data unread", () => {
    const event = parseEvent("data: a\ndata:b");
    assert.equal(event.data, "a\nb");
    assert.equal(eventMessage(event), undefined);
    assert.equal(eventMessage(parseEvent(": comment only")), undefined);
  });

  it("reads every JSON-RPC message of a whole event stream body", () => {
    const body = 'event: message\ndata: {"jsonrpc":"2.0","method":"notifications/progress"}\n\nevent: message\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\n';
    assert.deepEqual(messagesOfEventStream(body), [
      { jsonrpc: "2.0", method: "notifications/progress" },
      { jsonrpc: "2.0", id: 1, result: {} },
    ]);
  });
});
