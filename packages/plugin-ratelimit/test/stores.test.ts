/**
 * The store contract (store-suite.ts) against the memory store on a hand-moved clock and against
 * the Redis store on a real redis-server started here. Without redis-server the Redis run is
 * skipped with a loud warning on a developer machine, and fails on CI (CI=true).
 */
import { createRedisClient, RedisStore } from "../src/redis-store.ts";
import { MemoryStore } from "../src/memory-store.ts";
import { redisSkipReason, startRedisServer, type RedisServer } from "../../../test/helpers/redis-server.ts";
import { testStore } from "./store-suite.ts";
import { manualClock } from "./support.ts";

testStore({
  name: "memory store",
  clock: "manual",
  marginMs: 1,
  async create() {
    const clock = manualClock();
    return {
      store: new MemoryStore(clock.now),
      advance: async (ms) => clock.advance(ms),
      close: async () => undefined,
    };
  },
});

/** The store logs only connection trouble and its startup line. */
const quiet = { info: () => undefined, warn: () => undefined } as unknown as ConstructorParameters<typeof RedisStore>[2];
let redis: RedisServer | undefined;

testStore({
  name: "Redis store (real redis-server)",
  clock: "real",
  // Redis's clock runs on while a take goes to Redis and back; 400 ms covers that on a busy machine.
  marginMs: 400,
  skip: redisSkipReason(),
  async before() {
    redis = await startRedisServer();
  },
  async after() {
    await redis?.stop();
  },
  async create() {
    const store = new RedisStore(redis!.url, createRedisClient, quiet);
    await store.open();
    return {
      store,
      // A few ms more than asked: Redis's TIME is read to the millisecond and a timer may fire early.
      advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms + 5)),
      close: () => store.close(),
    };
  },
});
