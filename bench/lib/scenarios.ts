/**
 * Scenario runners. Each runs its targets in rounds — direct always among them, the order
 * rotated every round so no target always runs on a warmer or busier machine — and keeps
 * every leg; the medians come from results.ts.
 */
import { measureLatency, type LatencyResult } from "./latency.js";
import { runLeg, type LoadgenChoice, type Workload } from "./load.js";
import {
  ANCHORS,
  skipped,
  summariseFanOut,
  summariseLatency,
  summariseThroughput,
  type FanOutScenario,
  type LatencyScenario,
  type SseScenario,
  type ThroughputScenario,
} from "./results.js";
import { sseFanIn, upstreamReset } from "./sse-fanin.js";
import type { LegResult, Target, TargetName } from "./targets.js";
import type { Unavailable } from "./fleet.js";

export interface Lineup {
  /** Measured targets; the first is direct. */
  targets: Target[];
  /** Targets that could not be measured, with why. */
  unavailable: Map<TargetName, Unavailable>;
}

export interface RoundPlan {
  rounds: number;
  seconds: number;
  warmup: number;
  upstreamPid: number;
  /** Drives the throughput legs (latency legs are timed in the runner). */
  loadgen: LoadgenChoice;
  log(line: string): void;
}

function rotated<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

function unavailableOutcomes(lineup: Lineup) {
  return [...lineup.unavailable].map(([target, { status, note }]) => ({ ...skipped<never, never>(target, note), status }));
}

const format = (value: number, digits = 0) => value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Every target under load, `plan.rounds` times in rotated order, after an unrecorded warm-up. */
async function throughputRounds(label: string, lineup: Lineup, workloadFor: (target: Target) => Workload, plan: RoundPlan): Promise<Map<TargetName, LegResult[]>> {
  const legs = new Map<TargetName, LegResult[]>(lineup.targets.map((target) => [target.name, []]));
  if (plan.warmup > 0) for (const target of lineup.targets) await runLeg(target, workloadFor(target), plan.warmup, 0, plan.upstreamPid, plan.loadgen);
  for (let round = 1; round <= plan.rounds; round++) {
    for (const target of rotated(lineup.targets, round - 1)) {
      const leg = await runLeg(target, workloadFor(target), plan.seconds, round, plan.upstreamPid, plan.loadgen);
      legs.get(target.name)!.push(leg);
      const mb = label === "large" ? ` ${format(leg.bytesPerSec / 1e6, 1)} MB/s` : "";
      plan.log(`${label} round ${round}/${plan.rounds} ${target.name}: ${format(leg.rps)} req/s${mb}${leg.ok ? "" : "  FAILED RESPONSES"}`);
    }
  }
  return legs;
}

/** Every target on one connection, one request at a time, `plan.rounds` times in rotated order. */
async function latencyRounds(
  label: string,
  lineup: Lineup,
  requestFor: (target: Target) => Pick<Workload, "body" | "expect">,
  plan: RoundPlan,
): Promise<Map<TargetName, LatencyResult[]>> {
  const legs = new Map<TargetName, LatencyResult[]>(lineup.targets.map((target) => [target.name, []]));
  for (let round = 1; round <= plan.rounds; round++) {
    for (const target of rotated(lineup.targets, round - 1)) {
      const { body, expect } = requestFor(target);
      const leg = await measureLatency(target, body, expect, plan.seconds, round);
      legs.get(target.name)!.push(leg);
      plan.log(`${label} round ${round}/${plan.rounds} ${target.name}: p50 ${format(leg.p50Us)} µs${leg.ok ? "" : "  FAILED RESPONSES"}`);
    }
  }
  return legs;
}

export async function throughputScenario(
  scenario: ThroughputScenario["scenario"],
  lineup: Lineup,
  workloadFor: (target: Target) => Workload,
  plan: RoundPlan,
): Promise<ThroughputScenario> {
  const legs = await throughputRounds(scenario, lineup, workloadFor, plan);
  const direct = legs.get("direct")!;
  // An anchor whose responses failed is no yardstick.
  const anchors = Object.fromEntries(
    ANCHORS.flatMap((name) => {
      const anchor = legs.get(name);
      return anchor && summariseThroughput(anchor, direct).status === "ok" ? [[name, anchor]] : [];
    }),
  );
  const sample = workloadFor(lineup.targets[0]!);
  return {
    scenario,
    kind: "throughput",
    workload: { connections: sample.connections, seconds: plan.seconds, rounds: plan.rounds, requestBytes: Buffer.byteLength(sample.body), loadgen: plan.loadgen.name },
    targets: [...lineup.targets.map((target) => summariseThroughput(legs.get(target.name)!, direct, anchors)), ...unavailableOutcomes(lineup)],
  };
}

export async function latencyScenario(lineup: Lineup, requestFor: (target: Target) => Pick<Workload, "body" | "expect">, plan: RoundPlan): Promise<LatencyScenario> {
  const legs = await latencyRounds("latency", lineup, requestFor, plan);
  const direct = legs.get("direct")!;
  return {
    scenario: "latency",
    kind: "latency",
    workload: { connections: 1, seconds: plan.seconds, rounds: plan.rounds, requestBytes: Buffer.byteLength(requestFor(lineup.targets[0]!).body) },
    targets: [...lineup.targets.map((target) => summariseLatency(legs.get(target.name)!, direct)), ...unavailableOutcomes(lineup)],
  };
}

/**
 * tools/list under load (throughput, CPU per list), then on one connection (p50): the same
 * checked workload for every target, so a federated gateway that answers wrongly, or not at
 * all, is reported with its errors and never as a figure.
 */
export async function fanOutScenario(lineup: Lineup, workloadFor: (target: Target) => Workload, plan: RoundPlan): Promise<FanOutScenario> {
  const loaded = await throughputRounds("fan-out", lineup, workloadFor, plan);
  const unloaded = await latencyRounds("fan-out 1 connection", lineup, workloadFor, plan);
  const passThrough = loaded.get("gateway");
  const passThroughOk = passThrough !== undefined && summariseThroughput(passThrough, loaded.get("direct")!).status === "ok";
  const sample = workloadFor(lineup.targets[0]!);
  return {
    scenario: "fan-out",
    kind: "fan-out",
    workload: {
      connections: sample.connections,
      seconds: plan.seconds,
      rounds: plan.rounds,
      requestBytes: Buffer.byteLength(sample.body),
      latencyConnections: 1,
      loadgen: plan.loadgen.name,
    },
    targets: [
      ...lineup.targets.map((target) =>
        summariseFanOut(
          {
            legs: loaded.get(target.name)!,
            direct: loaded.get("direct")!,
            passThrough: target.name === "direct" || target.name === "gateway" || !passThroughOk ? undefined : passThrough,
          },
          { legs: unloaded.get(target.name)!, direct: unloaded.get("direct")! },
        ),
      ),
      ...unavailableOutcomes(lineup),
    ],
  };
}

export interface SsePlan {
  streams: number;
  holdSeconds: number;
  keepaliveMs: number;
  log(line: string): void;
}

/** One fan-in per target (it is long), then the upstream-reset check with a small group. */
export async function sseScenario(lineup: Lineup, upstream: Parameters<typeof sseFanIn>[0]["upstream"], plan: SsePlan): Promise<SseScenario> {
  const targets: SseScenario["targets"] = [];
  for (const target of lineup.targets) {
    const fanIn = await sseFanIn({ target, upstream, streams: plan.streams, holdSeconds: plan.holdSeconds });
    plan.log(
      `sse ${target.name}: ${fanIn.opened}/${fanIn.streams} streams, ${format(fanIn.rssPerStream / 1024, 1)} KiB each ` +
        `(second half ${format(fanIn.rssPerStreamMarginal / 1024, 1)}), ` +
        `${format(fanIn.cpuPercentHolding, 1)}% CPU holding, ${fanIn.upstreamLeftOpen} upstream streams left open`,
    );
    const reset = await upstreamReset(target, upstream, Math.min(plan.streams, 50), plan.keepaliveMs);
    plan.log(`sse ${target.name} upstream reset: ${reset.clientsEnded}/${reset.streams} clients ended, ${reset.othersAlive}/${reset.streams} others alive`);
    const ok = fanIn.ok && reset.ok;
    const problems = [
      ...(fanIn.opened < fanIn.streams ? [`${fanIn.streams - fanIn.opened} streams did not open (${fanIn.failures.join("; ")})`] : []),
      ...(fanIn.upstreamOpenDuringHold !== fanIn.streams ? [`upstream held ${fanIn.upstreamOpenDuringHold} of ${fanIn.streams} streams`] : []),
      ...(fanIn.upstreamLeftOpen ? [`${fanIn.upstreamLeftOpen} upstream streams outlived their clients`] : []),
      ...(reset.ok ? [] : [`upstream reset check failed: ${JSON.stringify(reset)}`]),
    ];
    targets.push({
      target: target.name,
      status: ok ? "ok" : "errors",
      ...(problems.length ? { note: problems.join("; ") } : {}),
      legs: [fanIn, reset],
      ...(ok ? { summary: { ...fanIn, reset } } : {}),
    });
  }
  return {
    scenario: "sse",
    kind: "sse",
    workload: { streams: plan.streams, holdSeconds: plan.holdSeconds, keepaliveMs: plan.keepaliveMs },
    targets: [...targets, ...unavailableOutcomes(lineup)],
  };
}
