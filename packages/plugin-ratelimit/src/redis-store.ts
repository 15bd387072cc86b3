import type { PluginApi } from "@mcp-gateway/runtime/plugin";
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
/** Most takes one EVALSHA carries; more waiting are sent in several. */
const MAX_BATCH = 128;

interface PendingTake {
  requests: readonly BucketRequest[];
  resolve(result: TakeResult): void;
  reject(err: unknown): void;
}

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
 * Buckets in Redis, shared by every gateway on the same REDIS_URL and key prefix. The takes
 * of the requests that arrive in one turn of the event loop go in one EVALSHA, sent when the
 * turn's I/O is done (setImmediate): under load one command, one reply and one script run
 * decide for several requests, and an unloaded request waits for nothing. Each take is still
 * decided atomically, in arrival order. The script is loaded at startup and again when Redis
 * has forgotten it (restart, SCRIPT FLUSH). Commands fail fast while Redis is away (no offline
 * queue), and ioredis reconnects by itself, so service returns with Redis.
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
  #pending: PendingTake[] = [];
  #sendScheduled = false;

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
      // No auto-pipelining: take() already sends one command per event-loop turn, and ioredis
      // would wrap each in a pipeline of one (~40 µs more client CPU per command, measured).
      enableAutoPipelining: false,
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

  take(requests: readonly BucketRequest[]): Promise<TakeResult> {
    if (!this.#client || this.#closed) return Promise.reject(new Error("redis store is not open"));
    return new Promise((resolve, reject) => {
      this.#pending.push({ requests, resolve, reject });
      if (this.#sendScheduled) return;
      this.#sendScheduled = true;
      setImmediate(() => this.#sendPending());
    });
  }

  #sendPending(): void {
    this.#sendScheduled = false;
    const pending = this.#pending;
    this.#pending = [];
    for (let start = 0; start < pending.length; start += MAX_BATCH) void this.#send(pending.slice(start, start + MAX_BATCH));
  }

  /** One EVALSHA for a batch of takes; a failure fails each of them. */
  async #send(batch: readonly PendingTake[]): Promise<void> {
    const keys: string[] = [];
    const args: number[] = [batch.length];
    for (const { requests } of batch) {
      args.push(requests.length);
      for (const request of requests) {
        keys.push(request.key);
        args.push(request.capacity, request.refillPerMs, request.cost);
      }
    }
    let reply: (number | string)[];
    try {
      reply = await this.#evaluate(keys, args);
    } catch (err) {
      for (const take of batch) take.reject(err);
      return;
    }
    let at = 0;
    for (const take of batch) {
      const allowed = reply[at++] === 1;
      const tokens = take.requests.map(() => Number(reply[at++]));
      take.resolve({ allowed, tokens });
    }
  }

  async #evaluate(keys: readonly string[], args: readonly number[]): Promise<(number | string)[]> {
    const client = this.#client;
    if (!client || this.#closed) throw new Error("redis store is not open");
    try {
      return (await client.evalsha(this.#sha, keys.length, ...keys, ...args)) as (number | string)[];
    } catch (err) {
      if (!isNoScript(err)) throw err;
      this.#sha = (await client.script("LOAD", BUCKET_SCRIPT)) as string;
      return (await client.evalsha(this.#sha, keys.length, ...keys, ...args)) as (number | string)[];
    }
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
