/**
 * One suite for every rate limit store: the memory store (token-bucket.ts in TypeScript) and the
 * Redis store (the same arithmetic in Lua, bucket-script.ts) must decide alike. A store joins by
 * giving a factory; `stores.test.ts` runs the suite against each.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { RateLimitStore } from "../src/store.ts";
import type { BucketRequest } from "../src/token-bucket.ts";

export interface StoreFixture {
  store: RateLimitStore;
  /** Lets at least `ms` of the store's time pass: a hand-moved clock is moved, a real one waited for. */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

export interface StoreFactory {
  name: string;
  /**
   * `manual`: the store reads a clock the fixture moves, so token counts are exact. `real`: it
   * reads a real clock (Redis's), so between two takes a little time passes that the suite did
   * not ask for, and a bucket may have regained a little more than the suite expects, never less.
   */
  clock: "manual" | "real";
  /**
   * How close to a refill the suite may look and still expect none: 1 ms for a manual clock; for
   * a real one, more than a take's round trip can take on a loaded machine.
   */
  marginMs: number;
  /** A reason to skip the suite (say it loudly), or false. */
  skip?: string | false;
  before?(): Promise<void>;
  after?(): Promise<void>;
  create(): Promise<StoreFixture>;
}

/** One token a second (60 rpm): the refill cases wait in these. */
const SECOND = 1_000;

/** The suite's default bucket regains 1 token a minute, so a test's own run time barely moves it. */
function slowBucket(key: string, extra: Partial<BucketRequest> = {}): BucketRequest {
  return { key, rpm: 1, capacity: 10, refillPerMs: 1 / 60_000, cost: 1, label: "tools/list", ...extra };
}

/** A bucket that regains one token per `intervalMs`. */
function refilling(key: string, intervalMs: number, extra: Partial<BucketRequest> = {}): BucketRequest {
  return { key, rpm: 60_000 / intervalMs, capacity: 10, refillPerMs: 1 / intervalMs, cost: 1, label: "tools/list", ...extra };
}

export function testStore(factory: StoreFactory): void {
  describe(`rate limit store contract: ${factory.name}`, { skip: factory.skip ?? false }, () => {
    const fixtures: StoreFixture[] = [];
    /** A fresh store, and keys no other case uses (the Redis fixtures share one server). */
    const setup = async () => {
      const fixture = await factory.create();
      fixtures.push(fixture);
      const namespace = randomUUID();
      return { ...fixture, key: (name: string) => `test:${namespace}:${name}` };
    };
    /**
     * Tokens as expected: exactly with a manual clock; with a real clock at least as many and at
     * most `slack` more, the refill of the time nobody asked for.
     */
    const assertTokens = (actual: readonly number[], expected: readonly number[], slack = 0.05) => {
      if (factory.clock === "manual") return assert.deepEqual(actual, expected);
      assert.equal(actual.length, expected.length, `tokens ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
      actual.forEach((tokens, index) => {
        const want = expected[index]!;
        assert.ok(tokens >= want - 1e-9 && tokens <= want + slack, `tokens[${index}] = ${tokens}, expected ${want} (+${slack} at most): ${JSON.stringify(actual)}`);
      });
    };

    if (factory.before) before(() => factory.before!());
    after(async () => {
      await Promise.all(fixtures.map((fixture) => fixture.close()));
      await factory.after?.();
    });

    it("admits a bucket's capacity at once (the burst), then refuses without charging", async () => {
      const { store, key } = await setup();
      const request = [slowBucket(key("k"), { capacity: 3 })];
      for (const left of [2, 1, 0]) {
        const result = await store.take(request);
        assert.equal(result.allowed, true);
        assertTokens(result.tokens, [left]);
      }
      const refused = await store.take(request);
      assert.equal(refused.allowed, false);
      assertTokens(refused.tokens, [0]);
    });

    it("admits a bucket's capacity at once, then one call per refill interval", async () => {
      const { store, advance, key } = await setup();
      const request = [refilling(key("k"), SECOND, { capacity: 2 })];
      assert.equal((await store.take(request)).allowed, true);
      assert.equal((await store.take(request)).allowed, true);
      assert.equal((await store.take(request)).allowed, false);
      await advance(SECOND - factory.marginMs);
      assert.equal((await store.take(request)).allowed, false, `refilled a token in less than ${SECOND} ms`);
      await advance(factory.marginMs);
      assert.equal((await store.take(request)).allowed, true, `no token after ${SECOND} ms`);
    });

    it("refills in proportion to the time passed, and never beyond capacity", async () => {
      const { store, advance, key } = await setup();
      const bucket = refilling(key("k"), SECOND, { capacity: 4 });
      assert.equal((await store.take([{ ...bucket, cost: 4 }])).allowed, true);
      await advance(2 * SECOND);
      // Two seconds give two tokens: a cost of 3 does not fit, and is not charged.
      const short = await store.take([{ ...bucket, cost: 3 }]);
      assert.equal(short.allowed, false);
      assertTokens(short.tokens, [2], 0.9);
      assert.equal((await store.take([{ ...bucket, cost: 2 }])).allowed, true);

      // Ten intervals' worth of refill leaves a bucket of 3 holding 3, not 10.
      const fast = refilling(key("fast"), 100, { capacity: 3 });
      assert.equal((await store.take([{ ...fast, cost: 3 }])).allowed, true);
      await advance(10 * 100);
      const capped = await store.take([fast]);
      assert.equal(capped.allowed, true);
      assert.deepEqual(capped.tokens, [2]);
    });

    it("charges a cost above 1 at once, and refuses a cost the bucket cannot hold, charging nothing", async () => {
      const { store, key } = await setup();
      const bucket = slowBucket(key("k"), { capacity: 5 });
      const three = await store.take([{ ...bucket, cost: 3 }]);
      assert.equal(three.allowed, true);
      assertTokens(three.tokens, [2]);
      const again = await store.take([{ ...bucket, cost: 3 }]);
      assert.equal(again.allowed, false);
      assertTokens(again.tokens, [2]);
      const two = await store.take([{ ...bucket, cost: 2 }]);
      assert.equal(two.allowed, true);
      assertTokens(two.tokens, [0]);

      // A batch that needs more calls than a bucket ever holds never fits, and leaves it full.
      const small = slowBucket(key("small"), { capacity: 2 });
      const tooBig = await store.take([{ ...small, cost: 3 }]);
      assert.equal(tooBig.allowed, false);
      assertTokens(tooBig.tokens, [2]);
      assert.equal((await store.take([{ ...small, cost: 2 }])).allowed, true);
    });

    it("spends nothing from any bucket when one bucket of the request is empty", async () => {
      const { store, key } = await setup();
      await store.take([slowBucket(key("tool"), { capacity: 1 })]);
      const denied = await store.take([slowBucket(key("method"), { capacity: 5 }), slowBucket(key("tool"), { capacity: 1 })]);
      assert.equal(denied.allowed, false);
      assertTokens(denied.tokens, [5, 0]);
      assertTokens((await store.take([slowBucket(key("method"), { capacity: 5 })])).tokens, [4]);
    });

    it("charges every bucket of a request or none, whatever the position of the short one", async () => {
      const { store, key } = await setup();
      const a = slowBucket(key("a"), { capacity: 5, cost: 2 });
      const b = slowBucket(key("b"), { capacity: 1, cost: 1 });
      const c = slowBucket(key("c"), { capacity: 4, cost: 1 });
      const charged = await store.take([a, b, c]);
      assert.equal(charged.allowed, true);
      assertTokens(charged.tokens, [3, 0, 3]);
      // b is empty: a (before it) and c (after it) keep what they had.
      const refused = await store.take([a, b, c]);
      assert.equal(refused.allowed, false);
      assertTokens(refused.tokens, [3, 0, 3]);
      const last = await store.take([c, a, { ...b, cost: 1 }]);
      assert.equal(last.allowed, false);
      assertTokens(last.tokens, [3, 3, 0]);
      const rest = await store.take([{ ...a, cost: 3 }, { ...c, cost: 3 }]);
      assert.equal(rest.allowed, true);
      assertTokens(rest.tokens, [0, 0]);
    });

    it("keeps separate keys apart", async () => {
      const { store, key } = await setup();
      const one = slowBucket(key("acme:bot:tools/call"), { capacity: 1 });
      const other = [key("acme:bot:tools/call:math.add"), key("acme:bot2:tools/call"), key("acme2:bot:tools/call")].map((name) =>
        slowBucket(name, { capacity: 1 }),
      );
      assert.equal((await store.take([one])).allowed, true);
      assert.equal((await store.take([one])).allowed, false);
      for (const bucket of other) {
        const result = await store.take([bucket]);
        assert.equal(result.allowed, true, bucket.key);
        assertTokens(result.tokens, [0]);
      }
    });

    it("decides the takes of one event-loop turn in arrival order, each all-or-nothing", async () => {
      const { store, key } = await setup();
      const k = slowBucket(key("k"), { capacity: 3 });
      const results = await Promise.all([store.take([k]), store.take([k]), store.take([k]), store.take([k]), store.take([k])]);
      assert.deepEqual(
        results.map((result) => result.allowed),
        [true, true, true, false, false],
      );
      assert.deepEqual(
        results.map((result) => Math.floor(result.tokens[0]!)),
        [2, 1, 0, 0, 0],
      );

      // Each take sees what the takes before it in the same turn left, and a refused one charges nothing.
      const x = slowBucket(key("x"), { capacity: 3 });
      const y = slowBucket(key("y"), { capacity: 3 });
      const mixed = await Promise.all([
        store.take([{ ...x, cost: 2 }]),
        store.take([{ ...x, cost: 2 }, y]),
        store.take([y]),
        store.take([x]),
        store.take([x, { ...y, cost: 2 }]),
      ]);
      assert.deepEqual(
        mixed.map((result) => result.allowed),
        [true, false, true, true, false],
      );
      mixed.forEach((result, index) => assertTokens(result.tokens, [[1], [1, 3], [2], [0], [0, 2]][index]!));
      assertTokens((await store.take([{ ...y, cost: 2 }])).tokens, [0]);
    });

    it("closes twice without an error (the plugin's close hook may run twice)", async () => {
      const { store, key } = await setup();
      assert.equal((await store.take([slowBucket(key("k"))])).allowed, true);
      await store.close?.();
      await store.close?.();
    });

    it("keeps arrival order for more takes in one turn than one round trip carries", async () => {
      const { store, key } = await setup();
      const bucket = slowBucket(key("k"), { capacity: 200 });
      const results = await Promise.all(Array.from({ length: 300 }, () => store.take([bucket])));
      assert.deepEqual(
        results.map((result) => result.allowed),
        Array.from({ length: 300 }, (_, index) => index < 200),
      );
      assert.deepEqual(
        results.slice(0, 200).map((result) => Math.floor(result.tokens[0]!)),
        Array.from({ length: 200 }, (_, index) => 199 - index),
      );
    });
  });
}
