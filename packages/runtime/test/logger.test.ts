import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { pino } from "pino";
import { createLogger, LineBatch, lineWriter, REDACTED } from "../src/logger.js";

/** A destination that keeps every line written to it. */
function capture(): { destination: Writable; lines: () => Record<string, unknown>[] } {
  let text = "";
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString("utf8");
      callback();
    },
  });
  return { destination, lines: () => text.split("\n").filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe("lineWriter", () => {
  it("writes the line log.info would write, bindings included", () => {
    const { destination, lines } = capture();
    const log = createLogger({ level: "warn", redactKeys: [], destination }).child({ plugin: "audit" });
    const writer = lineWriter(log, "audit");
    assert.ok(writer, "a logger createLogger made has a line writer");
    writer.write(`"requestId":"r1","statusCode":200,"note":"say \\"hi\\""`);
    log.warn({ requestId: "r1", statusCode: 200, note: 'say "hi"' }, "audit");
    const [written, logged] = lines();
    assert.ok(written && logged);
    assert.equal(typeof written.time, "number");
    // Audit is a record: written at info even when the logger is quieter.
    assert.deepEqual({ ...written, time: 0 }, { ...logged, time: 0, level: pino.levels.values.info });
    assert.deepEqual(Object.keys(written), Object.keys(logged), "same fields in the same order");
  });

  it("says which keys the logger redacts, case-insensitively, configured keys with the built-in ones", () => {
    const log = createLogger({ level: "info", redactKeys: ["toolName"], destination: capture().destination });
    const writer = lineWriter(log, "audit")!;
    assert.equal(writer.redacts("toolname"), true);
    assert.equal(writer.redacts("Authorization"), true);
    assert.equal(writer.redacts("tenant"), false);
    assert.equal(REDACTED, "[REDACTED]");
  });

  it("is absent for a silent logger and for a logger the runtime did not make", () => {
    assert.equal(lineWriter(createLogger({ level: "silent", redactKeys: [], destination: capture().destination }), "audit"), undefined);
    assert.equal(lineWriter(pino({ level: "info" }, capture().destination), "audit"), undefined);
  });
});

describe("LineBatch", () => {
  function recorder() {
    const writes: string[] = [];
    let flushes = 0;
    const batch = new LineBatch({
      write: (text: string) => writes.push(text) > 0,
      flush: (callback?: (err?: Error) => unknown) => {
        flushes++;
        callback?.();
      },
    });
    return { batch, writes, flushes: () => flushes };
  }

  it("hands lines over joined, in order, once 16 KiB have gathered", () => {
    const { batch, writes } = recorder();
    const line = `${"x".repeat(99)}\n`;
    for (let i = 0; i < 163; i++) batch.write(line);
    assert.equal(writes.length, 0, "163 lines of 100 bytes stay gathered");
    batch.write(line);
    assert.deepEqual(writes, [line.repeat(164)]);
  });

  it("hands over what it holds on flush, and flushes the destination", async () => {
    const { batch, writes, flushes } = recorder();
    batch.write("a\n");
    batch.write("b\n");
    await new Promise<void>((resolve, reject) => batch.flush((err) => (err ? reject(err) : resolve())));
    assert.deepEqual(writes, ["a\nb\n"]);
    assert.equal(flushes(), 1);
    batch.flush();
    assert.deepEqual(writes, ["a\nb\n"], "nothing new, nothing written");
  });
});
