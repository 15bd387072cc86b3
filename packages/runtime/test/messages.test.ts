import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidBatchError, parseBody } from "../src/mcp/messages.js";

const parse = (text: string, max = 5) => parseBody(Buffer.from(text), max);

function captured(fn: () => unknown): InvalidBatchError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidBatchError) return err;
    throw err;
  }
  throw new Error("expected an InvalidBatchError");
}

describe("JSON-RPC body parsing", () => {
  it("extracts the MCP facts of each call", () => {
    const { calls } = parse(
      JSON.stringify([
        { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "math.add" } },
        { jsonrpc: "2.0", id: "r", method: "resources/read", params: { uri: "file:///a" } },
        { jsonrpc: "2.0", id: 3, method: "prompts/get", params: { name: "greet" } },
        { jsonrpc: "2.0", method: "notifications/initialized" },
        { jsonrpc: "2.0", id: 9, result: {} },
      ]),
    );
    assert.deepEqual(
      calls.map(({ kind, id, method, toolName, resourceUri, promptName }) => ({ kind, id, method, toolName, resourceUri, promptName })),
      [
        { kind: "request", id: 1, method: "tools/call", toolName: "math.add", resourceUri: undefined, promptName: undefined },
        { kind: "request", id: "r", method: "resources/read", toolName: undefined, resourceUri: "file:///a", promptName: undefined },
        { kind: "request", id: 3, method: "prompts/get", toolName: undefined, resourceUri: undefined, promptName: "greet" },
        { kind: "notification", id: undefined, method: "notifications/initialized", toolName: undefined, resourceUri: undefined, promptName: undefined },
        { kind: "response", id: 9, method: undefined, toolName: undefined, resourceUri: undefined, promptName: undefined },
      ],
    );
  });

  it("answers malformed JSON with -32700", () => {
    assert.throws(() => parse("{nope"), { code: "MCPGW_ERR_PARSE", jsonRpcCode: -32700, status: 400 });
  });

  it("answers non-JSON-RPC messages and empty batches with -32600", () => {
    assert.throws(() => parse('{"id":1,"method":"x"}'), { code: "MCPGW_ERR_INVALID_REQUEST" });
    assert.throws(() => parse('{"jsonrpc":"2.0","id":{},"method":"x"}'), { code: "MCPGW_ERR_INVALID_REQUEST" });
    assert.throws(() => parse("[]"), { code: "MCPGW_ERR_INVALID_REQUEST" });
    assert.throws(() => parse("42"), { code: "MCPGW_ERR_INVALID_REQUEST" });
  });

  it("answers a batch with invalid entries with one error per entry, forwarding none of it", () => {
    // Regression (issue 14): [1, "a", null, {}, []] got a single error object.
    const junk = captured(() => parse('[1, "a", null, {}, []]'));
    assert.equal(junk.code, "MCPGW_ERR_INVALID_REQUEST");
    assert.deepEqual(
      junk.responses.map(({ id }) => id),
      [null, null, null, null, null],
    );
    const mixed = captured(() => parse('[{"jsonrpc":"2.0","id":7,"method":"tools/list"},{"jsonrpc":"2.0","method":"x","id":{}},{"jsonrpc":"2.0","method":"notifications/initialized"}]'));
    assert.deepEqual(
      mixed.responses.map(({ id, message }) => ({ id, invalid: message.includes("batch entry 1") })),
      [
        { id: 7, invalid: true },
        { id: null, invalid: true },
      ],
    );
  });

  it("answers a message with both method and result as -32600, not as a request", () => {
    assert.throws(() => parse('{"jsonrpc":"2.0","id":1,"method":"tools/call","result":{}}'), { code: "MCPGW_ERR_INVALID_REQUEST", jsonRpcCode: -32600 });
    assert.throws(() => parse('{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"x"}}'), { code: "MCPGW_ERR_INVALID_REQUEST" });
  });

  it("refuses a batch over the limit before inspecting it", () => {
    const batch = JSON.stringify(Array.from({ length: 6 }, (_, id) => ({ jsonrpc: "2.0", id, method: "ping" })));
    assert.throws(() => parse(batch, 5), { code: "MCPGW_ERR_BATCH_TOO_LARGE" });
  });
});
