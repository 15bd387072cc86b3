import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { startEchoUpstream, startTestGateway, toolsCall, type EchoUpstream, type TestGateway } from "@mcp-gateway/runtime/testing";
import router from "../src/index.js";

const UPSTREAMS = ["mcp-math", "mcp-kb", "mcp-reports"];

/** The sectioned format README's three-upstream routing example. */
const SECTIONED_ROUTING = [
  { match: { method: "tools/call", tool: "math.*" }, upstream: "mcp-math" },
  { match: { method: "tools/call", tool: "kb.*" }, upstream: "mcp-kb" },
  { match: { method: "tools/call", tool: "reports.*" }, upstream: "mcp-reports" },
  { match: { method: "*" }, upstream: "mcp-reports" },
];

describe("router from the sectioned format's routing section, through a gateway (federation off)", () => {
  const echoes = new Map<string, EchoUpstream>();
  let gw: TestGateway;
  /** Names of the upstreams that received a request since the last call. */
  const reached = () => {
    const names = [...echoes].filter(([, echo]) => echo.requests.length).map(([name]) => name);
    for (const echo of echoes.values()) echo.requests.length = 0;
    return names;
  };

  before(async () => {
    for (const name of UPSTREAMS) echoes.set(name, await startEchoUpstream());
    gw = await startTestGateway({
      config: {
        upstreams: UPSTREAMS.map((name) => ({ name, url: echoes.get(name)!.url })),
        routing: SECTIONED_ROUTING,
        audit: { enabled: false },
        // The echo upstreams are not MCP servers: these tests see the rules alone decide, as they
        // do when no session spans upstreams. federation.test.ts covers the automatic federation.
        federation: { enabled: false },
      },
    });
  });
  after(async () => {
    await gw.close();
    for (const echo of echoes.values()) await echo.close();
  });

  it("sends each tool to the upstream its first matching rule names", async () => {
    for (const [tool, upstream] of [
      ["math.add", "mcp-math"],
      ["kb.search", "mcp-kb"],
      ["reports.weekly", "mcp-reports"],
      ["unlisted", "mcp-reports"],
    ]) {
      const response = await gw.post(toolsCall(1, tool!));
      assert.equal(response.status, 200);
      assert.deepEqual(reached(), [upstream], tool);
    }
  });

  it("sends other methods to the catch-all rule's upstream, not the first upstream", async () => {
    await gw.post({ jsonrpc: "2.0", id: 2, method: "tools/list" });
    assert.deepEqual(reached(), ["mcp-reports"]);
  });

  it("routes a batch by its first request", async () => {
    const response = await gw.post([{ jsonrpc: "2.0", method: "notifications/initialized" }, toolsCall("a", "kb.search"), toolsCall("b", "math.add")]);
    assert.equal(response.status, 200);
    assert.deepEqual(reached(), ["mcp-kb"]);
  });

  it("sends a GET event stream request to the catch-all rule's upstream", async () => {
    await (await fetch(gw.url, { headers: { accept: "text/event-stream", "mcp-session-id": "s-1" } })).text();
    assert.deepEqual(reached(), ["mcp-reports"]);
  });
});

describe("router without a match", () => {
  it("leaves the request to the first upstream", async () => {
    const first = await startEchoUpstream();
    const second = await startEchoUpstream();
    const gw = await startTestGateway({
      config: { upstreams: [{ name: "first", url: first.url }, { name: "second", url: second.url }] },
      plugins: [{ plugin: router, options: { rules: [{ match: { method: "prompts/*" }, upstream: "second" }] } }],
    });
    try {
      await gw.post(toolsCall(1, "echo"));
      assert.equal(first.requests.length, 1);
      assert.equal(second.requests.length, 0);
    } finally {
      await gw.close();
      await first.close();
      await second.close();
    }
  });
});

describe("router refuses an unknown upstream at load", () => {
  const upstreams = [{ name: "a", url: "http://127.0.0.1:9/mcp" }, { name: "b", url: "http://127.0.0.1:9/mcp" }];
  const rules = [
    { match: { tool: "x.*" }, upstream: "a" },
    { match: { tool: "y.*" }, upstream: "b" },
    { match: { method: "*" }, upstream: "x" },
  ];

  it("naming the sectioned format's routing path", async () => {
    await assert.rejects(startTestGateway({ config: { upstreams, routing: rules, audit: { enabled: false } } }), (err: Error & { code?: string }) => {
      assert.equal(err.code, "MCPGW_ERR_PLUGIN_OPTIONS");
      assert.match(err.message, /^plugin "router" declared in .* at routing: routing\[2\]\.upstream: unknown upstream "x" \(known: a, b\)$/);
      return true;
    });
  });

  it("naming the rule's path in the plugin's options", async () => {
    await assert.rejects(startTestGateway({ config: { upstreams }, plugins: [{ plugin: router, options: { rules } }] }), (err: Error & { code?: string }) => {
      assert.equal(err.code, "MCPGW_ERR_PLUGIN_OPTIONS");
      assert.match(err.message, /: rules\[2\]\.upstream: unknown upstream "x" \(known: a, b\)$/);
      return true;
    });
  });
});

describe("mcp-gateway routes", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "router-routes-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("prints the upstreams, then the sectioned format's rules in order with their targets", async () => {
    const config = {
      upstreams: UPSTREAMS.map((name, index) => ({ name, url: `http://10.0.0.1${index + 1}:9000/mcp`, timeoutMs: 30000 })),
      routing: SECTIONED_ROUTING,
      audit: { enabled: false },
    };
    const file = path.join(dir, "config.json");
    await writeFile(file, JSON.stringify(config));
    const bin = createRequire(import.meta.url).resolve("@mcp-gateway/runtime/package.json").replace(/package\.json$/, "bin/mcp-gateway.js");
    const { stdout } = await promisify(execFile)(process.execPath, [bin, "routes", "-c", file], { timeout: 30_000 });
    assert.equal(
      stdout,
      [
        "Upstreams:",
        "  mcp-math  http://10.0.0.11:9000/mcp  (timeout 30000 ms)",
        "  mcp-kb  http://10.0.0.12:9000/mcp  (timeout 30000 ms)",
        "  mcp-reports  http://10.0.0.13:9000/mcp  (timeout 30000 ms)",
        "Rules (first match wins):",
        "  1. method=tools/call tool=math.* -> mcp-math",
        "  2. method=tools/call tool=kb.* -> mcp-kb",
        "  3. method=tools/call tool=reports.* -> mcp-reports",
        "  4. method=* -> mcp-reports",
        "  fallback -> mcp-math",
        "Federation (automatic, the rules reach several upstreams): mcp-math, mcp-kb, mcp-reports share one client session; lists merged",
        "  sessions are sealed with a key generated at start: set federation.sessionKeys to keep them across restarts and replicas",
        "",
      ].join("\n"),
    );
  });
});
