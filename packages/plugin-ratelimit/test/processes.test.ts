import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { freePort, postJsonRpc, startEchoUpstream, toolsList, type EchoUpstream } from "@mcp-gateway/runtime/testing";
import { Redis } from "ioredis";
import { redisSkipReason, startRedisServer, type RedisServer } from "../../../test/helpers/redis-server.ts";
import { runCli, spawnGateway, type SpawnedGateway } from "../../../test/helpers/spawn-gateway.ts";
import { countOf } from "./support.ts";

/** The sectioned format's config format, as an operator writes it: no plugins list, a rateLimit section. */
function sectionedConfig(upstreamUrl: string, keyPrefix: string) {
  return {
    server: { host: "127.0.0.1", port: 0 },
    upstreams: [{ name: "echo", type: "http", url: upstreamUrl }],
    rateLimit: { keyPrefix, defaultRpm: 1, burst: 8 },
    audit: { enabled: false },
  };
}

describe("ratelimit across two gateway processes", { skip: redisSkipReason() }, () => {
  let redis: RedisServer;
  let upstream: EchoUpstream;
  let dir: string;
  const keyPrefix = `procs-${randomUUID()}`;
  const gateways: SpawnedGateway[] = [];

  before(async () => {
    redis = await startRedisServer();
    upstream = await startEchoUpstream();
    dir = mkdtempSync(path.join(tmpdir(), "mcpgw-ratelimit-"));
    const configFile = path.join(dir, "mcp-gateway.config.json");
    writeFileSync(configFile, JSON.stringify(sectionedConfig(upstream.url, keyPrefix)));
    const env: NodeJS.ProcessEnv = { ...process.env, REDIS_URL: redis.url };
    delete env.RATE_LIMIT_KEY_PREFIX;
    gateways.push(await spawnGateway(configFile, { env }), await spawnGateway(configFile, { env }));
  });
  after(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await upstream?.close();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("admit together no more than the one shared bucket holds", async () => {
    const statuses = await Promise.all(Array.from({ length: 24 }, async (_, id) => (await postJsonRpc(gateways[id % 2]!.url, toolsList(id))).status));
    assert.equal(countOf(statuses, 200), 8);
    assert.equal(countOf(statuses, 429), 16);
    assert.equal(upstream.requests.length, 8);
  });

  it("keep the bucket in Redis under the sectioned format's key shape", async () => {
    const probe = new Redis(redis.url);
    try {
      assert.deepEqual(await probe.keys(`${keyPrefix}:*`), [`${keyPrefix}:rate:anonymous:anonymous:tools/list`]);
    } finally {
      probe.disconnect();
    }
  });
});

describe("a gateway process whose REDIS_URL is unreachable", () => {
  let dir: string;
  let upstream: EchoUpstream;
  before(async () => {
    upstream = await startEchoUpstream();
    dir = mkdtempSync(path.join(tmpdir(), "mcpgw-ratelimit-"));
  });
  after(async () => {
    await upstream?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("exits non-zero at startup with one line naming the URL without its password", async () => {
    const port = await freePort();
    const configFile = path.join(dir, "mcp-gateway.config.json");
    writeFileSync(configFile, JSON.stringify(sectionedConfig(upstream.url, "unreachable")));

    const { code, stderr } = await runCli(["start", "-c", configFile], {
      env: { ...process.env, REDIS_URL: `redis://default:hunter2@127.0.0.1:${port}` },
      timeoutMs: 15_000,
    });

    assert.equal(code, 1);
    assert.equal(
      stderr,
      `mcp-gateway: plugin "ratelimit": Redis at redis://127.0.0.1:${port} (REDIS_URL) is unreachable: connect ECONNREFUSED 127.0.0.1:${port}\n`,
    );
  });
});
