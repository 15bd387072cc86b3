/**
 * The benchmark harness works end to end: a smoke run (tiny durations, load from autocannon so
 * CI needs no wrk) starts every target it can, the peers included, checks every response, and
 * writes results without failed responses. No thresholds: the figures of a smoke run mean nothing.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(BENCH_DIR, "..");

interface Outcome {
  target: string;
  status: "ok" | "errors" | "skipped";
  note?: string;
  legs: { loadgen?: string }[];
  summary?: Record<string, number>;
}

/** The lowest and highest round of a median (results.ts). */
interface Range {
  min: number;
  max: number;
}

interface Output {
  smoke: boolean;
  scenarios: { scenario: string; targets: Outcome[] }[];
  errors: string[];
  processes: { name: string; pid: number }[];
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("npm run bench -- --smoke", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-smoke-"));
  const file = path.join(dir, "results.json");
  let exitCode: number | null = null;
  let stdout = "";
  let output: Output;

  before(async () => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(BENCH_DIR, "run.ts"), "--smoke", "--out", file], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    // Bounded: a harness that hangs fails the test instead of the CI job.
    const timer = setTimeout(() => child.kill("SIGTERM"), 100_000);
    exitCode = await new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    clearTimeout(timer);
    try {
      output = JSON.parse(readFileSync(file, "utf8")) as Output;
    } catch (err) {
      throw new Error(`no results file (exit ${exitCode}): ${stderr}\n${stdout}`, { cause: err });
    }
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("exits 0 and writes a smoke results file without fatal errors", () => {
    assert.equal(exitCode, 0, stdout);
    assert.equal(output.smoke, true);
    assert.deepEqual(output.errors, []);
  });

  it("runs every scenario, each with direct measured", () => {
    assert.deepEqual(
      output.scenarios.map((scenario) => scenario.scenario),
      ["tools-call", "latency", "tools-list", "fan-out", "large", "sse"],
    );
    for (const scenario of output.scenarios) {
      const direct = scenario.targets.find((outcome) => outcome.target === "direct");
      assert.equal(direct?.status, "ok", `${scenario.scenario}: direct ${direct?.status} ${direct?.note ?? ""}`);
      assert.ok(direct.legs.length > 0, `${scenario.scenario}: direct has no legs`);
    }
  });

  it("reports no target with failed responses", () => {
    const failed = output.scenarios.flatMap((scenario) =>
      scenario.targets.filter((outcome) => outcome.status === "errors").map((outcome) => `${scenario.scenario}/${outcome.target}: ${outcome.note}`),
    );
    assert.deepEqual(failed, []);
  });

  it("measures the bare gateway in the tools/call scenario, with its CPU and memory", () => {
    const calls = output.scenarios.find((scenario) => scenario.scenario === "tools-call");
    const gateway = calls?.targets.find((outcome) => outcome.target === "gateway");
    assert.equal(gateway?.status, "ok", gateway?.note);
    assert.ok(gateway.summary!.rps! > 0);
    assert.ok(gateway.summary!.ratio! > 0);
    assert.ok(gateway.summary!.proxyCpuUsPerRequest! > 0, "CPU per request read from /proc");
    const spread = gateway.summary as unknown as { ratio: number; ratioRange: Range; proxyCpuUsPerRequest: number; proxyCpuRange: Range };
    assert.ok(spread.ratioRange.min <= spread.ratio && spread.ratio <= spread.ratioRange.max, "the median lies within the rounds' range");
    assert.ok(spread.proxyCpuRange.min <= spread.proxyCpuUsPerRequest && spread.proxyCpuUsPerRequest <= spread.proxyCpuRange.max);
    assert.ok(gateway.summary!.proxyRss! > 0, "RSS read from /proc");
  });

  it("measures the Node anchors (node-relay, node-proxy) next to the gateway", () => {
    const calls = output.scenarios.find((scenario) => scenario.scenario === "tools-call");
    for (const name of ["node-relay", "node-proxy"]) {
      const floor = calls?.targets.find((outcome) => outcome.target === name);
      assert.equal(floor?.status, "ok", `${name}: ${floor?.note}`);
      assert.ok(floor.summary!.proxyCpuUsPerRequest! > 0, name);
    }
  });

  it("drives the throughput legs with autocannon, and records it in every leg", () => {
    const calls = output.scenarios.find((scenario) => scenario.scenario === "tools-call");
    const legs = calls?.targets.flatMap((outcome) => outcome.legs) ?? [];
    assert.ok(legs.length > 0);
    assert.deepEqual([...new Set(legs.map((leg) => leg.loadgen))], ["autocannon"]);
  });

  it("measures the peers that front the stdio fixture through a session, with their CPU and memory", () => {
    const calls = output.scenarios.find((scenario) => scenario.scenario === "tools-call");
    for (const name of ["supergateway-stdio", "mcp-proxy-stdio"]) {
      const peer = calls?.targets.find((outcome) => outcome.target === name);
      assert.equal(peer?.status, "ok", `${name}: ${peer?.note}`);
      assert.ok(peer.summary!.rps! > 0, name);
      assert.ok(peer.summary!.proxyCpuUsPerRequest! > 0, `${name}: CPU per request read from /proc`);
      assert.ok(peer.summary!.upstreamCpuUsPerRequest! > 0, `${name}: the stdio fixture's CPU`);
      assert.ok(peer.summary!.proxyRss! > 0, `${name}: RSS read from /proc`);
    }
    const http = calls?.targets.find((outcome) => outcome.target === "supergateway-http");
    assert.equal(http?.status, "skipped", "supergateway has no Streamable HTTP to Streamable HTTP mode");
    assert.match(stdout, /^summary: .* supergateway-stdio \d[\d.]*x .* mcp-proxy-stdio \d[\d.]*x/m);
  });

  it("measures the federated gateway's merged tools/list in the fan-out scenario", () => {
    const fanOut = output.scenarios.find((scenario) => scenario.scenario === "fan-out");
    const federated = fanOut?.targets.find((outcome) => outcome.target === "gateway-fanout");
    assert.equal(federated?.status, "ok", federated?.note);
    assert.ok(federated.summary!.rps! > 0);
    assert.ok(federated.summary!.proxyCpuUsPerRequest! > 0);
    assert.ok(federated.summary!.p50Us! > 0, "p50 on one connection");
    assert.equal(typeof federated.summary!.extraCpuUsPerRequest, "number", "CPU over the pass-through gateway's");
  });

  it("reads the SSE gateway's RSS after each half of the streams opened", () => {
    const sse = output.scenarios.find((scenario) => scenario.scenario === "sse");
    const gateway = sse?.targets.find((outcome) => outcome.target === "gateway-full" || outcome.target === "gateway");
    assert.equal(gateway?.status, "ok", gateway?.note);
    const { rssBefore, rssHalf, rssHeld, rssPerStream, rssPerStreamMarginal } = gateway.summary!;
    for (const rss of [rssBefore, rssHalf, rssHeld]) assert.ok(rss! > 0, "RSS read from /proc");
    // Twenty streams are too few for a meaningful figure (RSS may even shrink): only its presence is checked.
    assert.ok(Number.isFinite(rssPerStream) && Number.isFinite(rssPerStreamMarginal));
  });

  it("says why each target it skipped was not measured", () => {
    for (const scenario of output.scenarios) {
      for (const outcome of scenario.targets.filter((target) => target.status === "skipped")) {
        assert.ok(outcome.note && outcome.note.length > 0, `${scenario.scenario}/${outcome.target} skipped without a reason`);
        assert.equal(outcome.summary, undefined);
      }
    }
  });

  it("prints one table per scenario and a one-line summary", () => {
    for (const title of ["tools-call (", "latency (", "tools-list (", "fan-out (", "large (", "sse fan-in ("]) assert.ok(stdout.includes(title), `missing table ${title}`);
    assert.match(stdout, /^summary: gateway-full .* direct/m);
  });

  it("leaves none of the processes it started running", () => {
    assert.ok(output.processes.length >= 3, "upstream and gateways were started");
    assert.deepEqual(
      output.processes.filter((child) => isAlive(child.pid)),
      [],
    );
  });
});
