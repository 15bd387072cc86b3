/**
 * One measured leg: a load generator (wrk, else autocannon) drives a target for a fixed time
 * while /proc records what the proxy, the upstream and any helper process spent. Every response
 * is checked.
 */
import { driveAutocannon } from "./autocannon-load.js";
import { which } from "./children.js";
import { aroundId, MCP_POST_HEADERS } from "./mcp-fixtures.js";
import { CpuMeter, memory } from "./proc-stats.js";
import type { Failures, LegResult, Loadgen, Target } from "./targets.js";
import { driveWrk, WRK_BODY_LIMIT } from "./wrk-load.js";

export interface Workload {
  name: string;
  /** The JSON-RPC request body, sent on every request. */
  body: string;
  connections: number;
  /**
   * The exact expected body, or a check for bodies a gateway may legitimately re-serialise:
   * wrk runs no JavaScript, so for a check it counts statuses only and runLeg runs the check on
   * one response before the leg and one after (spotCheck).
   */
  expect: string | ((body: string) => boolean);
  /** With a check: a part of every correct body, which wrk then looks for in every response. */
  contains?: string;
}

/** The load generator of a run: wrk at its path, or autocannon. */
export type LoadgenChoice = { name: "wrk"; bin: string } | { name: "autocannon" };

/**
 * wrk unless autocannon is asked for (or the run is a smoke run, which CI runs without wrk).
 * Without wrk: an error when it was asked for, else autocannon with a warning.
 */
export function chooseLoadgen(wanted: Loadgen | undefined, smoke: boolean, log: (line: string) => void): LoadgenChoice {
  if (wanted === "autocannon" || (wanted === undefined && smoke)) return { name: "autocannon" };
  const bin = which("wrk");
  if (bin) return { name: "wrk", bin };
  if (wanted === "wrk") throw new Error("bench: --loadgen wrk: wrk is not on PATH (apt-get install -y wrk)");
  log("wrk is not installed (apt-get install -y wrk): throughput load falls back to autocannon");
  log("WARNING: autocannon caps near 11k req/s on a 2-core box, so direct reads low and every ratio to it reads high");
  return { name: "autocannon" };
}

/** Requests numbered `firstId + 1, firstId + 2, …`: `before + n + after`. */
export interface Numbered {
  before: string;
  after: string;
  firstId: number;
}

/** What a load generator reports for one leg. */
export interface Driven {
  loadgen: Loadgen;
  requests: number;
  seconds: number;
  /** Bytes read (responses, headers included). */
  bytes: number;
  failures: Failures;
  /** The load generator's own CPU over the leg, µs. */
  loadgenCpuMicros: number;
  latencyUs: LegResult["latencyUs"];
}

/**
 * Each numbered leg starts its ids far above the last one's, so a session that still holds an
 * abandoned request of an earlier leg never sees its id again.
 */
let numberedLegs = 0;

/**
 * What wrk does not check on every response, runLeg checks on one before the leg and one after:
 * a check function (wrk runs no JS), or an exact body too large for wrk to compare (wrk-load.ts).
 */
function spotCheck(workload: Workload): ((body: string) => boolean) | undefined {
  const { expect } = workload;
  if (typeof expect === "function") return expect;
  return expect.length > WRK_BODY_LIMIT ? (body) => body === expect : undefined;
}

/** The check on one response: what failed, if anything. */
async function checkOne(target: Target, workload: Workload, check: (body: string) => boolean): Promise<Partial<Failures>> {
  try {
    const response = await fetch(target.url, { method: "POST", headers: { ...MCP_POST_HEADERS, ...target.headers }, body: workload.body, signal: AbortSignal.timeout(10_000) });
    const body = await response.text();
    if (response.status < 200 || response.status > 299) return { non2xx: 1 };
    return check(body) ? {} : { mismatches: 1 };
  } catch {
    return { errors: 1 };
  }
}

function withChecks(failures: Failures, ...checks: Partial<Failures>[]): Failures {
  const total = { ...failures };
  for (const check of checks) for (const key of ["errors", "non2xx", "mismatches"] as const) total[key] += check[key] ?? 0;
  return total;
}

export async function runLeg(target: Target, workload: Workload, seconds: number, round: number, upstreamPid: number, loadgen: LoadgenChoice): Promise<LegResult> {
  const upstreamPids = target.upstreamPids ?? [upstreamPid];
  const meter = new CpuMeter([...upstreamPids, ...(target.pid ? [target.pid] : []), ...(target.auxPids ?? [])]);
  const numbered = target.sharedSession ? { ...aroundId(workload.body), firstId: ++numberedLegs * 100_000_000 } : undefined;
  const sampled = loadgen.name === "wrk" ? spotCheck(workload) : undefined;
  // Outside the aux readings below: the samples' Redis trips are not the load's.
  const before = sampled ? await checkOne(target, workload, sampled) : {};
  const opsBefore = await target.auxOps?.();
  meter.begin();
  const driven =
    loadgen.name === "wrk" ? await driveWrk(loadgen.bin, target, workload, seconds, numbered) : await driveAutocannon(target, workload, seconds, numbered);
  const { cpu, system } = meter.end();
  // Minus one below: the second reading is itself a round trip.
  const opsAfter = await target.auxOps?.();
  const after = sampled ? await checkOne(target, workload, sampled) : {};
  const { requests } = driven;
  const failures = withChecks(driven.failures, before, after);
  const per = (micros: number | undefined) => (micros === undefined || !requests ? NaN : micros / requests);
  const mem = target.pid ? memory(target.pid) : undefined;
  const sum = (pids: readonly number[]) => pids.reduce((total, pid) => total + (cpu.get(pid) ?? NaN), 0);
  const aux = sum(target.auxPids ?? []);
  return {
    target: target.name,
    round,
    loadgen: driven.loadgen,
    requests,
    seconds: driven.seconds,
    rps: requests / driven.seconds,
    bytesPerSec: driven.bytes / driven.seconds,
    failures,
    ok: requests > 0 && failures.errors + failures.timeouts + failures.non2xx + failures.mismatches === 0,
    cpuUsPerRequest: {
      upstream: per(sum(upstreamPids)),
      loadgen: per(driven.loadgenCpuMicros),
      ...(target.pid ? { proxy: per(cpu.get(target.pid)), proxySystem: per(system.get(target.pid)) } : {}),
      ...(target.auxPids?.length ? { aux: per(aux) } : {}),
    },
    ...(opsBefore !== undefined && opsAfter !== undefined ? { auxOpsPerRequest: (opsAfter - opsBefore - 1) / requests } : {}),
    latencyUs: driven.latencyUs,
    ...(mem ? { proxyRss: mem.rss, proxyPeakRss: mem.peakRss } : {}),
  };
}
