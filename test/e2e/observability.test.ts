/**
 * What an operator sees: the admin listener and its /metrics (checked by promtool, scraped and
 * queried by a real Prometheus), request ids that follow a request through every hop, and the
 * access log.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { definePlugin, z } from "@mcp-gateway/runtime";
import { callerHeaders, headerAuthPlugin, postJsonRpc, rpc, startEchoUpstream, startTestGateway, toolsCall, toolsList, type EchoUpstream, type TestGateway } from "@mcp-gateway/runtime/testing";
import { startLegacyServer, type LegacyServer } from "../fixtures/legacy-server.ts";
import { connectLegacyClient } from "../helpers/sdk-clients.ts";
import { prometheusSkipReason, promtoolCheck, startPrometheus, type PrometheusServer } from "../helpers/prometheus.ts";
import { JSON_ONLY, LEGACY_STDIO, openSession, stdioUpstream } from "../helpers/stdio.ts";

/** The admin listener's /metrics as text, checked by promtool as Prometheus reads it. */
async function scrapeText(gateway: TestGateway, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(`${gateway.gateway.adminUrl}/metrics`, { headers });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  const check = await promtoolCheck(text);
  assert.ok(check.parsed, `promtool check metrics could not parse it: ${check.output}`);
  // Node's default metrics (prom-client's nodejs_*) carry lint findings of their own; ours may not.
  assert.deepEqual(check.findings.filter((finding) => finding.startsWith("mcp_gateway_")), [], "lint findings on the gateway's metrics");
  return text;
}

/** The sum of a PromQL selector's values as Prometheus scraped them (0 when no series matches). */
async function total(prometheus: PrometheusServer, selector: string): Promise<number> {
  return (await prometheus.query(selector)).reduce((sum, sample) => sum + sample.value, 0);
}

/** A plugin with metrics of its own, as a third party writes one. */
const countingPlugin = definePlugin({
  name: "acme-tally",
  version: "1.0.0",
  api: "^1",
  options: z.strictObject({}),
  setup(gateway) {
    const seen = gateway.metrics.counter("calls_seen_total", "Calls this plugin saw", ["method"]);
    gateway.hooks.authorize.tapPromise(async (ctx) => {
      for (const call of ctx.calls) if (call.method === "tools/call") seen.inc({ method: "tools/call" });
    });
  },
});

describe("the admin listener and /metrics, scraped by a real Prometheus", { skip: prometheusSkipReason() }, () => {
  let legacy: LegacyServer;
  let gateway: TestGateway;
  let prometheus: PrometheusServer;
  const alice = callerHeaders("acme", "alice");

  before(async () => {
    legacy = await startLegacyServer();
    gateway = await startTestGateway({
      config: {
        admin: { port: 0 },
        metrics: { maxToolLabels: 3 },
        upstreams: [{ name: "legacy", url: legacy.url }, stdioUpstream("files", LEGACY_STDIO)],
        federation: { enabled: false },
        plugins: [
          ["policy", { default: "allow", rules: [{ deny: { tools: ["add"] } }] }],
          ["ratelimit", { defaultRpm: 10_000, byTool: { slow: { rpm: 1, burst: 1 } } }],
          ["router", { rules: [{ match: { tool: "whoami" }, upstream: "files" }] }],
        ],
      },
      plugins: [{ plugin: headerAuthPlugin() }, { plugin: countingPlugin }],
    });
    prometheus = await startPrometheus([`${gateway.gateway.adminUrl}/metrics`]);
  });
  after(async () => {
    await prometheus?.close();
    await gateway?.close();
    await legacy?.close();
  });

  it("is off the public listener: /metrics there is 404", async () => {
    assert.equal((await fetch(`${gateway.baseUrl}/metrics`)).status, 404);
    assert.notEqual(new URL(gateway.gateway.adminUrl!).port, new URL(gateway.baseUrl).port);
    assert.equal(new URL(gateway.gateway.adminUrl!).hostname, "127.0.0.1");
  });

  it("counts requests by MCP method, upstream and outcome, and times them", async () => {
    const { client, close } = await connectLegacyClient(gateway.url, { headers: alice });
    try {
      await client.listTools();
      await client.callTool({ name: "echo", arguments: { message: "x" } });
      await client.callTool({ name: "echo", arguments: { message: "y" } });
      await assert.rejects(client.callTool({ name: "add", arguments: { a: 1, b: 2 } }));
      await client.callTool({ name: "slow", arguments: { steps: 1 } });
      await assert.rejects(client.callTool({ name: "slow", arguments: { steps: 1 } }));
    } finally {
      await close();
    }
    await prometheus.scrapedAfter(Date.now());
    const at = (selector: string) => total(prometheus, selector);
    assert.equal(await at('mcp_gateway_requests_total{method="tools/call",upstream="legacy",outcome="ok"}'), 3);
    // Refused in authorize, before routing: no upstream.
    assert.equal(await at('mcp_gateway_requests_total{method="tools/call",upstream="none",outcome="rejected_policy"}'), 1);
    assert.equal(await at('mcp_gateway_requests_total{method="tools/call",upstream="none",outcome="rejected_ratelimit"}'), 1);
    assert.equal(await at('mcp_gateway_requests_total{method="initialize",upstream="legacy",outcome="ok"}'), 1);
    assert.equal(await at('mcp_gateway_tool_calls_total{tool="echo",upstream="legacy",outcome="ok"}'), 2);
    assert.equal(await at('mcp_gateway_policy_denials_total{plugin="policy"}'), 1);
    assert.equal(await at('mcp_gateway_ratelimit_decisions_total{result="limited"}'), 1);
    assert.ok((await at('mcp_gateway_ratelimit_decisions_total{result="allowed"}')) >= 3);
    assert.equal(await at('mcp_gateway_acme_tally_calls_seen_total{method="tools/call"}'), 3, "a plugin's own counter, namespaced (its tap runs after policy and the rate limit)");
    assert.equal(await at('mcp_gateway_request_duration_seconds_count{method="tools/call",upstream="legacy"}'), 3, "the three calls that reached the upstream");
    assert.equal(await at('mcp_gateway_request_duration_seconds_bucket{method="tools/call",upstream="legacy",le="+Inf"}'), 3);
    assert.ok((await at('mcp_gateway_upstream_duration_seconds_count{upstream="legacy"}')) >= 4);
    assert.equal(await at("mcp_gateway_build_info"), 1);
    assert.equal((await prometheus.query("process_cpu_user_seconds_total")).length, 1, "node's process metrics");
    assert.equal(await at('mcp_gateway_config_reloads_total{result="ok"}'), 0);
    // A quantile an operator asks for works on what was stored.
    const p99 = await prometheus.query("histogram_quantile(0.99, sum by (le) (mcp_gateway_request_duration_seconds_bucket))");
    assert.equal(p99.length, 1);
    await scrapeText(gateway);
  });

  it("labels only tool names an upstream listed, at most metrics.maxToolLabels; methods only from the MCP method table", async () => {
    const headers = { ...alice, accept: "application/json, text/event-stream" };
    const session = await openSession(gateway.url, headers);
    const withSession = { ...headers, "mcp-session-id": session };
    await postJsonRpc(gateway.url, toolsCall(2, "no-such-tool-a"), withSession);
    await postJsonRpc(gateway.url, toolsCall(3, "no-such-tool-b"), withSession);
    await postJsonRpc(gateway.url, rpc(4, "made/up-method"), withSession);
    await prometheus.scrapedAfter(Date.now());
    const tools = new Set((await prometheus.query("mcp_gateway_tool_calls_total")).map((sample) => sample.labels.tool));
    assert.ok(!tools.has("no-such-tool-a") && !tools.has("no-such-tool-b"), "a made-up tool name is not a label");
    assert.ok(tools.has("_other"));
    assert.ok(tools.size <= 3 + 1, `at most maxToolLabels names and _other: ${[...tools].join(", ")}`);
    const methods = new Set((await prometheus.query("mcp_gateway_requests_total")).map((sample) => sample.labels.method));
    assert.ok(!methods.has("made/up-method"));
    assert.ok(methods.has("other"));
  });

  it("counts authentication failures by reason", async () => {
    await postJsonRpc(gateway.url, toolsList(1), JSON_ONLY);
    await prometheus.scrapedAfter(Date.now());
    assert.equal(await total(prometheus, 'mcp_gateway_auth_failures_total{reason="missing"}'), 1);
    assert.ok((await total(prometheus, 'mcp_gateway_requests_total{outcome="rejected"}')) >= 1);
  });

  it("reports stdio processes and sessions, and open streams, at scrape time", async () => {
    const stdio = await startTestGateway({ config: { admin: { port: 0 }, upstreams: [stdioUpstream("files", LEGACY_STDIO)] } });
    try {
      await openSession(stdio.url);
      const stream = await fetch(stdio.url, { headers: { accept: "text/event-stream", "mcp-session-id": await openSession(stdio.url) } });
      try {
        const text = await scrapeText(stdio);
        assert.match(text, /^mcp_gateway_stdio_processes\{upstream="files"\} 2$/m);
        assert.match(text, /^mcp_gateway_sessions\{upstream="files"\} 2$/m);
        assert.match(text, /^mcp_gateway_open_streams 1$/m);
      } finally {
        await stream.body?.cancel();
      }
    } finally {
      await stdio.close();
    }
  });
});

describe("federated sessions in the sessions gauge", { skip: prometheusSkipReason() }, () => {
  it("counts a federated session once it is in use", async () => {
    const [first, second] = [await startLegacyServer(), await startLegacyServer()];
    const gateway = await startTestGateway({ config: { admin: { port: 0 }, upstreams: [{ name: "a", url: first.url }, { name: "b", url: second.url, prefix: "b" }], federation: {} } });
    try {
      const { client, close } = await connectLegacyClient(gateway.url);
      try {
        await client.callTool({ name: "echo", arguments: { message: "x" } });
        assert.match(await scrapeText(gateway), /^mcp_gateway_sessions\{upstream="federated"\} 1$/m);
      } finally {
        await close();
      }
    } finally {
      await gateway.close();
      await first.close();
      await second.close();
    }
  });
});

describe("an admin listener with a token", { skip: prometheusSkipReason() }, () => {
  let gateway: TestGateway;
  before(async () => {
    gateway = await startTestGateway({ config: { admin: { port: 0, token: "admin-token-0123456789" } } });
  });
  after(async () => {
    await gateway?.close();
  });

  it("requires it on every path: 401 without or with a wrong one", async () => {
    for (const headers of [{}, { authorization: "Bearer wrong-token-0123456789" }, { authorization: "admin-token-0123456789" }] as Record<string, string>[]) {
      const response = await fetch(`${gateway.gateway.adminUrl}/metrics`, { headers });
      assert.equal(response.status, 401);
      assert.match(response.headers.get("www-authenticate") ?? "", /^Bearer /);
    }
    assert.equal((await fetch(`${gateway.gateway.adminUrl}/nothing-here`)).status, 401, "unknown paths too: nothing is learnt without the token");
    await scrapeText(gateway, { authorization: "Bearer admin-token-0123456789" });
  });

  it("refuses a non-loopback admin host without a token, and the public port, naming the path", async () => {
    await assert.rejects(startTestGateway({ config: { admin: { host: "0.0.0.0", port: 0 } } }), /admin\.token: required when admin\.host \(0\.0\.0\.0\) is not a loopback address/);
    await assert.rejects(startTestGateway({ config: { server: { port: 18080 }, admin: { port: 18080 } } }), /admin\.port: the admin listener needs a port of its own/);
    await assert.rejects(startTestGateway({ config: { admin: { port: 0, token: "short" } } }), /admin\.token: at least 16 characters/);
  });
});

describe("request ids and the access log", () => {
  let upstream: EchoUpstream;
  let gateway: TestGateway;
  let quiet: TestGateway;
  before(async () => {
    upstream = await startEchoUpstream();
    gateway = await startTestGateway({ config: { upstreams: [{ name: "echo", url: upstream.url }] }, plugins: [{ plugin: headerAuthPlugin() }] });
    quiet = await startTestGateway({ config: { upstreams: [{ name: "echo", url: upstream.url }], logging: { access: false } } });
  });
  after(async () => {
    await gateway?.close();
    await quiet?.close();
    await upstream?.close();
  });

  it("keeps a sane X-Request-Id, returns it, sends it upstream and logs it as requestId", async () => {
    const response = await postJsonRpc(gateway.url, toolsList(1), { ...JSON_ONLY, ...callerHeaders("acme", "alice"), "x-request-id": "lb-7f3a.9:ok" });
    assert.equal(response.headers.get("x-request-id"), "lb-7f3a.9:ok");
    assert.equal(upstream.requests.at(-1)!.headers["x-request-id"], "lb-7f3a.9:ok");
    const line = gateway.logs.find((entry) => entry.msg === "request" && entry.requestId === "lb-7f3a.9:ok");
    assert.ok(line, "an access line");
    assert.equal(line.method, "tools/list");
    assert.equal(line.upstream, "echo");
    assert.equal(line.status, 200);
    assert.equal(line.outcome, "served");
    assert.equal(line.tenant, "acme");
    assert.equal(line.client, "alice");
    assert.equal(line.remoteAddress, "127.0.0.1");
    assert.equal(typeof line.durationMs, "number");
  });

  it("replaces an X-Request-Id that is not sane with a UUID of its own", async () => {
    for (const given of ["has space", "x".repeat(129), "tab\there", "é-non-ascii", ""]) {
      const response = await postJsonRpc(gateway.url, toolsList(1), { ...JSON_ONLY, ...callerHeaders("acme", "alice"), "x-request-id": given });
      const id = response.headers.get("x-request-id")!;
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, `for ${JSON.stringify(given)}: ${id}`);
    }
  });

  it("puts the id in error.data.requestId of every gateway error, and logs the refusal with it", async () => {
    const response = await postJsonRpc(gateway.url, toolsList(1), { ...JSON_ONLY, "x-request-id": "refused-1" });
    assert.equal(response.status, 401);
    assert.equal((response.body as { error: { data: { requestId: string } } }).error.data.requestId, "refused-1");
    const early = await fetch(gateway.url, { method: "PUT", headers: { "x-request-id": "early-1" } });
    assert.equal(early.status, 405);
    assert.equal(((await early.json()) as { error: { data: { requestId: string } } }).error.data.requestId, "early-1");
    const line = gateway.logs.find((entry) => entry.msg === "request" && entry.requestId === "refused-1");
    assert.equal(line?.status, 401);
    assert.equal(line?.outcome, "rejected");
    assert.equal(line?.errorCode, "MCPGW_ERR_UNAUTHENTICATED");
  });

  it("writes no access line with logging.access: false", async () => {
    await postJsonRpc(quiet.url, toolsList(1), { ...JSON_ONLY, "x-request-id": "quiet-1" });
    assert.equal(quiet.logs.filter((entry) => entry.msg === "request").length, 0);
    assert.equal(quiet.gateway.adminUrl, undefined, "no admin listener unless configured");
  });
});
