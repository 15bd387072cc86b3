/**
 * Throughput load from autocannon, inside the runner: what CI's smoke test uses (it needs no
 * wrk), and the fallback when wrk is not installed. It checks every body, with the workload's
 * check function where there is one, but on a 2-core box it caps near 11k req/s, so `direct`
 * reads low and every ratio to it reads high.
 */
import autocannon from "autocannon";
import type { Driven, Numbered, Workload } from "./load.js";
import { MCP_POST_HEADERS } from "./mcp-fixtures.js";
import type { Target } from "./targets.js";

export async function driveAutocannon(target: Target, workload: Workload, seconds: number, numbered: Numbered | undefined): Promise<Driven> {
  let id = numbered?.firstId ?? 0;
  const start = process.cpuUsage();
  const result = await autocannon({
    url: target.url,
    method: "POST",
    connections: workload.connections,
    duration: seconds,
    timeout: 10,
    headers: { ...MCP_POST_HEADERS, ...target.headers },
    body: workload.body,
    ...(numbered ? { requests: [{ setupRequest: (request) => ({ ...request, body: `${numbered.before}${++id}${numbered.after}` }) }] } : {}),
    ...(typeof workload.expect === "string" ? { expectBody: workload.expect } : { verifyBody: workload.expect }),
  });
  const cpu = process.cpuUsage(start);
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]));
  const ms = (value: number) => value * 1000;
  return {
    loadgen: "autocannon",
    requests: result.requests.total,
    seconds: result.duration,
    bytes: result.throughput.total,
    failures: { errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx, mismatches: result.mismatches, statusCodes },
    // The runner's own CPU: autocannon runs in it.
    loadgenCpuMicros: cpu.user + cpu.system,
    latencyUs: { p50: ms(result.latency.p50), p90: ms(result.latency.p90), p99: ms(result.latency.p99), max: ms(result.latency.max) },
  };
}
