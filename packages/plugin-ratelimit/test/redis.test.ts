import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { callerHeaders, freePort, headerAuthPlugin, startTestGateway, toolsCall, toolsList, waitFor, type TestGateway } from "@mcp-gateway/runtime/testing";
import { Redis } from "ioredis";
import { redisSkipReason, startRedisServer, type RedisServer } from "../../../test/helpers/redis-server.ts";
import ratelimit, { createRateLimitPlugin } from "../src/index.ts";
import { createRedisClient, RedisStore } from "../src/redis-store.ts";
import type { RateLimitOptionsInput } from "../src/options.ts";
import { burst, countOf, errorOf } from "./support.ts";

async function health(gw: TestGateway) {
  const response = await fetch(`${gw.baseUrl}/health`);
  return { status: response.status, report: (await response.json()) as { status: string; checks: Record<string, { status: string }> } };
}

describe("ratelimit with the Redis store", { skip: redisSkipReason() }, () => {
  let redis: RedisServer;
  let probe: Redis;
  const open: TestGateway[] = [];
  /** A gateway on `url` whose buckets live under a prefix no other test uses. */
  const start = async (options: RateLimitOptionsInput, env: Record<string, string> = {}, url = redis.url) => {
    const gw = await startTestGateway({
      plugins: [{ plugin: headerAuthPlugin() }, { plugin: ratelimit, options }],
      env: { REDIS_URL: url, ...env },
    });
    open.push(gw);
    return gw;
  };
  const prefix = () => `test-${randomUUID()}`;

  before(async () => {
    redis = await startRedisServer();
    probe = new Redis(redis.url);
  });
  after(async () => {
    await Promise.all(open.map((gw) => gw.close()));
    probe?.disconnect();
    await redis?.stop();
  });

  it("lets two gateways on one REDIS_URL admit together no more than one bucket holds", async () => {
    const options = { keyPrefix: prefix(), defaultRpm: 1, burst: 10 };
    const gateways = [await start(options), await start(options)];
    const statuses = await burst(gateways, 30, toolsList, callerHeaders("acme", "bot"));
    assert.equal(countOf(statuses, 200), 10);
    assert.equal(countOf(statuses, 429), 20);
  });

  it("stores each bucket under <keyPrefix>:rate:<tenant>:<client>:<method>, with a TTL", async () => {
    const keyPrefix = prefix();
    const gw = await start({ keyPrefix, defaultRpm: 60, byTool: { "math.*": 6 } });
    assert.equal((await gw.post(toolsCall(1, "math.add"), callerHeaders("acme", "bot"))).status, 200);
    const keys = (await probe.keys(`${keyPrefix}:*`)).sort();
    assert.deepEqual(keys, [`${keyPrefix}:rate:acme:bot:tools/call`, `${keyPrefix}:rate:acme:bot:tools/call:math.add`]);
    for (const key of keys) {
      const ttl = await probe.pttl(key);
      assert.ok(ttl > 0, `${key} has no TTL (${ttl})`);
    }
  });

  it("uses RATE_LIMIT_KEY_PREFIX from the environment instead of keyPrefix", async () => {
    const configured = prefix();
    const override = prefix();
    const gw = await start({ keyPrefix: configured }, { RATE_LIMIT_KEY_PREFIX: override });
    await gw.post(toolsList(1), callerHeaders("acme", "bot"));
    assert.deepEqual(await probe.keys(`${override}:*`), [`${override}:rate:acme:bot:tools/list`]);
    assert.deepEqual(await probe.keys(`${configured}:*`), []);
  });

  it("answers 429 with RateLimit-* headers when the shared bucket is empty", async () => {
    const gw = await start({ keyPrefix: prefix(), defaultRpm: 2 });
    const who = callerHeaders("acme", "bot");
    await gw.post(toolsList(1), who);
    await gw.post(toolsList(2), who);
    const limited = await gw.post(toolsList(3), who);
    assert.equal(limited.status, 429);
    assert.equal(errorOf(limited).code, -32029);
    assert.equal(limited.headers.get("ratelimit-limit"), "2");
    assert.equal(limited.headers.get("ratelimit-remaining"), "0");
    assert.ok(Number(limited.headers.get("retry-after")) >= 1);
  });

  it("evaluates every bucket of a batch with one EVALSHA round trip", async () => {
    const gw = await start({ keyPrefix: prefix(), byTool: { "*": 10 } });
    const monitor = await probe.monitor();
    const commands: string[] = [];
    // Commands the script runs show up with source "lua"; only client round trips count.
    monitor.on("monitor", (_time: string, args: string[], source: string) => {
      if (source !== "lua") commands.push(args[0]!.toLowerCase());
    });
    try {
      const batch = [toolsList(1), toolsCall(2, "a"), toolsCall(3, "b")];
      assert.equal((await gw.post(batch, callerHeaders("acme", "bot"))).status, 200);
      // MONITOR reports commands in order: once our marker shows up, the gateway's have too.
      const marker = `marker-${randomUUID()}`;
      await probe.echo(marker);
      await waitFor("the marker in MONITOR", () => (commands.includes("echo") ? true : undefined));
      assert.deepEqual(commands.slice(0, commands.indexOf("echo")), ["evalsha"]);
    } finally {
      monitor.disconnect();
    }
  });

  // That each take of the turn is decided in arrival order is part of the store contract
  // (store-suite.ts, run against Redis by stores.test.ts); here, that they share one command.
  it("decides the takes of one event-loop turn in one EVALSHA", async () => {
    // The store logs only connection trouble, which this test does not cause.
    const quiet = { info: () => undefined, warn: () => undefined } as unknown as ConstructorParameters<typeof RedisStore>[2];
    const store = new RedisStore(redis.url, createRedisClient, quiet);
    await store.open();
    const monitor = await probe.monitor();
    const commands: string[] = [];
    monitor.on("monitor", (_time: string, args: string[], source: string) => {
      if (source !== "lua") commands.push(args[0]!.toLowerCase());
    });
    try {
      const key = `${prefix()}:rate:acme:bot:tools/call`;
      const take = () => store.take([{ key, rpm: 1, capacity: 3, refillPerMs: 1 / 60_000, cost: 1, label: "tools/call" }]);
      await Promise.all([take(), take(), take(), take(), take()]);
      const marker = `marker-${randomUUID()}`;
      await probe.echo(marker);
      await waitFor("the marker in MONITOR", () => (commands.includes("echo") ? true : undefined));
      assert.deepEqual(commands.slice(0, commands.indexOf("echo")), ["evalsha"], "five takes, one command");
    } finally {
      monitor.disconnect();
      await store.close();
    }
  });

  it("reloads its script when Redis has forgotten it (NOSCRIPT)", async () => {
    const gw = await start({ keyPrefix: prefix(), defaultRpm: 1 });
    await probe.script("FLUSH");
    assert.equal((await gw.post(toolsList(1), callerHeaders("acme", "bot"))).status, 200);
    assert.equal((await gw.post(toolsList(2), callerHeaders("acme", "bot"))).status, 429);
  });

  it("fails startup with one line naming the URL without credentials, and stops connecting", async () => {
    const port = await freePort();
    const clients: Redis[] = [];
    const plugin = createRateLimitPlugin({
      createRedis: (url, options) => {
        const client = new Redis(url, options);
        clients.push(client);
        return client;
      },
    });
    await assert.rejects(
      startTestGateway({ plugins: [{ plugin }], env: { REDIS_URL: `redis://admin:hunter2@127.0.0.1:${port}` } }),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, "MCPGW_ERR_STARTUP");
        assert.match(err.message, new RegExp(`^plugin "ratelimit": Redis at redis://127\\.0\\.0\\.1:${port} \\(REDIS_URL\\) is unreachable: .*ECONNREFUSED`));
        assert.doesNotMatch(err.message, /hunter2|admin/);
        assert.doesNotMatch(err.message, /\n/);
        return true;
      },
    );
    assert.equal(clients.length, 1);
    assert.equal(clients[0]!.status, "end");
  });

  it("closes its connection on shutdown, and a second close is harmless", async () => {
    const clients: Redis[] = [];
    const plugin = createRateLimitPlugin({
      createRedis: (url, options) => {
        const client = new Redis(url, options);
        clients.push(client);
        return client;
      },
    });
    const gw = await startTestGateway({ plugins: [{ plugin }], env: { REDIS_URL: redis.url } });
    assert.equal(clients[0]!.status, "ready");
    await gw.close();
    await gw.gateway.hooks.close.promise();
    assert.equal(clients[0]!.status, "end");
  });
});

describe("ratelimit when Redis goes away at runtime", { skip: redisSkipReason() }, () => {
  let redis: RedisServer;
  const open: TestGateway[] = [];
  before(async () => {
    redis = await startRedisServer();
  });
  after(async () => {
    await Promise.all(open.map((gw) => gw.close()));
    await redis?.stop();
  });
  const start = async (options: RateLimitOptionsInput) => {
    const gw = await startTestGateway({ plugins: [{ plugin: ratelimit, options }], env: { REDIS_URL: redis.url } });
    open.push(gw);
    return gw;
  };
  const degraded = (gw: TestGateway) => waitFor("/health to say degraded", async () => ((await health(gw)).status === 503 ? true : undefined));
  const served = (gw: TestGateway) => waitFor("a request to be served again", async () => ((await gw.post(toolsList(9))).status === 200 ? true : undefined));

  it("answers 503 while Redis is down, reports /health degraded, and recovers when Redis returns", async () => {
    const gw = await start({ keyPrefix: "outage" });
    assert.equal((await gw.post(toolsList(1))).status, 200);
    assert.deepEqual((await health(gw)).report.checks.ratelimit, { status: "ok", store: "redis", connection: "ready" });

    await redis.stop();
    await degraded(gw);
    const { status, report } = await health(gw);
    assert.equal(status, 503);
    assert.equal(report.status, "degraded");
    assert.equal(report.checks.ratelimit?.status, "fail");
    const upstreamCalls = gw.upstream!.requests.length;
    const refused = await gw.post(toolsList(2));
    assert.equal(refused.status, 503);
    assert.equal(errorOf(refused).code, -32603);
    assert.equal(errorOf(refused).data.code, "MCPGW_ERR_UNAVAILABLE");
    assert.equal(gw.upstream!.requests.length, upstreamCalls);

    await redis.restart();
    await served(gw);
    assert.equal((await health(gw)).status, 200);
    assert.ok(gw.logs.some((line) => line.msg === "redis connection lost; reconnecting"));
    assert.ok(gw.logs.some((line) => line.msg === "redis connection restored"));
  });

  it("with failOpen lets calls through while Redis is down, logging that it does", async () => {
    const gw = await start({ keyPrefix: "outage-open", failOpen: true });
    assert.equal((await gw.post(toolsList(1))).status, 200);
    await redis.stop();
    try {
      await degraded(gw);
      assert.equal((await gw.post(toolsList(2))).status, 200);
      assert.equal((await gw.post(toolsList(3))).status, 200);
      const warnings = gw.logs.filter((line) => line.msg === "rate limit store unavailable; letting calls through (failOpen)");
      assert.equal(warnings.length, 1, "the warning is rate-limited to one line per interval");
    } finally {
      await redis.restart();
    }
    await served(gw);
  });
});
