import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { McpCall, RequestContext } from "../src/context.js";
import { createHooks } from "../src/hooks.js";
import { transformJson } from "../src/proxy/transform.js";

const ctx = {} as RequestContext;
const call = (id: number): McpCall => ({ kind: "request", id, method: "tools/list", message: { jsonrpc: "2.0", id, method: "tools/list" } });
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

  it("serialises once when a tap changes the result, in a batch only the changed message", async () => {
    const hooks = createHooks();
    hooks.transformResult.for("tools/list").tapPromise("filter", async (result) => ({ tools: (result as { tools: { name: string }[] }).tools.filter((tool) => tool.name !== "b") }));
    assert.equal(await transformJson(body, hooks, ctx, new Map([[1, call(1)]])), '{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"a"}]}}');

    const batch = `[${body}, { "jsonrpc": "2.0", "id": 2, "result": {} }]`;
    const out = JSON.parse(await transformJson(batch, hooks, ctx, new Map([[1, call(1)]]))) as unknown[];
    assert.deepEqual(out, [{ jsonrpc: "2.0", id: 1, result: { tools: [{ name: "a" }] } }, { jsonrpc: "2.0", id: 2, result: {} }]);
  });
});
