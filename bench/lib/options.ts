/** Command-line flags (each with a BENCH_* environment variable) and their defaults for a 2-core box. */
import { parseArgs } from "node:util";
import type { Loadgen } from "./targets.js";

export const SCENARIOS = Object.freeze(["tools-call", "latency", "tools-list", "fan-out", "large", "sse"] as const);
export type ScenarioName = (typeof SCENARIOS)[number];

export const PROFILE_TARGETS = Object.freeze(["gateway-full", "gateway", "gateway-oauth", "gateway-redis", "gateway-fanout"] as const);
export type ProfileTarget = (typeof PROFILE_TARGETS)[number];

export interface BenchOptions {
  rounds: number;
  /** Seconds per leg of the tools/call throughput scenario. */
  duration: number;
  /** Seconds per leg of the latency, tools/list and large scenarios. */
  shortDuration: number;
  /** Seconds of load per target before the first round (JIT warm-up, not recorded). */
  warmup: number;
  connections: number;
  largeConnections: number;
  sseStreams: number;
  sseHold: number;
  keepaliveMs: number;
  scenarios: readonly ScenarioName[];
  /** Profile this gateway under tools/call load with `node --cpu-prof` and summarise it. */
  profile: ProfileTarget | undefined;
  smoke: boolean;
  /** JSON results file. */
  out: string | undefined;
  /** Node flags for every Node proxy (the gateways, node-proxy, node-relay and the peers), e.g. `--max-semi-space-size=2`. */
  proxyNodeArgs: readonly string[];
  /** The throughput load generator asked for; undefined: wrk, or autocannon for a smoke run (load.ts chooseLoadgen). */
  loadgen: Loadgen | undefined;
  /** Measure the peers (supergateway, mcp-proxy) in tools-call and latency, when installed. */
  peers: boolean;
}

export const HELP = `Usage: npm run bench -- [options]

  --rounds N            rounds per scenario; figures are medians          (BENCH_ROUNDS, 3)
  --duration S          seconds per tools/call leg                        (BENCH_DURATION, 5)
  --short-duration S    seconds per latency, tools/list and large leg     (BENCH_SHORT_DURATION, 3)
  --warmup S            seconds of unrecorded load per target first       (BENCH_WARMUP, 1)
  --connections N       connections for tools/call and tools/list         (BENCH_CONNECTIONS, 32)
  --large-connections N connections for the 1 MiB scenario                (BENCH_LARGE_CONNECTIONS, 8)
  --sse-streams N       concurrent GET streams in the SSE fan-in          (BENCH_SSE_STREAMS, 500)
  --sse-hold S          seconds the streams are held                      (BENCH_SSE_HOLD, 5)
  --sse-full            the issue's SSE figure: 5,000 streams held 20 s
  --keepalive-ms MS     upstream keepalive comment interval               (BENCH_KEEPALIVE_MS, 1000)
  --only A,B            scenarios to run: ${SCENARIOS.join(", ")}
  --profile             also profile gateway-full (node --cpu-prof) under tools/call load
  --profile-target NAME profile this gateway instead: ${PROFILE_TARGETS.join(", ")} (implies --profile)
  --node-args "FLAGS"   node flags for the gateways, Node anchors, peers  (BENCH_NODE_ARGS, none)
  --loadgen NAME        throughput load from wrk or autocannon            (BENCH_LOADGEN, wrk; autocannon with --smoke)
  --no-peers            leave out supergateway and mcp-proxy              (BENCH_PEERS=0; on when installed)
  --smoke               tiny durations (~50 s in all): checks the harness, figures mean nothing
  --out FILE            JSON results file (default bench/results/bench-<time>.json)
`;

function number(value: string | undefined, env: string, fallback: number, allowZero = false): number {
  const raw = value ?? process.env[env];
  if (raw === undefined || raw === "") return fallback;
  const parsed = Number(raw);
  if (!Number.isFinite(parsed) || parsed < 0 || (parsed === 0 && !allowZero)) {
    throw new Error(`bench: ${env} must be a ${allowZero ? "non-negative" : "positive"} number, got "${raw}"`);
  }
  return parsed;
}

/** Parses argv; returns undefined when --help was asked for. */
export function parseOptions(argv: readonly string[]): BenchOptions | undefined {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rounds: { type: "string" },
      duration: { type: "string" },
      "short-duration": { type: "string" },
      warmup: { type: "string" },
      connections: { type: "string" },
      "large-connections": { type: "string" },
      "sse-streams": { type: "string" },
      "sse-hold": { type: "string" },
      "sse-full": { type: "boolean" },
      "keepalive-ms": { type: "string" },
      only: { type: "string" },
      profile: { type: "boolean" },
      "profile-target": { type: "string" },
      "node-args": { type: "string" },
      loadgen: { type: "string" },
      peers: { type: "boolean" },
      smoke: { type: "boolean" },
      out: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    allowNegative: true,
  });
  if (values.help) return undefined;
  const smoke = values.smoke ?? false;
  const scenarios = values.only ? values.only.split(",").map((name) => name.trim()) : [...SCENARIOS];
  for (const name of scenarios) {
    if (!(SCENARIOS as readonly string[]).includes(name)) throw new Error(`bench: unknown scenario "${name}" (known: ${SCENARIOS.join(", ")})`);
  }
  const full = values["sse-full"] ?? false;
  const profileTarget = values["profile-target"];
  if (profileTarget !== undefined && !(PROFILE_TARGETS as readonly string[]).includes(profileTarget)) {
    throw new Error(`bench: --profile-target must be one of ${PROFILE_TARGETS.join(", ")}, got "${profileTarget}"`);
  }
  const loadgen = values.loadgen ?? (process.env.BENCH_LOADGEN || undefined);
  if (loadgen !== undefined && loadgen !== "wrk" && loadgen !== "autocannon") throw new Error(`bench: --loadgen must be wrk or autocannon, got "${loadgen}"`);
  const peersEnv = process.env.BENCH_PEERS;
  if (peersEnv !== undefined && peersEnv !== "" && peersEnv !== "0" && peersEnv !== "1") throw new Error(`bench: BENCH_PEERS must be 0 or 1, got "${peersEnv}"`);
  return {
    rounds: Math.round(number(values.rounds, "BENCH_ROUNDS", smoke ? 1 : 3)),
    duration: number(values.duration, "BENCH_DURATION", smoke ? 1 : 5),
    shortDuration: number(values["short-duration"], "BENCH_SHORT_DURATION", smoke ? 1 : 3),
    warmup: number(values.warmup, "BENCH_WARMUP", smoke ? 0 : 1, true),
    connections: Math.round(number(values.connections, "BENCH_CONNECTIONS", 32)),
    largeConnections: Math.round(number(values["large-connections"], "BENCH_LARGE_CONNECTIONS", smoke ? 2 : 8)),
    sseStreams: Math.round(number(values["sse-streams"], "BENCH_SSE_STREAMS", full ? 5_000 : smoke ? 20 : 500)),
    sseHold: number(values["sse-hold"], "BENCH_SSE_HOLD", full ? 20 : smoke ? 1 : 5),
    keepaliveMs: Math.round(number(values["keepalive-ms"], "BENCH_KEEPALIVE_MS", smoke ? 250 : 1000)),
    scenarios: scenarios as ScenarioName[],
    profile: (profileTarget as ProfileTarget | undefined) ?? (values.profile ? "gateway-full" : undefined),
    smoke,
    out: values.out,
    proxyNodeArgs: (values["node-args"] ?? process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean),
    loadgen,
    peers: values.peers ?? peersEnv !== "0",
  };
}
