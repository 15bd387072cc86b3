import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { eventMessage, eventsOf, formatEvent, SseEventTooLarge, SseParser } from "../src/mcp/sse.js";

const MB = 1024 * 1024;
const datas = (body: string) => eventsOf(body, MB).map((event) => event.data);

describe("the event-stream parser (WHATWG rules)", () => {
  it("ends lines at LF, CRLF and a bare CR alike", () => {
    for (const eol of ["\n", "\r\n", "\r"]) {
      assert.deepEqual(datas(`data: a${eol}${eol}data: b${eol}data: c${eol}${eol}`), ["a", "b\nc"], JSON.stringify(eol));
    }
  });

  it("drops one leading byte-order mark, and only at the start", () => {
    assert.deepEqual(datas("\uFEFFdata: a\n\n"), ["a"]);
    const events = eventsOf("\uFEFF\uFEFFdata: a\n\n", MB);
    assert.deepEqual(events[0]?.other, ["\uFEFFdata: a"], "a second BOM makes the field name unknown, as a browser reads it");
  });

  it("keeps a CRLF split between two chunks as one line end", () => {
    const parser = new SseParser(MB);
    assert.deepEqual(parser.push(Buffer.from("data: a\r")), []);
    assert.deepEqual(
      parser.push(Buffer.from("\n\r\n")).map((event) => event.data),
      ["a"],
    );
    assert.deepEqual(parser.push(Buffer.from("data: b\r")).length, 0);
    assert.deepEqual(
      parser.push(Buffer.from("\r")).map((event) => event.data),
      ["b"],
      "CR then CR is a line end and a blank line",
    );
  });

  it("decodes a multi-byte character split between chunks", () => {
    const parser = new SseParser(MB);
    const bytes = Buffer.from("data: ü\n\n");
    assert.deepEqual(parser.push(bytes.subarray(0, 7)), []);
    assert.deepEqual(parser.push(bytes.subarray(7))[0]?.data, "ü");
  });

  it("takes one space off a value, reads a field without a colon, ignores an id with NULL", () => {
    const [event] = eventsOf("data:  two spaces\ndata\nid: 7\nid: x\0y\nevent: message\nretry: 10\n: note\n\n", MB);
    assert.deepEqual(event, { other: ["event: message", "retry: 10", ": note"], id: "7", data: " two spaces\n" });
  });

  it("completes an unterminated last event only when asked (a filter must see what a lenient client reads)", () => {
    const parser = new SseParser(MB);
    parser.push(Buffer.from("data: half"));
    assert.deepEqual(parser.end(false), []);
    assert.deepEqual(eventsOf("data: x\n\ndata: half", MB).map((event) => event.data), ["x", "half"]);
  });

  it("refuses an event that grows past its limit, terminated or not", () => {
    assert.throws(() => new SseParser(16).push(Buffer.from(`data: ${"x".repeat(32)}\n\n`)), SseEventTooLarge);
    assert.throws(() => new SseParser(16).push(Buffer.from(`data: ${"x".repeat(32)}`)), SseEventTooLarge);
    assert.throws(() => {
      const parser = new SseParser(16);
      for (let i = 0; i < 8; i++) parser.push(Buffer.from("data: xx\n"));
    }, SseEventTooLarge);
  });

  it("writes events back with LF line ends, multi-line data as several data lines", () => {
    assert.equal(formatEvent({ other: ["event: message"], id: "gw.1", data: '{\n"a":1}' }), 'event: message\nid: gw.1\ndata: {\ndata: "a":1}\n\n');
    assert.deepEqual(eventMessage(eventsOf(formatEvent({ other: [], id: undefined, data: '{\n"a":1}' }), MB)[0]!), { a: 1 });
    assert.equal(eventMessage({ other: [": keep-alive"], id: undefined, data: undefined }), undefined);
  });
});
