import type { PluginApi } from "@mcp-gateway/runtime";
import { Redis, type RedisOptions } from "ioredis";
import { BUCKET_SCRIPT } from "./bucket-script.js";
import { safeRedisUrl } from "./redis-url.js";
import type { RateLimitStore } from "./store.js";
import { createThrottle } from "./throttle.js";
import type { BucketRequest, TakeResult } from "./token-bucket.js";

/** Builds the ioredis client; tests pass their own to watch or break it. */
export type RedisFactory = (url: string, options: RedisOptions) => Redis;

export const createRedisClient: RedisFactory = (url, options) => new Redis(url, options);

const CONNECT_TIMEOUT_MS = 2_000;
const COMMAND_TIMEOUT_MS = 1_000;
const LOG_INTERVAL_MS = 10_000;

/**
 * Drops the connection and any reconnect plan. On a client that has already ended,
 * ioredis's disconnect() would arm a 2 s timer nothing clears, holding the process open.
 */
function stop(client: Redis): void {
  if (client.status !== "end") client.disconnect();
}

function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith("NOSCRIPT");
}

/**
 * Buckets in Redis, shared by every gateway on the same REDIS_URL and key prefix. One EVALSHA
 * per request; the script is loaded at startup and again when Redis has forgotten it (restart,
 * SCRIPT FLUSH). Commands fail fast while Redis is away (no offline queue), and ioredis
 * reconnects by itself, so service returns with Redis.
 */
export class RedisStore implements RateLimitStore {
  readonly kind = "redis";
  readonly #url: string;
  readonly #factory: RedisFactory;
  readonly #log: PluginApi["log"];
  readonly #logError = createThrottle(LOG_INTERVAL_MS);
  #client: Redis | undefined;
  #sha = "";
  #connectedOnce = false;
  #down = false;
  #closed = false;

  constructor(url: string, factory: RedisFactory, log: PluginApi["log"]) {
    this.#url = url;
    this.#factory = factory;
    this.#log = log;
  }

  async open(): Promise<void> {
    let lastError: Error | undefined;
    const client = this.#factory(this.#url, {
      lazyConnect: true,
      connectTimeout: CONNECT_TIMEOUT_MS,
      commandTimeout: COMMAND_TIMEOUT_MS,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      // Calls arriving in the same tick share one write (and one read on Redis's side): under
      // load one syscall carries many EVALSHAs instead of one each.
      enableAutoPipelining: true,
      // At startup an unreachable Redis fails the start; only a connection that once worked is retried.
      retryStrategy: (times) => (this.#connectedOnce ? Math.min(times * 200, 2_000) : null),
    });
    this.#client = client;
    client.on("error", (err: Error) => {
      lastError = err;
      if (this.#connectedOnce && !this.#closed) {
        this.#logError((suppressed) => this.#log.warn({ error: err.message, suppressed }, "redis error"));
      }
    });
    client.on("ready", () => {
      if (this.#down) this.#log.info({ redis: safeRedisUrl(this.#url) }, "redis connection restored");
      this.#connectedOnce = true;
      this.#down = false;
    });
    client.on("close", () => {
      if (!this.#connectedOnce || this.#closed || this.#down) return;
      this.#down = true;
      this.#log.warn({ redis: safeRedisUrl(this.#url) }, "redis connection lost; reconnecting");
    });
    try {
      await client.connect();
      this.#sha = (await client.script("LOAD", BUCKET_SCRIPT)) as string;
    } catch (err) {
      stop(client);
      const reason = (lastError ?? (err as Error)).message;
      throw new Error(`Redis at ${safeRedisUrl(this.#url)} (REDIS_URL) is unreachable: ${reason}`, { cause: err });
    }
    this.#log.info({ redis: safeRedisUrl(this.#url) }, "rate limits stored in redis");
  }

  async take(requests: readonly BucketRequest[]): Promise<TakeResult> {
    const client = this.#client;
    if (!client || this.#closed) throw new Error("redis store is not open");
    const keys = requests.map((request) => request.key);
    const args = requests.flatMap((request) => [request.capacity, request.refillPerMs, request.cost]);
    let reply: unknown;
    try {
      reply = await client.evalsha(this.#sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!isNoScript(err)) throw err;
      this.#sha = (await client.script("LOAD", BUCKET_SCRIPT)) as string;
      reply = await client.evalsha(this.#sha, keys.length, ...keys, ...args);
    }
    const [allowed, ...tokens] = reply as [number, ...string[]];
    return { allowed: allowed === 1, tokens: tokens.map(Number) };
  }

  health() {
    const connection = this.#client?.status ?? "not connected";
    return { status: connection === "ready" ? ("ok" as const) : ("fail" as const), store: this.kind, connection };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const client = this.#client;
    if (!client) return;
    if (client.status === "ready") {
      const ended = new Promise((resolve) => client.once("end", resolve));
      try {
        await client.quit();
        // QUIT is answered before the socket closes; the close hook ends when it has.
        await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, COMMAND_TIMEOUT_MS).unref())]);
      } catch {
        // Redis went away while quitting: dropping the socket below is all that is left.
      }
    }
    stop(client);
  }
}
