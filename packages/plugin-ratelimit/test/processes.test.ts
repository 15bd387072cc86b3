import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { startEchoUpstream, type EchoUpstream } from "@mcp-gateway/runtime/testing";
import { Redis } from "ioredis";
import { redisSkipReason, startRedisServer, type RedisServer } from "../../../test/helpers/redis-server.ts";
import { CLI_BIN, spawnGateway, type SpawnedGateway } from "../../../test/helpers/spawn-gateway.ts";
import { countOf, toolsList } from "./support.ts";

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
    const statuses = await Promise.all(
      Array.from({ length: 24 }, async (_, id) => {
        const response = await fetch(gateways[id % 2]!.url, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
          body: JSON.stringify(toolsList(id)),
        });
        await response.arrayBuffer();
        return response.status;
      }),
    );
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
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const configFile = path.join(dir, "mcp-gateway.config.json");
    writeFileSync(configFile, JSON.stringify(sectionedConfig(upstream.url, "unreachable")));

    const child = spawn(process.execPath, [CLI_BIN, "start", "-c", configFile], {
      env: { ...process.env, REDIS_URL: `redis://default:hunter2@127.0.0.1:${port}` },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
    clearTimeout(timer);

    assert.equal(code, 1);
    assert.equal(
      stderr,
      `mcp-gateway: plugin "ratelimit": Redis at redis://127.0.0.1:${port} (REDIS_URL) is unreachable: connect ECONNREFUSED 127.0.0.1:${port}\n`,
    );
  });
});
