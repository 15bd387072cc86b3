import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Outcome } from "../src/context.js";
import { FAILING_STREAK, LiveStats, SERIES_SLOTS } from "../src/observability/stats.js";
import type { Context } from "../src/request-context.js";

/** The parts of a finished request the figures read. */
function finished(upstream: string | undefined, outcome: Partial<Outcome> & Pick<Outcome, "kind">, ms = 5, method = "POST"): Context {
  return {
    http: { method },
    calls: [{ method: "tools/call" }],
    upstream: upstream === undefined ? undefined : { name: upstream },
    timings: { start: 1_000, end: 1_000 + ms },
    outcome: { statusCode: 200, ...outcome },
  } as unknown as Context;
}

describe("LiveStats: the status page's figures", () => {
  it("gives p50 and p99 of the last minute within 20%", () => {
    let now = 1_000_000;
    const stats = new LiveStats(() => now);
    for (let i = 1; i <= 1000; i++) stats.observe(finished("a", { kind: "served" }, i / 10)); // 0.1 … 100 ms
    const { calls, p50Ms, p99Ms } = stats.upstream("a");
    assert.equal(calls, 1000);
    assert.ok(p50Ms! >= 50 && p50Ms! <= 60, `p50 ${p50Ms}`);
    assert.ok(p99Ms! >= 99 && p99Ms! <= 119, `p99 ${p99Ms}`);
    now += 61_000;
    assert.deepEqual(stats.upstream("a"), { calls: 0, errors: 0, p50Ms: null, p99Ms: null, failing: false, lastFailure: stats.upstream("a").lastFailure });
  });

  it(`shows an upstream failing after ${FAILING_STREAK} failures in a row, until one succeeds or a quiet minute passes`, () => {
    let now = 5_000_000;
    const stats = new LiveStats(() => now);
    for (let i = 0; i < FAILING_STREAK - 1; i++) stats.observe(finished("a", { kind: "failed", statusCode: 502, errorCode: "MCPGW_ERR_UPSTREAM_UNREACHABLE" }));
    assert.equal(stats.upstream("a").failing, false);
    stats.observe(finished("a", { kind: "failed", statusCode: 502, errorCode: "MCPGW_ERR_UPSTREAM_UNREACHABLE" }));
    assert.equal(stats.upstream("a").failing, true);
    assert.equal(stats.upstream("a").lastFailure?.code, "MCPGW_ERR_UPSTREAM_UNREACHABLE");
    stats.observe(finished("a", { kind: "served" }));
    assert.equal(stats.upstream("a").failing, false);
    for (let i = 0; i < FAILING_STREAK; i++) stats.observe(finished("a", { kind: "served", statusCode: 503 }));
    assert.equal(stats.upstream("a").failing, true, "5xx answers fail too");
    now += 60_000;
    assert.equal(stats.upstream("a").failing, false);
  });

  it("does not blame an upstream for a 4xx, a plugin's refusal or a plugin's error", () => {
    const stats = new LiveStats(() => 1_000_000);
    for (let i = 0; i < 5; i++) {
      stats.observe(finished("a", { kind: "served", statusCode: 404 }));
      stats.observe(finished("a", { kind: "rejected", statusCode: 403, plugin: "policy" }));
      stats.observe(finished("a", { kind: "failed", statusCode: 500, plugin: "audit" }));
    }
    assert.deepEqual({ ...stats.upstream("a"), p50Ms: null, p99Ms: null }, { calls: 5, errors: 0, p50Ms: null, p99Ms: null, failing: false, lastFailure: undefined });
    const traffic = stats.traffic();
    assert.equal(traffic.errorRate, 1, "but every one of them is an error the caller saw");
    assert.equal(traffic.perSecond, 0.25);
  });

  it("keeps 15 minutes of requests/s in 10 s slots, oldest first; an aborted request counts nowhere", () => {
    let now = 10_000_000;
    const stats = new LiveStats(() => now);
    for (let i = 0; i < 20; i++) stats.observe(finished(undefined, { kind: "served" }));
    stats.observe(finished(undefined, { kind: "aborted", statusCode: 0 }));
    now += 10_000;
    for (let i = 0; i < 10; i++) stats.observe(finished(undefined, { kind: "failed", statusCode: 502 }));
    const { series } = stats.traffic();
    assert.equal(series.requests.length, SERIES_SLOTS);
    assert.deepEqual(series.requests.slice(-2), [2, 1]);
    assert.deepEqual(series.errors.slice(-2), [0, 1]);
    now += SERIES_SLOTS * 10_000;
    assert.ok(stats.traffic().series.requests.every((value) => value === 0), "15 minutes later it is all gone");
  });

  it("leaves long-lived streams out of latency", () => {
    const stats = new LiveStats(() => 1_000_000);
    stats.observe(finished("a", { kind: "served" }, 600_000, "GET"));
    assert.equal(stats.upstream("a").calls, 1);
    assert.equal(stats.upstream("a").p99Ms, null);
  });
});
