import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatTables } from "./report.js";
import { skipped, summariseLatency, summariseThroughput, type ThroughputScenario } from "./results.js";
import type { LatencyResult } from "./latency.js";
import type { LegResult, TargetName } from "./targets.js";

const noFailures = () => ({ errors: 0, timeouts: 0, non2xx: 0, mismatches: 0, statusCodes: {} });

function leg(target: TargetName, round: number, rps: number, proxyCpu?: number): LegResult {
  return {
    target,
    round,
    loadgen: "wrk",
    requests: rps * 5,
    seconds: 5,
    rps,
    bytesPerSec: rps * 300,
    failures: noFailures(),
    ok: true,
    cpuUsPerRequest: { upstream: 90, loadgen: 70, ...(proxyCpu === undefined ? {} : { proxy: proxyCpu, proxySystem: proxyCpu / 5 }) },
    latencyUs: { p50: 3_000, p90: 4_000, p99: 6_000, max: 9_000 },
  };
}

function p50(target: TargetName, round: number, p50Us: number): LatencyResult {
  return { target, round, requests: 1000, p50Us, p90Us: p50Us, p99Us: p50Us * 2, failures: noFailures(), ok: true };
}

describe("bench results: medians with the rounds' spread", () => {
  const direct = [leg("direct", 1, 10_000), leg("direct", 2, 8_000), leg("direct", 3, 12_000)];
  const gateway = [leg("gateway", 1, 4_000, 250), leg("gateway", 2, 4_000, 300), leg("gateway", 3, 3_600, 220)];

  it("takes each round's ratio against direct in the same round, and keeps the lowest and highest", () => {
    const summary = summariseThroughput(gateway, direct).summary!;
    assert.equal(summary.ratio, 0.4);
    assert.deepEqual(summary.ratioRange, { min: 0.3, max: 0.5 });
    assert.equal(summary.proxyCpuUsPerRequest, 250);
    assert.deepEqual(summary.proxyCpuRange, { min: 220, max: 300 });
  });

  it("keeps the added p50's range on one connection", () => {
    const summary = summariseLatency([p50("gateway", 1, 700), p50("gateway", 2, 760), p50("gateway", 3, 650)], [p50("direct", 1, 400), p50("direct", 2, 400), p50("direct", 3, 380)]).summary!;
    assert.equal(summary.addedP50Us, 300);
    assert.deepEqual(summary.addedP50Range, { min: 270, max: 360 });
  });

  it("prints the range beside the median, and only the median when the rounds agree", () => {
    const scenario: ThroughputScenario = {
      scenario: "tools-call",
      kind: "throughput",
      workload: { connections: 32, rounds: 3, seconds: 5, loadgen: "wrk" },
      targets: [summariseThroughput(direct, direct), summariseThroughput(gateway, direct)],
    };
    const lines = formatTables([scenario]).split("\n");
    const row = (name: string) => lines.find((line) => line.startsWith(`${name} `))!;
    assert.match(row("gateway"), /0\.40x \(0\.30–0\.50\)/);
    assert.match(row("gateway"), /250 \(220–300\)/);
    assert.match(row("direct"), /\s1\.00x\s/);
  });

  it("reads each target against the anchors round by round, with — for an anchor that did not run", () => {
    const nginx = [leg("nginx", 1, 8_000, 40), leg("nginx", 2, 8_000, 40), leg("nginx", 3, 9_000, 40)];
    const summary = summariseThroughput(gateway, direct, { nginx }).summary!;
    assert.equal(summary.ratioTo.nginx, 0.5);
    assert.equal(summary.ratioTo["node-proxy"], undefined);
    const scenario: ThroughputScenario = {
      scenario: "tools-call",
      kind: "throughput",
      workload: { connections: 32, rounds: 3, seconds: 5, loadgen: "wrk" },
      targets: [summariseThroughput(direct, direct, { nginx }), summariseThroughput(nginx, direct, { nginx }), summariseThroughput(gateway, direct, { nginx }), skipped("node-proxy", "not started")],
    };
    const lines = formatTables([scenario]).split("\n");
    assert.match(lines[1]!, /x direct\s+x nginx\s+x node-proxy/);
    assert.match(lines.find((line) => line.startsWith("gateway "))!, /0\.40x \(0\.30–0\.50\)\s+0\.50x\s+—\s/);
  });
});
