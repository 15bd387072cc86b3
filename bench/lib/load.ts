/**
 * One measured leg: autocannon drives a target for a fixed time while /proc records what the
 * proxy, the upstream and any helper process spent. Every response is checked.
 */
import autocannon from "autocannon";
import { CpuMeter, memory } from "./proc-stats.js";
import type { LegResult, Target } from "./targets.js";

export interface Workload {
  name: string;
  /** The JSON-RPC request body, sent on every request. */
  body: string;
  connections: number;
  /** The exact expected body, or a check for bodies a gateway may legitimately re-serialise. */
  expect: string | ((body: string) => boolean);
}

const BASE_HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };

export async function runLeg(target: Target, workload: Workload, seconds: number, round: number, upstreamPid: number): Promise<LegResult> {
  const upstreamPids = target.upstreamPids ?? [upstreamPid];
  const meter = new CpuMeter([...upstreamPids, ...(target.pid ? [target.pid] : []), ...(target.auxPids ?? [])]);
  const opsBefore = await target.auxOps?.();
  const loadgenStart = process.cpuUsage();
  meter.begin();
  const result = await autocannon({
    url: target.url,
    method: "POST",
    connections: workload.connections,
    duration: seconds,
    timeout: 10,
    headers: { ...BASE_HEADERS, ...target.headers },
    body: workload.body,
    ...(typeof workload.expect === "string" ? { expectBody: workload.expect } : { verifyBody: workload.expect }),
  });
  const { cpu, system } = meter.end();
  const loadgen = process.cpuUsage(loadgenStart);
  // Minus one below: the second reading is itself a round trip.
  const opsAfter = await target.auxOps?.();
  const requests = result.requests.total;
  const per = (micros: number | undefined) => (micros === undefined || !requests ? NaN : micros / requests);
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]));
  const failures = { errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx, mismatches: result.mismatches, statusCodes };
  const mem = target.pid ? memory(target.pid) : undefined;
  const sum = (pids: readonly number[]) => pids.reduce((total, pid) => total + (cpu.get(pid) ?? NaN), 0);
  const aux = sum(target.auxPids ?? []);
  return {
    target: target.name,
    round,
    requests,
    seconds: result.duration,
    rps: requests / result.duration,
    bytesPerSec: result.throughput.total / result.duration,
    failures,
    ok: requests > 0 && result.errors + result.timeouts + result.non2xx + result.mismatches === 0,
    cpuUsPerRequest: {
      upstream: per(sum(upstreamPids)),
      loadgen: per(loadgen.user + loadgen.system),
      ...(target.pid ? { proxy: per(cpu.get(target.pid)), proxySystem: per(system.get(target.pid)) } : {}),
      ...(target.auxPids?.length ? { aux: per(aux) } : {}),
    },
    ...(opsBefore !== undefined && opsAfter !== undefined ? { auxOpsPerRequest: (opsAfter - opsBefore - 1) / requests } : {}),
    ...(mem ? { proxyRss: mem.rss, proxyPeakRss: mem.peakRss } : {}),
  };
}
