import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { McpCall, RequestContext } from "../src/context.js";
import { createHooks } from "../src/hooks.js";
import { transformJson, transformSse } from "../src/upstream/transform.js";

const ctx = {} as RequestContext;
const call = (id: number): McpCall => ({ kind: "request", id, method: "tools/list", targets: [], message: { jsonrpc: "2.0", id, method: "tools/list" } });
// Spacing no serialiser would produce: proves which bytes went out.
const body = '{ "jsonrpc": "2.0", "id": 1, "result": { "tools": [ { "name": "a" }, { "name": "b" } ] } }';

describe("transformJson", () => {
  it("sends the upstream's bytes unchanged when every tap returns the result it got", async () => {
    const hooks = createHooks();
    let seen: unknown;
    hooks.transformResult.for("tools/list").tapPromise("reader", async (result) => {
      seen = result;
      return result;
    });
    assert.equal(await transformJson(body, hooks, ctx, new Map([[1, call(1)]])), body);
    assert.deepEqual(seen, { tools: [{ name: "a" }, { name: "b" }] });
  });

  it("refuses a body that is not JSON with a 502", async () => {
    await assert.rejects(transformJson("{nope", createHooks(), ctx, new Map([[1, call(1)]])), { code: "MCPGW_ERR_UPSTREAM_BAD_RESPONSE", status: 502 });
  });

  it("serialises once when a tap changes the result, in a batch only the changed message", async () => {
    const hooks = createHooks();
    hooks.transformResult.for("tools/list").tapPromise("filter", async (result) => ({ tools: (result as { tools: { name: string }[] }).tools.filter((tool) => tool.name !== "b") }));
    assert.equal(await transformJson(body, hooks, ctx, new Map([[1, call(1)]])), '{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"a"}]}}');

    const batch = `[${body}, { "jsonrpc": "2.0", "id": 2, "result": {} }]`;
    const out = JSON.parse(await transformJson(batch, hooks, ctx, new Map([[1, call(1)]]))) as unknown[];
    assert.deepEqual(out, [{ jsonrpc: "2.0", id: 1, result: { tools: [{ name: "a" }] } }, { jsonrpc: "2.0", id: 2, result: {} }]);
  });
});

describe("transformSse", () => {
  const dropB = () => {
    const hooks = createHooks();
    hooks.transformResult.for("tools/list").tapPromise("filter", async (result) => ({ tools: (result as { tools: { name: string }[] }).tools.filter((tool) => tool.name !== "b") }));
    return hooks;
  };
  const answer = JSON.stringify({ jsonrpc: "2.0", id: 1, result: { tools: [{ name: "a" }, { name: "b" }] } });
  const limits = { upstream: "u", maxEventBytes: 1024 * 1024 };
  const filtered = (text: string) => transformSse(Buffer.from(text), dropB(), ctx, new Map([[1, call(1)]]), limits);

  it("filters the answer whatever the line framing, BOM or data split", async () => {
    // Regression (issue 14): bare-CR framing got the unfiltered list past the filter.
    const pretty = JSON.stringify(JSON.parse(answer), null, 1).split("\n").map((line) => `data: ${line}`).join("\n");
    for (const body of [`data: ${answer}\n\n`, `data: ${answer}\r\n\r\n`, `event: message\rdata: ${answer}\r\r`, `\uFEFFdata: ${answer}\n\n`, `${pretty}\n\n`, `data: ${answer}`]) {
      const out = await filtered(body);
      assert.ok(!out.includes('"b"'), `unfiltered: ${JSON.stringify(body.slice(0, 30))}`);
      assert.match(out, /"name":"a"/);
    }
  });

  it("filters a batch of responses inside one event", async () => {
    const out = await filtered(`data: [${answer}]\n\n`);
    assert.ok(!out.includes('"b"'));
  });

  it("refuses an event whose data is not JSON with a 502, never passing it on", async () => {
    await assert.rejects(filtered("data: {not json\n\n"), { code: "MCPGW_ERR_UPSTREAM_BAD_RESPONSE", status: 502 });
    await assert.rejects(filtered(`data: ${"x".repeat(2 * 1024 * 1024)}\n\n`), { code: "MCPGW_ERR_UPSTREAM_BAD_RESPONSE" });
  });

  it("keeps comments and other events, in one framing", async () => {
    const out = await filtered(`: hi\r\revent: message\rdata: {"jsonrpc":"2.0","method":"notifications/progress"}\r\rdata: ${answer}\r\r`);
    assert.equal(out.split("\n\n").length, 4);
    assert.ok(!out.includes("\r"));
  });
});
