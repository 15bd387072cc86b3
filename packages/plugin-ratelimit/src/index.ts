import { readFileSync } from "node:fs";
import { definePlugin, GatewayError, type GatewayPlugin } from "@mcp-gateway/runtime/plugin";
import { compileLimits } from "./limits.js";
import { rateLimitedError } from "./limit-error.js";
import { MemoryStore } from "./memory-store.js";
import { optionsSchema } from "./options.js";
import { createRedisClient, RedisStore, type RedisFactory } from "./redis-store.js";
import { checkRedisUrl } from "./redis-url.js";
import type { RateLimitStore } from "./store.js";
import { createThrottle } from "./throttle.js";

export { optionsSchema, type RateLimitOptions, type RateLimitOptionsInput } from "./options.js";
export { MemoryStore } from "./memory-store.js";
export { RedisStore, createRedisClient, type RedisFactory } from "./redis-store.js";
export type { RateLimitStore } from "./store.js";
export type { BucketRequest, TakeResult } from "./token-bucket.js";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

const FAIL_OPEN_LOG_INTERVAL_MS = 10_000;

export interface RateLimitDependencies {
  /** Builds the ioredis client when REDIS_URL is set (default: `new Redis(url, options)`). */
  createRedis?: RedisFactory;
  /** Clock of the memory store (default: Date.now). Redis buckets use Redis's clock. */
  now?: () => number;
}

/**
 * The plugin with its heavy dependencies replaceable: tests inject an ioredis factory or a clock
 * here, never through options (options are config, and config cannot hold a client).
 */
export function createRateLimitPlugin(dependencies: RateLimitDependencies = {}): GatewayPlugin<typeof optionsSchema> {
  return definePlugin({
    name: "ratelimit",
    version: pkg.version,
    api: "^1",
    options: optionsSchema,
    setup(gateway, options) {
      const keyPrefix = gateway.env.RATE_LIMIT_KEY_PREFIX || options.keyPrefix;
      const limits = compileLimits(options, keyPrefix);
      const redisUrl = gateway.env.REDIS_URL;
      if (redisUrl) checkRedisUrl(redisUrl);
      // In memory, the buckets outlive a config reload for as long as the limits stay the same;
      // in Redis they live there anyway, and each config gets its own connection.
      const store: RateLimitStore = redisUrl
        ? new RedisStore(redisUrl, dependencies.createRedis ?? createRedisClient, gateway.log)
        : gateway.keep(`memory:${keyPrefix}:${JSON.stringify(options)}`, () => new MemoryStore(dependencies.now));
      const logFailOpen = createThrottle(FAIL_OPEN_LOG_INTERVAL_MS);
      const decisions = gateway.metrics.counter("decisions_total", "Rate-limit decisions: allowed, limited, or let through with the store down (failOpen) or refused (unavailable)", ["result"]);
      const storeName = redisUrl ? "redis" : "memory";

      gateway.hooks.ready.tapPromise(async () => {
        await store.open?.();
      });
      gateway.hooks.close.tapPromise(async () => {
        await store.close?.();
      });
      gateway.hooks.health.tapPromise(async (checks) => {
        checks[gateway.name] = store.health();
      });

      gateway.hooks.authorize.tapPromise({ stage: "LIMIT" }, async (ctx) => {
        const requests = limits.plan(ctx.subject!, ctx.calls);
        if (!requests.length) return;
        let result;
        try {
          result = await store.take(requests);
        } catch (err) {
          gateway.metrics.storeError(storeName);
          if (!options.failOpen) {
            decisions.inc({ result: "unavailable" });
            throw GatewayError.from("MCPGW_ERR_UNAVAILABLE", "Rate limit store unavailable", { cause: err });
          }
          decisions.inc({ result: "fail_open" });
          logFailOpen((suppressed) =>
            gateway.log.warn({ error: (err as Error).message, suppressed }, "rate limit store unavailable; letting calls through (failOpen)"),
          );
          return;
        }
        decisions.inc({ result: result.allowed ? "allowed" : "limited" });
        if (!result.allowed) throw rateLimitedError(requests, result);
      });
    },
  });
}

export default createRateLimitPlugin();
