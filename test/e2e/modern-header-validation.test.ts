/**
 * Mirrored headers (2026-07-28 Streamable HTTP, "Server Validation"): the gateway checks them
 * against the body before anything else, so a request whose headers say one thing and whose body
 * says another never reaches a plugin or the upstream.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestGateway, type TestGateway } from "@mcp-gateway/runtime/testing";
import { modernHeaders, modernRequest, startModernServer, type ModernServer } from "../fixtures/modern-server.ts";

/** `=?base64?…?=`, the sentinel encoding for header values (here used for a plain name, which is allowed). */
function sentinel(value: string): string {
  return `=?base64?${Buffer.from(value, "utf8").toString("base64")}?=`;
}

interface MismatchCase {
  name: string;
  id: string | number;
  body: unknown;
  headers: Record<string, string>;
}

const echoCall = (id: string | number) => modernRequest(id, "tools/call", { name: "echo", arguments: { text: "hi" } });

const mismatches: MismatchCase[] = [
  {
    name: "Mcp-Name names one tool while the body calls another",
    id: "name-1",
    body: echoCall("name-1"),
    headers: modernHeaders("tools/call", "deploy"),
  },
  {
    name: "Mcp-Method differs from the body's method",
    id: 2,
    body: echoCall(2),
    headers: modernHeaders("tools/list", "echo"),
  },
  {
    name: "MCP-Protocol-Version is 2026-07-28 but the body's _meta carries another version",
    id: "version-3",
    body: modernRequest("version-3", "tools/call", { name: "echo", arguments: { text: "hi" } }, "2025-11-25"),
    headers: modernHeaders("tools/call", "echo"),
  },
  {
    name: "a modern tools/call has no Mcp-Name",
    id: 4,
    body: echoCall(4),
    headers: modernHeaders("tools/call"),
  },
  {
    name: "a Base64-sentinel Mcp-Name decodes to another tool than the body calls",
    id: "sentinel-5",
    body: echoCall("sentinel-5"),
    headers: modernHeaders("tools/call", sentinel("deploy")),
  },
];

describe("modern mirrored headers are validated against the body by the gateway", () => {
  let server: ModernServer;
  let gateway: TestGateway;

  before(async () => {
    server = await startModernServer();
    gateway = await startTestGateway({ config: { upstreams: [{ name: "modern", url: server.url }] } });
  });

  after(async () => {
    await gateway?.close();
    await server?.close();
  });

  for (const { name, id, body, headers } of mismatches) {
    it(`rejects with 400 / -32020 before the upstream sees it when ${name}`, async () => {
      const received = server.requests.length;
      const response = await gateway.post(body, headers);

      assert.equal(response.status, 400);
      const error = response.body as { jsonrpc: string; id: unknown; error: { code: number; message: string } };
      assert.equal(error.jsonrpc, "2.0");
      assert.equal(error.id, id);
      assert.equal(error.error.code, -32020);
      assert.match(error.error.message, /^Header mismatch/);
      assert.equal(server.requests.length, received, "the upstream received nothing");
    });
  }

  it("accepts a Base64-sentinel Mcp-Name that decodes to the tool the body calls", async () => {
    const received = server.requests.length;
    const response = await gateway.post(echoCall("sentinel-ok"), modernHeaders("tools/call", sentinel("echo")));

    assert.equal(response.status, 200);
    const answer = response.body as { id: unknown; result?: { content: { text: string }[] } };
    assert.equal(answer.id, "sentinel-ok");
    assert.equal(answer.result?.content[0]?.text, "hi");
    assert.equal(server.requests.length, received + 1);
    assert.equal(server.requests.at(-1)?.headers["mcp-name"], sentinel("echo"), "the encoded header reaches the upstream unchanged");
  });
});

describe("Mcp-Param-* headers are checked against the arguments once the tool's annotations are known", () => {
  let server: ModernServer;
  let gateway: TestGateway;
  const regionCall = (id: string, region: unknown) => modernRequest(id, "tools/call", { name: "query_region", arguments: { region } });

  before(async () => {
    server = await startModernServer();
    gateway = await startTestGateway({ config: { upstreams: [{ name: "modern", url: server.url }] } });
    // The gateway learns query_region's x-mcp-header: "Region" from the tools/list passing through.
    const list = await gateway.post(modernRequest("list", "tools/list"), modernHeaders("tools/list"));
    assert.equal(list.status, 200);
  });

  after(async () => {
    await gateway?.close();
    await server?.close();
  });

  const cases: { name: string; headers: Record<string, string>; region: unknown }[] = [
    { name: "the header disagrees with the argument", headers: { "mcp-param-region": "eu-west1" }, region: "us-west1" },
    { name: "the argument is present but the header is missing", headers: {}, region: "us-west1" },
    { name: "the header is sent for an argument the body does not have", headers: { "mcp-param-region": "us-west1" }, region: null },
  ];
  for (const { name, headers, region } of cases) {
    it(`rejects with 400 / -32020 when ${name}`, async () => {
      const received = server.requests.length;
      const response = await gateway.post(regionCall("param", region), { ...modernHeaders("tools/call", "query_region"), ...headers });
      assert.equal(response.status, 400);
      assert.equal((response.body as { error: { code: number } }).error.code, -32020);
      assert.equal(server.requests.length, received, "the upstream received nothing");
    });
  }

  it("accepts a matching header, Base64-encoded or plain", async () => {
    for (const header of ["us-west1", sentinel("us-west1")]) {
      const response = await gateway.post(regionCall("ok", "us-west1"), { ...modernHeaders("tools/call", "query_region"), "mcp-param-region": header });
      assert.equal(response.status, 200, response.text);
    }
  });
});
