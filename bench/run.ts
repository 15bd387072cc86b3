/**
 * `npm run bench`: the gateway against the bare upstream (and nginx when installed) and against
 * its peers (supergateway, mcp-proxy), same run, same upstream. See docs/performance.md for
 * what each scenario measures.
 *
 * Processes: wrk (a child) generates the throughput load, or autocannon in this process; the
 * upstream fixtures, each gateway, peer, Redis and nginx run as children so /proc can attribute
 * CPU and memory to each. Every child is stopped by its PID.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { installExitHandlers, startedChildren, stopAll } from "./lib/children.js";
import { Fleet } from "./lib/fleet.js";
import { cli } from "./lib/gateway-process.js";
import { startLineup, subset, type StartedLineup } from "./lib/lineup.js";
import { chooseLoadgen, type LoadgenChoice, type Workload } from "./lib/load.js";
import { callRequest, largeAnswer, request } from "./lib/mcp-fixtures.js";
import { HELP, parseOptions, type BenchOptions, type ScenarioName } from "./lib/options.js";
import { REPO_ROOT, RESULTS_DIR } from "./lib/paths.js";
import { echoExpectation, toolsListCheck } from "./lib/preflight.js";
import { profileGateway, type ProfileOutcome } from "./lib/profile-run.js";
import { formatTables, summaryLine } from "./lib/report.js";
import type { ScenarioResult } from "./lib/results.js";
import { fanOutScenario, latencyScenario, sseScenario, throughputScenario, type RoundPlan } from "./lib/scenarios.js";
import { PEERS, type Loadgen, type Target, type TargetName } from "./lib/targets.js";
import { startUpstream } from "./lib/upstream-process.js";

const log = (line: string) => console.log(`[bench] ${line}`);

function machine() {
  const cpus = os.cpus();
  return { cpus: cpus.length, model: cpus[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, os: `${os.type()} ${os.release()}` };
}

const echoWorkload = (connections: number) => (target: Target): Workload => ({
  name: "tools/call echo",
  body: callRequest(1, "echo"),
  connections,
  ...echoExpectation(target),
});

const listWorkload = (connections: number) => (target: Target): Workload => ({
  name: "tools/list",
  body: request(1, "tools/list"),
  connections,
  expect: toolsListCheck(target),
});

const largeWorkload = (connections: number): Workload => ({
  name: "tools/call large",
  body: callRequest(1, "large"),
  connections,
  expect: largeAnswer(1),
});

/** Large and SSE compare direct with the fullest gateway that runs: gateway-full, else the bare one. */
async function freshLineup(fleet: Fleet, options: Parameters<Fleet["start"]>[1]): Promise<StartedLineup> {
  const lineup = await startLineup(fleet, ["direct", "gateway-full"], options, log);
  if (lineup.running.has("gateway-full")) return lineup;
  const bare = await startLineup(fleet, ["gateway"], options, log);
  return {
    ...lineup,
    targets: [...lineup.targets, ...bare.targets],
    unavailable: new Map([...lineup.unavailable, ...bare.unavailable]),
    running: new Map([...lineup.running, ...bare.running]),
    stop: async () => {
      await lineup.stop();
      await bare.stop();
    },
  };
}

interface Output {
  tool: string;
  startedAt: string;
  finishedAt?: string;
  smoke: boolean;
  options: BenchOptions;
  machine: ReturnType<typeof machine>;
  loadAverage: { start: number[]; end?: number[] };
  /** What drove the throughput legs (each leg records it too). */
  loadgen?: Loadgen;
  /** `mcp-gateway plugins` for gateway-full: proof of which taps ran. */
  gatewayFullTaps?: string;
  scenarios: ScenarioResult[];
  profile?: ProfileOutcome;
  /** Fatal problems (the run stopped early). */
  errors: string[];
  /** Every process the run started; all are stopped before the results are written. */
  processes?: readonly { name: string; pid: number }[];
}

async function runScenarios(options: BenchOptions, loadgen: LoadgenChoice, output: Output, dir: string, stamp: string): Promise<void> {
  const upstream = await startUpstream(options.keepaliveMs);
  const fleet = new Fleet(upstream, dir, options.keepaliveMs, options.proxyNodeArgs);
  const wants = (name: ScenarioName) => options.scenarios.includes(name);
  const plan = (seconds: number, warmup: number): RoundPlan => ({ rounds: options.rounds, seconds, warmup, upstreamPid: upstream.child.pid, loadgen, log });
  const peers = options.peers ? PEERS : [];
  try {
    if (wants("tools-call") || wants("latency") || wants("tools-list")) {
      const names: TargetName[] = ["direct", "nginx", "node-relay", "node-proxy", "gateway", "gateway-full", "gateway-oauth", "gateway-redis", ...peers];
      const lineup = await startLineup(fleet, names, {}, log);
      try {
        const full = lineup.running.get("gateway-full");
        if (full?.configFile) output.gatewayFullTaps = await cli("plugins", full.configFile).catch((err: Error) => `unavailable: ${err.message}`);
        if (wants("tools-call")) {
          output.scenarios.push(await throughputScenario("tools-call", lineup, echoWorkload(options.connections), plan(options.duration, options.warmup)));
        }
        if (wants("latency")) {
          // A smoke run checks the peers once, under load: their start-up is most of what they cost it.
          const measured = subset(lineup, ["direct", "nginx", "node-relay", "node-proxy", "gateway", "gateway-full", "gateway-oauth", ...(options.smoke ? [] : peers)]);
          output.scenarios.push(await latencyScenario(measured, echoWorkload(1), plan(options.shortDuration, 0)));
        }
        if (wants("tools-list")) {
          const list = subset(lineup, ["direct", "gateway", "gateway-full"]);
          output.scenarios.push(await throughputScenario("tools-list", list, listWorkload(options.connections), plan(options.shortDuration, options.warmup)));
        }
      } finally {
        await lineup.stop();
      }
    }
    if (wants("fan-out")) {
      // tools/list merged from three upstream processes (sent without a session: the fixtures are
      // stateless), against one upstream's list direct and passed through by the bare gateway.
      const lineup = await startLineup(fleet, ["direct", "gateway", "gateway-fanout"], { label: "fan-out" }, log);
      try {
        output.scenarios.push(await fanOutScenario(lineup, listWorkload(options.connections), plan(options.shortDuration, options.warmup)));
      } finally {
        await lineup.stop();
      }
    }
    if (wants("large")) {
      const lineup = await freshLineup(fleet, { label: "large" });
      try {
        output.scenarios.push(await throughputScenario("large", lineup, () => largeWorkload(options.largeConnections), plan(options.shortDuration, options.warmup)));
      } finally {
        await lineup.stop();
      }
    }
    if (wants("sse")) {
      // One upstream connection per held stream: the pool default (128) would queue the rest.
      const lineup = await freshLineup(fleet, { label: "sse", connections: Math.max(options.sseStreams, 100) + 64 });
      try {
        output.scenarios.push(await sseScenario(lineup, upstream, { streams: options.sseStreams, holdSeconds: options.sseHold, keepaliveMs: options.keepaliveMs, log }));
      } finally {
        await lineup.stop();
      }
    }
    if (options.profile) {
      // The fan-out gateway is profiled on what it is for: merged tools/list.
      const fanOut = options.profile === "gateway-fanout";
      const workload = (fanOut ? listWorkload(options.connections) : echoWorkload(options.connections))({ name: options.profile, url: "", headers: {} });
      log(`profiling ${options.profile} (node --cpu-prof) under ${workload.name} load`);
      output.profile = await profileGateway(fleet, options.profile, workload, options.duration, stamp, loadgen);
    }
  } finally {
    await fleet.close();
    await upstream.child.stop();
  }
}

function failedTargets(output: Output): string[] {
  return output.scenarios.flatMap((scenario) =>
    (scenario.targets as { target: string; status: string; note?: string }[])
      .filter((outcome) => outcome.status === "errors")
      .map((outcome) => `${scenario.scenario}/${outcome.target}: ${outcome.note ?? "errors"}`),
  );
}

function printProfile(profile: Output["profile"]): void {
  if (profile === undefined) return;
  if (typeof profile === "string") return console.log(`\nprofile: ${profile}`);
  // The main thread's busy time per request, next to each share: GC helper threads are not in
  // a profile, and a wait inside a native call is (see cpu-profile.ts).
  const perRequest = (ms: number) => `${((ms * 1000) / profile.requests).toFixed(1).padStart(6)} µs/req`;
  console.log(`\nprofile of ${profile.target} (${path.relative(process.cwd(), profile.file)}), self time of ${profile.busyMs} ms busy, ${profile.requests} requests:`);
  console.log(`  ${"".padStart(6)}  ${perRequest(profile.busyMs)}  all`);
  for (const area of profile.areas.slice(0, 10)) console.log(`  ${area.percent.toFixed(1).padStart(5)}%  ${perRequest(area.ms)}  ${area.name}`);
  console.log("  top functions:");
  for (const fn of profile.functions.slice(0, 15)) console.log(`  ${fn.percent.toFixed(1).padStart(5)}%  ${perRequest(fn.ms)}  ${fn.name}  [${fn.area}]`);
}

export async function main(argv: readonly string[]): Promise<number> {
  let options: BenchOptions | undefined;
  try {
    options = parseOptions(argv);
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  if (!options) {
    console.log(HELP);
    return 0;
  }
  if (!existsSync(path.join(REPO_ROOT, "packages/runtime/dist/cli.js"))) {
    console.error("bench: the runtime is not built; run `npm run build` first");
    return 2;
  }
  let loadgen: LoadgenChoice;
  try {
    loadgen = chooseLoadgen(options.loadgen, options.smoke, log);
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  installExitHandlers();
  const started = new Date();
  const stamp = started.toISOString().replace(/[:.]/g, "-");
  const output: Output = {
    tool: "mcp-gateway bench",
    startedAt: started.toISOString(),
    smoke: options.smoke,
    options,
    machine: machine(),
    loadAverage: { start: os.loadavg() },
    loadgen: loadgen.name,
    scenarios: [],
    errors: [],
  };
  const dir = mkdtempSync(path.join(os.tmpdir(), "mcp-gateway-bench-"));
  log(`${options.smoke ? "smoke run" : "run"}: ${options.scenarios.join(", ")}; ${options.rounds} rounds; load from ${loadgen.name}; load average ${os.loadavg().map((n) => n.toFixed(2)).join(" ")}`);
  try {
    await runScenarios(options, loadgen, output, dir, stamp);
  } catch (err) {
    output.errors.push((err as Error).stack ?? String(err));
  } finally {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
  output.finishedAt = new Date().toISOString();
  output.processes = startedChildren();
  output.loadAverage.end = os.loadavg();

  console.log(`\n${formatTables(output.scenarios)}\n`);
  printProfile(output.profile);
  console.log(summaryLine(output.scenarios));
  if (options.proxyNodeArgs.length) console.log(`node flags of the gateways and Node anchors: ${options.proxyNodeArgs.join(" ")}`);
  const failed = failedTargets(output);
  for (const line of [...failed, ...output.errors]) console.error(`FAILED ${line}`);

  const file = options.out ? path.resolve(options.out) : path.join(RESULTS_DIR, `bench-${stamp}${options.smoke ? "-smoke" : ""}.json`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(output, null, 2)}\n`);
  console.log(`results: ${path.relative(process.cwd(), file)}`);
  return failed.length || output.errors.length ? 1 : 0;
}

// Explicit exit: keep-alive sockets of fetch and autocannon timers must not hold the runner open.
process.exit(await main(process.argv.slice(2)));
