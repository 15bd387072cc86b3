/**
 * Unloaded latency: one connection, one request at a time, timed in microseconds (autocannon's
 * histogram rounds to whole milliseconds, too coarse for a proxy's added cost).
 */
import { Agent, request } from "node:http";
import type { Failures, Target, TargetName } from "./targets.js";

export interface LatencyResult {
  target: TargetName;
  round: number;
  requests: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  failures: Failures;
  ok: boolean;
}

function percentile(sorted: Float64Array, p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function post(agent: Agent, url: URL, headers: Record<string, string>, body: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", agent, headers: { ...headers, "content-length": String(body.length) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on("error", reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error("request timed out")));
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * Sends `warmup` requests, then as many as fit in `seconds`, one after another. `expected` is the
 * exact body, or a check for bodies a gateway re-serialises (a merged tools/list).
 */
export async function measureLatency(
  target: Target,
  body: string,
  expected: string | ((body: string) => boolean),
  seconds: number,
  round: number,
  warmup = 200,
): Promise<LatencyResult> {
  const matches = typeof expected === "string" ? (text: string) => text === expected : expected;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(target.url);
  const headers = { "content-type": "application/json", accept: "application/json, text/event-stream", ...target.headers };
  const payload = Buffer.from(body);
  const failures: Failures = { errors: 0, timeouts: 0, non2xx: 0, mismatches: 0, statusCodes: {} };
  const samples: number[] = [];
  try {
    for (let i = 0; i < warmup; i++) await post(agent, url, headers, payload).catch(() => undefined);
    const deadline = performance.now() + seconds * 1000;
    while (performance.now() < deadline) {
      const start = process.hrtime.bigint();
      try {
        const response = await post(agent, url, headers, payload);
        samples.push(Number(process.hrtime.bigint() - start) / 1000);
        failures.statusCodes[response.status] = (failures.statusCodes[response.status] ?? 0) + 1;
        if (response.status < 200 || response.status > 299) failures.non2xx++;
        else if (!matches(response.body)) failures.mismatches++;
      } catch (err) {
        failures.errors++;
        if ((err as Error).message === "request timed out") failures.timeouts++;
      }
    }
  } finally {
    agent.destroy();
  }
  const sorted = Float64Array.from(samples).sort();
  const failed = failures.errors + failures.non2xx + failures.mismatches;
  return {
    target: target.name,
    round,
    requests: samples.length,
    p50Us: percentile(sorted, 50),
    p90Us: percentile(sorted, 90),
    p99Us: percentile(sorted, 99),
    failures,
    ok: samples.length > 0 && failed === 0,
  };
}
