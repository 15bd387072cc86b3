/**
 * Result shapes written to bench/results/*.json, and the medians computed from the rounds.
 * A target whose legs had any failed response gets no figures: it is reported as errors.
 */
import type { LatencyResult } from "./latency.js";
import type { ScenarioName } from "./options.js";
import type { FanInResult, ResetResult } from "./sse-fanin.js";
import { failureCount, type LegResult, type TargetName } from "./targets.js";

export type Status = "ok" | "errors" | "skipped";

/** The anchors every tools/call figure is also read against: a plain reverse proxy, and the least Node MCP proxy. */
export const ANCHORS = Object.freeze(["nginx", "node-proxy"] as const);
export type AnchorName = (typeof ANCHORS)[number];

/** The lowest and the highest round: how far one round can be from the median on this machine. */
export interface Range {
  min: number;
  max: number;
}

export interface ThroughputSummary {
  rps: number;
  mbPerSec: number;
  /** Median over rounds of (target rps / direct rps in the same round). */
  ratio: number;
  ratioRange: Range;
  /** Median over rounds of (target rps / anchor rps in the same round), for each anchor measured without errors. */
  ratioTo: Partial<Record<AnchorName, number>>;
  proxyCpuUsPerRequest: number;
  proxyCpuRange: Range;
  /** Share of the proxy's CPU spent in the kernel (0..1). */
  proxySystemShare: number;
  upstreamCpuUsPerRequest: number;
  auxCpuUsPerRequest: number;
  loadgenCpuUsPerRequest: number;
  /** Redis round trips per request (gateway-redis). */
  auxOpsPerRequest: number;
  /** Highest proxy RSS seen at the end of a leg, and the proxy's peak RSS, bytes. */
  proxyRss: number;
  proxyPeakRss: number;
}

export interface LatencySummary {
  p50Us: number;
  p99Us: number;
  /** Median over rounds of (target p50 − direct p50 in the same round). */
  addedP50Us: number;
  addedP50Range: Range;
}

/** The fan-out scenario: throughput under load, and tools/list latency on one connection. */
export interface FanOutSummary extends ThroughputSummary, LatencySummary {
  /**
   * Median over rounds of (this gateway's CPU per list − the pass-through gateway's in the same
   * round): what fanning out to three upstreams and merging costs over passing one list through.
   * Absent for direct and the pass-through gateway itself, or when the latter had errors.
   */
  extraCpuUsPerRequest?: number;
}

export interface TargetOutcome<Leg, Summary> {
  target: TargetName;
  status: Status;
  /** Why the target was skipped, or what failed. */
  note?: string;
  legs: Leg[];
  summary?: Summary;
}

export interface ThroughputScenario {
  scenario: Extract<ScenarioName, "tools-call" | "tools-list" | "large">;
  kind: "throughput";
  workload: Record<string, unknown>;
  targets: TargetOutcome<LegResult, ThroughputSummary>[];
}

export interface LatencyScenario {
  scenario: "latency";
  kind: "latency";
  workload: Record<string, unknown>;
  targets: TargetOutcome<LatencyResult, LatencySummary>[];
}

export interface SseScenario {
  scenario: "sse";
  kind: "sse";
  workload: Record<string, unknown>;
  targets: TargetOutcome<FanInResult | ResetResult, FanInResult & { reset?: ResetResult }>[];
}

export interface FanOutScenario {
  scenario: "fan-out";
  kind: "fan-out";
  workload: Record<string, unknown>;
  targets: TargetOutcome<LegResult | LatencyResult, FanOutSummary>[];
}

export type ScenarioResult = ThroughputScenario | LatencyScenario | FanOutScenario | SseScenario;

export function range(values: readonly number[]): Range {
  const finite = values.filter((value) => Number.isFinite(value));
  return finite.length ? { min: Math.min(...finite), max: Math.max(...finite) } : { min: NaN, max: NaN };
}

export function median(values: readonly number[]): number {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (!sorted.length) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function describeFailures(legs: readonly LegResult[] | readonly LatencyResult[]): string {
  const totals = { errors: 0, timeouts: 0, non2xx: 0, mismatches: 0 };
  const codes: Record<string, number> = {};
  for (const leg of legs) {
    for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += leg.failures[key];
    for (const [code, count] of Object.entries(leg.failures.statusCodes)) if (!code.startsWith("2")) codes[code] = (codes[code] ?? 0) + count;
  }
  const parts = Object.entries(totals).flatMap(([key, count]) => (count ? [`${count} ${key}`] : []));
  const statuses = Object.entries(codes).map(([code, count]) => `${count}×${code}`);
  const empty = legs.some((leg) => leg.requests === 0) ? ["a leg completed no request"] : [];
  return [...parts, ...statuses, ...empty].join(", ");
}

/** Each leg's rps over the reference's in the same round. */
function roundRatios(legs: readonly LegResult[], reference: readonly LegResult[]): number[] {
  const byRound = new Map(reference.map((leg) => [leg.round, leg.rps]));
  return legs.map((leg) => leg.rps / (byRound.get(leg.round) ?? NaN));
}

export function summariseThroughput(
  legs: LegResult[],
  direct: readonly LegResult[],
  anchors: Partial<Record<AnchorName, readonly LegResult[]>> = {},
): TargetOutcome<LegResult, ThroughputSummary> {
  const target = legs[0]!.target;
  if (legs.some((leg) => !leg.ok) || legs.some((leg) => failureCount(leg.failures) > 0)) {
    return { target, status: "errors", note: describeFailures(legs), legs };
  }
  const ratios = roundRatios(legs, direct);
  const ratioTo = Object.fromEntries(Object.entries(anchors).map(([name, anchor]) => [name, median(roundRatios(legs, anchor))]));
  const cpu = legs.map((leg) => leg.cpuUsPerRequest.proxy ?? NaN);
  return {
    target,
    status: "ok",
    legs,
    summary: {
      rps: median(legs.map((leg) => leg.rps)),
      mbPerSec: median(legs.map((leg) => leg.bytesPerSec / 1e6)),
      ratio: median(ratios),
      ratioRange: range(ratios),
      ratioTo,
      proxyCpuUsPerRequest: median(cpu),
      proxyCpuRange: range(cpu),
      proxySystemShare: median(legs.map((leg) => (leg.cpuUsPerRequest.proxySystem ?? NaN) / (leg.cpuUsPerRequest.proxy ?? NaN))),
      upstreamCpuUsPerRequest: median(legs.map((leg) => leg.cpuUsPerRequest.upstream)),
      auxCpuUsPerRequest: median(legs.map((leg) => leg.cpuUsPerRequest.aux ?? NaN)),
      loadgenCpuUsPerRequest: median(legs.map((leg) => leg.cpuUsPerRequest.loadgen)),
      auxOpsPerRequest: median(legs.map((leg) => leg.auxOpsPerRequest ?? NaN)),
      proxyRss: Math.max(...legs.map((leg) => leg.proxyRss ?? NaN)),
      proxyPeakRss: Math.max(...legs.map((leg) => leg.proxyPeakRss ?? NaN)),
    },
  };
}

export function summariseLatency(legs: LatencyResult[], direct: readonly LatencyResult[]): TargetOutcome<LatencyResult, LatencySummary> {
  const target = legs[0]!.target;
  if (legs.some((leg) => !leg.ok)) return { target, status: "errors", note: describeFailures(legs), legs };
  const directByRound = new Map(direct.map((leg) => [leg.round, leg.p50Us]));
  const added = legs.map((leg) => leg.p50Us - (directByRound.get(leg.round) ?? NaN));
  return {
    target,
    status: "ok",
    legs,
    summary: {
      p50Us: median(legs.map((leg) => leg.p50Us)),
      p99Us: median(legs.map((leg) => leg.p99Us)),
      addedP50Us: median(added),
      addedP50Range: range(added),
    },
  };
}

/**
 * Both halves of a fan-out target: figures only when every response under load and on the
 * single connection was correct. `passThrough` is the bare gateway's loaded legs, for the extra CPU.
 */
export function summariseFanOut(
  load: { legs: LegResult[]; direct: readonly LegResult[]; passThrough: readonly LegResult[] | undefined },
  latency: { legs: LatencyResult[]; direct: readonly LatencyResult[] },
): TargetOutcome<LegResult | LatencyResult, FanOutSummary> {
  const loaded = summariseThroughput(load.legs, load.direct);
  const unloaded = summariseLatency(latency.legs, latency.direct);
  const legs = [...load.legs, ...latency.legs];
  if (!loaded.summary || !unloaded.summary) {
    const notes = [...(loaded.note ? [`under load: ${loaded.note}`] : []), ...(unloaded.note ? [`one connection: ${unloaded.note}`] : [])];
    return { target: loaded.target, status: "errors", note: notes.join("; "), legs };
  }
  const passThroughCpu = new Map(load.passThrough?.map((leg) => [leg.round, leg.cpuUsPerRequest.proxy ?? NaN]));
  const extra = median(load.legs.map((leg) => (leg.cpuUsPerRequest.proxy ?? NaN) - (passThroughCpu.get(leg.round) ?? NaN)));
  return {
    target: loaded.target,
    status: "ok",
    legs,
    summary: { ...loaded.summary, ...unloaded.summary, ...(Number.isFinite(extra) ? { extraCpuUsPerRequest: extra } : {}) },
  };
}

export function skipped<Leg, Summary>(target: TargetName, note: string): TargetOutcome<Leg, Summary> {
  return { target, status: "skipped", note, legs: [] };
}
