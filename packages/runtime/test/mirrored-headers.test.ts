import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseBody } from "../src/mcp/messages.js";
import { checkMirroredHeaders, decodeHeaderValue } from "../src/mcp/mirrored-headers.js";

const MODERN = "2026-07-28";
const modernCall = (name = "get_weather") =>
  parseBody(
    Buffer.from(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name, arguments: {}, _meta: { "io.modelcontextprotocol/protocolVersion": MODERN } },
      }),
    ),
    10,
  );
const headers = (extra: Record<string, string>) => ({ "mcp-protocol-version": MODERN, "mcp-method": "tools/call", ...extra });

describe("mirrored header validation", () => {
  it("accepts a modern request whose headers mirror the body", () => {
    const facts = checkMirroredHeaders(headers({ "mcp-name": "get_weather" }), modernCall());
    assert.deepEqual(facts, { era: "modern", protocolVersion: MODERN });
  });

  it("rejects an Mcp-Name naming another tool than the body calls", () => {
    assert.throws(() => checkMirroredHeaders(headers({ "mcp-name": "delete_all" }), modernCall()), { code: "MCPGW_ERR_HEADER_MISMATCH", status: 400, jsonRpcCode: -32020 });
  });

  it("rejects a modern tools/call without Mcp-Name", () => {
    assert.throws(() => checkMirroredHeaders(headers({}), modernCall()), /Mcp-Name header is required/);
  });

  it("rejects a protocol version header that differs from the body's _meta", () => {
    assert.throws(
      () => checkMirroredHeaders({ ...headers({ "mcp-name": "get_weather" }), "mcp-protocol-version": "2026-09-01" }, modernCall()),
      /MCP-Protocol-Version/,
    );
  });

  it("decodes Base64 sentinel names before comparing", () => {
    const encoded = `=?base64?${Buffer.from("天気").toString("base64")}?=`;
    assert.equal(checkMirroredHeaders(headers({ "mcp-name": encoded }), modernCall("天気")).era, "modern");
    assert.throws(() => checkMirroredHeaders(headers({ "mcp-name": encoded }), modernCall("weather")), /does not match/);
  });

  it("rejects header values with characters that must be encoded, and malformed Base64", () => {
    assert.throws(() => decodeHeaderValue("Mcp-Param-Region", " padded"), /Base64-encoded/);
    assert.throws(() => decodeHeaderValue("Mcp-Param-Region", "=?base64?not base64!?="), /invalid Base64/);
    assert.equal(decodeHeaderValue("Mcp-Param-Region", "us-west1"), "us-west1");
  });

  it("checks an Mcp-Method header even on a legacy request", () => {
    const legacy = parseBody(Buffer.from('{"jsonrpc":"2.0","id":2,"method":"tools/list"}'), 10);
    assert.equal(checkMirroredHeaders({}, legacy).era, "legacy");
    assert.throws(() => checkMirroredHeaders({ "mcp-method": "tools/call" }, legacy), /Mcp-Method/);
  });

  it("refuses mirrored headers on a batch, whose calls they cannot all describe", () => {
    const batch = parseBody(Buffer.from('[{"jsonrpc":"2.0","id":1,"method":"tools/list"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"x"}}]'), 10);
    assert.throws(() => checkMirroredHeaders({ "mcp-method": "tools/list" }, batch), /batch/);
  });
});
