/**
 * Issue 14, "Policy can be walked around": items 1 to 4, against the built CLI.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { startRawUpstream, type Exchange, type RawUpstream } from "../fixtures/raw-upstream.ts";
import { connectLegacyClient } from "../helpers/sdk-clients.ts";
import type { SpawnedGateway } from "../helpers/spawn-gateway.ts";
import { errorCode, post, rpc, rss, runCli, within, workspace, type Workspace } from "./support.ts";

const ONLY_REVIEW = { rules: [{ allow: { methods: ["*"], prompts: ["review"], resources: ["file:///docs/*"] } }] };
const PROMPTS = { jsonrpc: "2.0", id: 2, result: { prompts: [{ name: "review" }, { name: "internal" }] } };

/** An upstream that speaks enough MCP for an SDK client, and answers prompts/list with `listAnswer`. */
function promptServer(listAnswer: (exchange: Exchange, id: unknown) => void) {
  return (exchange: Exchange) => {
    if (exchange.method !== "POST") return exchange.raw(405, { allow: "POST" }, "");
    const { id, method } = exchange.message as { id?: unknown; method?: string };
    if (id === undefined) return exchange.raw(202, {}, "");
    if (method === "initialize") {
      return exchange.json(200, { jsonrpc: "2.0", id, result: { protocolVersion: "2025-03-26", capabilities: { prompts: {}, completions: {} }, serverInfo: { name: "hostile", version: "1" } } });
    }
    if (method === "prompts/list") return listAnswer(exchange, id);
    exchange.json(200, { jsonrpc: "2.0", id, result: {} });
  };
}

const sse = (body: string) => (exchange: Exchange) => exchange.raw(200, { "content-type": "text/event-stream" }, body);

describe("hostile: policy sees every target (issue 14, item 1)", () => {
  let ws: Workspace;
  let upstream: RawUpstream;
  let gw: SpawnedGateway;
  before(async () => {
    ws = await workspace("targets");
    upstream = await startRawUpstream(promptServer((exchange, id) => exchange.json(200, { ...PROMPTS, id })));
    gw = await ws.start({ server: { port: 0 }, upstreams: [{ name: "u", url: upstream.url }], plugins: [["policy", ONLY_REVIEW]] });
  });
  after(async () => {
    await ws.close();
    await upstream.close();
  });

  it("refuses completion/complete of a prompt policy denies, as it refuses prompts/get of it", async () => {
    const forwarded = upstream.exchanges.length;
    const get = await post(gw.url, rpc(1, "prompts/get", { name: "internal" }));
    const complete = await post(gw.url, rpc(2, "completion/complete", { ref: { type: "ref/prompt", name: "internal" }, argument: { name: "a", value: "" } }));
    for (const response of [get, complete]) {
      assert.equal(response.status, 403);
      assert.equal(errorCode(response), "MCPGW_ERR_FORBIDDEN");
    }
    assert.match(complete.text, /prompt \\"internal\\" is not allowed/);
    assert.equal(upstream.exchanges.length, forwarded, "nothing reached the upstream");
    const allowed = await post(gw.url, rpc(3, "completion/complete", { ref: { type: "ref/prompt", name: "review" }, argument: { name: "a", value: "" } }));
    assert.equal(allowed.status, 200);
  });

  it("refuses completion of a denied resource template, subscribe to a denied resource, and a completion with no ref", async () => {
    const resource = await post(gw.url, rpc(4, "completion/complete", { ref: { type: "ref/resource", uri: "secret://{id}" }, argument: { name: "id", value: "" } }));
    const subscribe = await post(gw.url, rpc(5, "resources/subscribe", { uri: "file:///etc/passwd" }));
    const noRef = await post(gw.url, rpc(6, "completion/complete", { argument: { name: "a", value: "" } }));
    for (const response of [resource, subscribe, noRef]) assert.equal(response.status, 403, response.text);
    assert.equal((await post(gw.url, rpc(7, "resources/subscribe", { uri: "file:///docs/a.md" }))).status, 200);
  });
});

describe("hostile: a mistyped glob is refused at load (issue 14, item 2)", () => {
  let ws: Workspace;
  before(async () => {
    ws = await workspace("globs");
  });
  after(() => ws.close());

  for (const glob of ["admin_[*", "[z-a]*"]) {
    it(`validate refuses deny.tools ${JSON.stringify(glob)}, naming the config path`, async () => {
      const plugins = await ws.config({ upstreams: [{ name: "u", url: "http://127.0.0.1:9/mcp" }], plugins: [["policy", { default: "allow", rules: [{ deny: { tools: [glob] } }] }]] });
      const sectioned = await ws.config({ upstreams: [{ name: "u", url: "http://127.0.0.1:9/mcp" }], policy: { default: "allow", rules: [{ deny: { tools: [glob] } }] } });
      for (const [file, where] of [
        [plugins, "plugins[0][1].rules[0].deny.tools[0]"],
        [sectioned, "policy.rules[0].deny.tools[0]"],
      ] as const) {
        const run = await runCli(["validate", "-c", file]);
        assert.equal(run.code, 1, run.stdout);
        assert.ok(run.stderr.includes(where), `${run.stderr} names ${where}`);
        assert.doesNotMatch(run.stdout, /OK/);
      }
    });
  }
});

describe("hostile: an event-stream answer cannot get past the list filter (issue 14, item 3)", () => {
  let ws: Workspace;
  let upstream: RawUpstream;
  let gw: SpawnedGateway;
  const answer = JSON.stringify({ ...PROMPTS, id: 2 });
  before(async () => {
    ws = await workspace("sse");
    upstream = await startRawUpstream();
    gw = await ws.start({ server: { port: 0 }, upstreams: [{ name: "u", url: upstream.url }], plugins: [["policy", ONLY_REVIEW]] });
  });
  after(async () => {
    await ws.close();
    await upstream.close();
  });

  it("an SDK 1.x client's listPrompts() shows only the allowed prompt when the upstream frames events with bare CR", async () => {
    upstream.respondWith(promptServer((exchange, id) => sse(`event: message\rdata: ${JSON.stringify({ ...PROMPTS, id })}\r\r`)(exchange)));
    const client = await connectLegacyClient(gw.url);
    try {
      const { prompts } = await client.client.listPrompts();
      assert.deepEqual(
        prompts.map((prompt) => prompt.name),
        ["review"],
      );
    } finally {
      await client.close();
    }
  });

  it("filters every framing: LF, CRLF, CR, a BOM, data split over lines, no final blank line", async () => {
    const pretty = JSON.stringify(JSON.parse(answer), null, 2)
      .split("\n")
      .map((line) => `data: ${line}`)
      .join("\n");
    for (const body of [`data: ${answer}\n\n`, `data: ${answer}\r\n\r\n`, `data: ${answer}\r\r`, `\uFEFFdata: ${answer}\n\n`, `${pretty}\n\n`, `data: ${answer}`]) {
      upstream.respondWith(sse(body));
      const response = await post(gw.url, rpc(2, "prompts/list"));
      assert.equal(response.status, 200);
      assert.ok(!response.text.includes("internal"), `unfiltered for ${JSON.stringify(body.slice(0, 24))}: ${response.text}`);
      assert.match(response.text, /review/);
    }
  });

  it("answers 502 for an answer it cannot read, event stream or JSON, never passing it on", async () => {
    for (const respond of [sse("data: {not json\n\n"), (exchange: Exchange) => exchange.raw(200, { "content-type": "application/json" }, "{not json")]) {
      upstream.respondWith(respond);
      const response = await post(gw.url, rpc(2, "prompts/list"));
      assert.equal(response.status, 502);
      assert.equal(errorCode(response), "MCPGW_ERR_UPSTREAM_BAD_RESPONSE");
    }
  });

  it("filters an answer sent with another 2xx status", async () => {
    upstream.respondWith((exchange) => exchange.json(203, { ...PROMPTS, id: 2 }));
    const response = await post(gw.url, rpc(2, "prompts/list"));
    assert.ok(!response.text.includes("internal"), response.text);
  });
});

describe("hostile: an answer read whole is capped (issue 14, item 4)", () => {
  let ws: Workspace;
  let gw: SpawnedGateway;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      // 200 MiB of a prompts/list answer, written as fast as the gateway reads it.
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"jsonrpc":"2.0","id":2,"result":{"prompts":[');
      const chunk = Buffer.from(`${'{"name":"p"},'.repeat(80_000)}`);
      let sent = 0;
      const pump = () => {
        while (sent < 200 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end('{"name":"last"}]}}');
      };
      pump();
    });
  });
  let cut: Promise<void>;
  before(async () => {
    ws = await workspace("cap");
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cut = new Promise((resolve) => server.on("connection", (socket) => socket.on("close", () => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
    gw = await ws.start({ server: { port: 0, maxBufferedResponseBytes: 4 * 1024 * 1024 }, upstreams: [{ name: "big", url }], plugins: [["policy", ONLY_REVIEW]] });
  });
  after(async () => {
    await ws.close();
    server.closeAllConnections();
    server.close();
  });

  it("answers 502 MCPGW_ERR_UPSTREAM_RESPONSE_TOO_LARGE, aborts the upstream request and keeps its memory", async () => {
    const before = rss(gw.pid);
    const response = await within(post(gw.url, rpc(2, "prompts/list")), 20_000, "the oversized answer is refused");
    assert.equal(response.status, 502);
    assert.equal(errorCode(response), "MCPGW_ERR_UPSTREAM_RESPONSE_TOO_LARGE");
    await within(cut, 5_000, "the upstream connection is closed");
    const grown = rss(gw.pid) - before;
    assert.ok(grown < 64 * 1024 * 1024, `the gateway grew by ${(grown / 2 ** 20).toFixed(1)} MiB`);
  });
});
