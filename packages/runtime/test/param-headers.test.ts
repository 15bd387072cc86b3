import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseBody } from "../src/mcp/messages.js";
import { decodeHeaderValue } from "../src/mcp/mirrored-headers.js";
import { checkParamHeaders, ParamHeaderIndex, paramHeadersOf } from "../src/mcp/param-headers.js";

const schema = {
  type: "object",
  properties: {
    region: { type: "string", "x-mcp-header": "Region" },
    limits: { type: "object", properties: { shards: { type: "integer", "x-mcp-header": "Shards" } } },
    tags: { type: "array", items: { type: "string", "x-mcp-header": "Tag" } },
  },
};
const call = (args: unknown) => parseBody(Buffer.from(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "q", arguments: args } })), 1).calls[0]!;

describe("x-mcp-header annotations", () => {
  it("are read along chains of properties only, never through items", () => {
    assert.deepEqual(
      [...paramHeadersOf(schema)!],
      [
        ["mcp-param-region", ["region"]],
        ["mcp-param-shards", ["limits", "shards"]],
      ],
    );
    assert.equal(paramHeadersOf({ type: "object", properties: { a: { type: "string" } } }), undefined);
  });

  it("are learned per tool from tools/list results and forgotten when a tool drops them", () => {
    const index = new ParamHeaderIndex();
    index.learn({ tools: [{ name: "q", inputSchema: schema }] });
    assert.ok(index.get("q"));
    index.learn({ tools: [{ name: "q", inputSchema: { type: "object" } }] });
    assert.equal(index.get("q"), undefined);
  });

  it("make a header that disagrees with its argument a mismatch, integers compared as numbers", () => {
    const map = paramHeadersOf(schema)!;
    const check = (headers: Record<string, string>, args: unknown) => checkParamHeaders(headers, call(args), map, decodeHeaderValue);
    assert.doesNotThrow(() => check({ "mcp-param-region": "eu", "mcp-param-shards": "42.0" }, { region: "eu", limits: { shards: 42 } }));
    assert.doesNotThrow(() => check({}, { limits: {} }));
    assert.throws(() => check({ "mcp-param-region": "us" }, { region: "eu" }), { code: "MCPGW_ERR_HEADER_MISMATCH" });
    assert.throws(() => check({}, { region: "eu" }), /mcp-param-region header is required/);
    assert.throws(() => check({ "mcp-param-shards": "7" }, { limits: {} }), /has no value in the body/);
  });
});
