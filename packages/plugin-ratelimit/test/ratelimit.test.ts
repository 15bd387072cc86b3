import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { callerHeaders, headerAuthPlugin, pluginConformance, startTestGateway, toolsCall, toolsList, type TestGateway } from "@mcp-gateway/runtime/testing";
import ratelimit, { createRateLimitPlugin } from "../src/index.ts";
import type { RateLimitOptionsInput } from "../src/options.ts";
import { errorOf, manualClock, type ErrorBody } from "./support.ts";

pluginConformance(ratelimit, { options: { defaultRpm: 60 }, invalidOptions: { defaultRpm: -1 } });

/** A gateway with header auth and the rate limiter on a hand-moved clock. */
async function limitedGateway(options: RateLimitOptionsInput) {
  const clock = manualClock();
  const gw = await startTestGateway({
    plugins: [{ plugin: headerAuthPlugin() }, { plugin: createRateLimitPlugin({ now: clock.now }), options }],
    env: {},
  });
  return { gw, clock };
}

describe("ratelimit (memory store) through a real gateway", () => {
  const open: TestGateway[] = [];
  const start = async (options: RateLimitOptionsInput) => {
    const started = await limitedGateway(options);
    open.push(started.gw);
    return started;
  };
  after(() => Promise.all(open.map((gw) => gw.close())));

  it("admits defaultRpm calls per minute, then answers 429 with -32029, Retry-After and RateLimit-* headers", async () => {
    const { gw } = await start({ defaultRpm: 3 });
    const who = callerHeaders("acme", "bot");
    for (const id of [1, 2, 3]) assert.equal((await gw.post(toolsList(id), who)).status, 200);
    const limited = await gw.post(toolsList(4), who);
    assert.equal(limited.status, 429);
    const body = limited.body as ErrorBody;
    assert.equal(body.id, 4);
    assert.equal(body.error.code, -32029);
    assert.equal(body.error.data.code, "MCPGW_ERR_RATE_LIMITED");
    // 3 rpm refills one call every 20 s; the empty bucket is full again after 60 s.
    assert.equal(limited.headers.get("retry-after"), "20");
    assert.equal(limited.headers.get("ratelimit-limit"), "3");
    assert.equal(limited.headers.get("ratelimit-remaining"), "0");
    assert.equal(limited.headers.get("ratelimit-reset"), "60");
  });

  it("never forwards a limited call upstream", async () => {
    const { gw } = await start({ defaultRpm: 1 });
    await gw.post(toolsList(1), callerHeaders("acme", "bot"));
    const before = gw.upstream!.requests.length;
    assert.equal((await gw.post(toolsList(2), callerHeaders("acme", "bot"))).status, 429);
    assert.equal(gw.upstream!.requests.length, before);
  });

  it("refills at rpm/60 calls per second", async () => {
    const { gw, clock } = await start({ defaultRpm: 3 });
    const who = callerHeaders("acme", "bot");
    for (const id of [1, 2, 3]) await gw.post(toolsList(id), who);
    clock.advance(19_999);
    assert.equal((await gw.post(toolsList(4), who)).status, 429);
    clock.advance(1);
    assert.equal((await gw.post(toolsList(5), who)).status, 200);
    assert.equal((await gw.post(toolsList(6), who)).status, 429);
  });

  it("keeps separate buckets per tenant, client and method", async () => {
    const { gw } = await start({ defaultRpm: 1 });
    assert.equal((await gw.post(toolsList(1), callerHeaders("acme", "bot"))).status, 200);
    assert.equal((await gw.post(toolsList(2), callerHeaders("acme", "bot"))).status, 429);
    assert.equal((await gw.post(toolsList(3), callerHeaders("acme", "other-bot"))).status, 200);
    assert.equal((await gw.post(toolsList(4), callerHeaders("globex", "bot"))).status, 200);
    assert.equal((await gw.post(toolsCall(5, "echo"), callerHeaders("acme", "bot"))).status, 200);
  });

  it("applies a byMethod limit to that method only", async () => {
    const { gw } = await start({ defaultRpm: 100, byMethod: { "tools/call": 1 } });
    const who = callerHeaders("acme", "bot");
    assert.equal((await gw.post(toolsCall(1, "echo"), who)).status, 200);
    const limited = await gw.post(toolsCall(2, "echo"), who);
    assert.equal(limited.status, 429);
    assert.match(errorOf(limited).message, /tools\/call \(1 per minute\)/);
    assert.equal((await gw.post(toolsList(3), who)).status, 200);
  });

  it("limits each tool matching a byTool glob on its own, on top of the method's limit", async () => {
    const { gw } = await start({ defaultRpm: 100, byTool: { "math.*": 1 } });
    const who = callerHeaders("acme", "bot");
    assert.equal((await gw.post(toolsCall(1, "math.add"), who)).status, 200);
    const limited = await gw.post(toolsCall(2, "math.add"), who);
    assert.equal(limited.status, 429);
    assert.match(errorOf(limited).message, /tool "math.add" \(1 per minute\)/);
    assert.equal((await gw.post(toolsCall(3, "math.sub"), who)).status, 200);
    assert.equal((await gw.post(toolsCall(4, "kb.search"), who)).status, 200);
    assert.equal((await gw.post(toolsCall(5, "kb.search"), who)).status, 200);
  });

  it("counts every call of a batch, and a batch that does not fit spends nothing", async () => {
    const { gw } = await start({ defaultRpm: 3 });
    const who = callerHeaders("acme", "bot");
    assert.equal((await gw.post([toolsList(1), toolsList(2)], who)).status, 200);
    const limited = await gw.post([toolsList(3), toolsList(4)], who);
    assert.equal(limited.status, 429);
    const bodies = limited.body as ErrorBody[];
    assert.deepEqual(
      bodies.map((body) => [body.id, body.error.code]),
      [
        [3, -32029],
        [4, -32029],
      ],
    );
    assert.equal((await gw.post(toolsList(5), who)).status, 200);
  });

  it("lets burst cap how many calls pass at once", async () => {
    const { gw, clock } = await start({ defaultRpm: 600, burst: 2 });
    const who = callerHeaders("acme", "bot");
    assert.equal((await gw.post(toolsList(1), who)).status, 200);
    assert.equal((await gw.post(toolsList(2), who)).status, 200);
    const limited = await gw.post(toolsList(3), who);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get("ratelimit-limit"), "2");
    clock.advance(100);
    assert.equal((await gw.post(toolsList(4), who)).status, 200);
  });

  it("reports the memory store healthy on /health", async () => {
    const { gw } = await start({});
    const response = await fetch(`${gw.baseUrl}/health`);
    assert.equal(response.status, 200);
    const report = (await response.json()) as { checks: Record<string, unknown> };
    assert.deepEqual(report.checks.ratelimit, { status: "ok", store: "memory" });
  });
});

describe("ratelimit from the sectioned format's rateLimit section", () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({
      config: { rateLimit: { keyPrefix: "mcp-gateway", defaultRpm: 600, byMethod: { "tools/call": 1 } }, audit: { enabled: false } },
      env: {},
    });
  });
  after(() => gw.close());

  it("loads the plugin by name with the section as its options", async () => {
    assert.deepEqual(
      gw.gateway.plugins.map(({ plugin }) => plugin.name),
      ["ratelimit"],
    );
    assert.equal((await gw.post(toolsCall(1, "echo"))).status, 200);
    assert.equal((await gw.post(toolsCall(2, "echo"))).status, 429);
    assert.equal((await gw.post(toolsList(3))).status, 200);
  });

  it("names the sectioned format path of an invalid option", async () => {
    await assert.rejects(startTestGateway({ config: { rateLimit: { defaultRpm: "fast" } }, env: {} }), (err: Error & { code?: string }) => {
      assert.equal(err.code, "MCPGW_ERR_PLUGIN_OPTIONS");
      assert.match(err.message, /rateLimit\.defaultRpm/);
      return true;
    });
  });
});
