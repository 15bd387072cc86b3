/** The printed report: one table per scenario, then a one-line summary of the ratios. */
import { ANCHORS, type FanOutScenario, type LatencyScenario, type Range, type ScenarioResult, type SseScenario, type TargetOutcome, type ThroughputScenario } from "./results.js";
import { PEERS, type TargetName } from "./targets.js";

const MIB = 1024 * 1024;

function fixed(value: number | undefined, digits = 0): string {
  if (value === undefined || !Number.isFinite(value)) return "-";
  return value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** A median with its lowest and highest round, when the rounds differ: `0.36x (0.33–0.41)`. */
function spread(value: number | undefined, range: Range | undefined, { digits = 0, scale = 1, unit = "" } = {}): string {
  const median = `${fixed(value === undefined ? undefined : value / scale, digits)}${unit}`;
  if (!range || !Number.isFinite(range.min)) return median;
  const [low, high] = [fixed(range.min / scale, digits), fixed(range.max / scale, digits)];
  return low === high ? median : `${median} (${low}–${high})`;
}

/** Digits of a ratio: three below 0.1, so the smallest do not all round to 0.0x. */
const ratioDigits = (value: number | undefined) => (value !== undefined && value < 0.1 ? 3 : 2);

function ratio(value: number | undefined, range?: Range): string {
  return spread(value, range, { digits: ratioDigits(value), unit: "x" });
}

const ORDER: readonly TargetName[] = ["direct", "nginx", "node-relay", "node-proxy", "gateway", "gateway-full", "gateway-oauth", "gateway-redis", "gateway-fanout", ...PEERS];

function inOrder<T extends { target: TargetName }>(outcomes: readonly T[]): T[] {
  return [...outcomes].sort((a, b) => ORDER.indexOf(a.target) - ORDER.indexOf(b.target));
}

/** A table, then one line per target that was skipped or failed, saying why. */
function table(title: string, header: string[], rows: string[][], outcomes: readonly TargetOutcome<unknown, unknown>[]): string {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join("  ");
  const notes = outcomes.filter((outcome) => outcome.note).map((outcome) => `  ${outcome.target} ${status(outcome)}: ${outcome.note}`);
  return [title, line(header), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line), ...notes].join("\n");
}

function status(outcome: TargetOutcome<unknown, unknown>): string {
  return outcome.status === "errors" ? "ERRORS" : outcome.status;
}

/** Figures only for targets whose every response was checked and correct. */
function cells<S>(outcome: TargetOutcome<unknown, S>, pick: (summary: S) => string[], width: number): string[] {
  return outcome.summary ? pick(outcome.summary) : Array.from({ length: width }, () => (outcome.status === "errors" ? "ERR" : "-"));
}

/** One row per target: its name, its figures (or ERR/- for each column), its status. */
function rowsOf<S>(outcomes: readonly TargetOutcome<unknown, S>[], header: readonly string[], pick: (summary: S) => string[]): string[][] {
  return outcomes.map((outcome) => [outcome.target, ...cells(outcome, pick, header.length - 2), status(outcome)]);
}

/**
 * The ratios to the anchors show when the scenario has them in its lineup (tools-call); "—" where
 * an anchor did not run or had errors. "loadgen µs/req": the load generator's own CPU per
 * request, to see that it is not what limits a leg.
 */
function throughputTable(result: ThroughputScenario): string {
  const large = result.scenario === "large";
  const anchors = ANCHORS.filter((name) => result.targets.some((outcome) => outcome.target === name));
  const header = [
    "target",
    "req/s",
    "MB/s",
    "x direct",
    ...anchors.map((name) => `x ${name}`),
    "proxy CPU µs/req",
    "sys %",
    "upstream µs/req",
    "redis µs/req",
    "redis trips/req",
    "loadgen µs/req",
    large ? "peak RSS MiB" : "RSS MiB",
    "status",
  ];
  const outcomes = inOrder(result.targets);
  const rows = rowsOf(outcomes, header, (s) => [
    fixed(s.rps),
    fixed(s.mbPerSec, 1),
    ratio(s.ratio, s.ratioRange),
    ...anchors.map((name) => (s.ratioTo[name] === undefined ? "—" : ratio(s.ratioTo[name]))),
    spread(s.proxyCpuUsPerRequest, s.proxyCpuRange),
    fixed(s.proxySystemShare * 100),
    fixed(s.upstreamCpuUsPerRequest),
    fixed(s.auxCpuUsPerRequest),
    fixed(s.auxOpsPerRequest, 2),
    fixed(s.loadgenCpuUsPerRequest),
    fixed((large ? s.proxyPeakRss : s.proxyRss) / MIB),
  ]);
  const { workload } = result;
  const title = `${result.scenario} (${workload.connections} connections, load from ${workload.loadgen}, ${workload.rounds} × ${workload.seconds} s, medians, lowest–highest round in parentheses)`;
  return table(title, header, rows, outcomes);
}

function latencyTable(result: LatencyScenario): string {
  const outcomes = inOrder(result.targets);
  const header = ["target", "p50 µs", "p99 µs", "added p50 ms", "status"];
  const rows = rowsOf(outcomes, header, (s) => [fixed(s.p50Us), fixed(s.p99Us), spread(s.addedP50Us, s.addedP50Range, { digits: 3, scale: 1000 })]);
  const title = `latency (1 connection, sequential, ${result.workload.rounds} × ${result.workload.seconds} s, medians, lowest–highest round in parentheses)`;
  return table(title, header, rows, outcomes);
}

function fanOutTable(result: FanOutScenario): string {
  const header = ["target", "req/s", "x direct", "proxy CPU µs/list", "over pass-through µs", "upstream µs/list", "p50 µs", "added p50 µs", "RSS MiB", "status"];
  const outcomes = inOrder(result.targets);
  const rows = rowsOf(outcomes, header, (s) => [
    fixed(s.rps),
    spread(s.ratio, s.ratioRange, { digits: 2, unit: "x" }),
    spread(s.proxyCpuUsPerRequest, s.proxyCpuRange),
    s.extraCpuUsPerRequest === undefined ? "-" : `+${fixed(s.extraCpuUsPerRequest)}`,
    fixed(s.upstreamCpuUsPerRequest),
    fixed(s.p50Us),
    fixed(s.addedP50Us),
    fixed(s.proxyRss / MIB),
  ]);
  const { workload } = result;
  const title = `fan-out (tools/list, ${workload.connections} connections, load from ${workload.loadgen}, then p50 on 1 connection; ${workload.rounds} × ${workload.seconds} s each, medians, lowest–highest round in parentheses)`;
  return table(title, header, rows, outcomes);
}

function sseTable(result: SseScenario): string {
  const header = ["target", "streams", "RSS/stream KiB", "2nd half KiB", "CPU % holding", "peak RSS MiB", "left open", "reset isolated", "status"];
  const outcomes = inOrder(result.targets);
  const rows = rowsOf(outcomes, header, (s) => [
    `${s.opened}/${s.streams}`,
    fixed(s.rssPerStream / 1024, 1),
    fixed(s.rssPerStreamMarginal / 1024, 1),
    fixed(s.cpuPercentHolding, 1),
    fixed(s.peakRss / MIB),
    String(s.upstreamLeftOpen),
    s.reset?.ok ? "yes" : "no",
  ]);
  const { workload } = result;
  const title = `sse fan-in (${workload.streams} GET streams held ${workload.holdSeconds} s, keepalive every ${workload.keepaliveMs} ms)`;
  return table(title, header, rows, outcomes);
}

export function formatTables(results: readonly ScenarioResult[]): string {
  return results
    .map((result) => {
      switch (result.kind) {
        case "throughput":
          return throughputTable(result);
        case "latency":
          return latencyTable(result);
        case "fan-out":
          return fanOutTable(result);
        case "sse":
          return sseTable(result);
      }
    })
    .join("\n\n");
}

function find<K extends ScenarioResult["kind"]>(results: readonly ScenarioResult[], scenario: string): Extract<ScenarioResult, { kind: K }> | undefined {
  return results.find((result) => result.scenario === scenario) as Extract<ScenarioResult, { kind: K }> | undefined;
}

function summaryOf<S>(result: { targets: TargetOutcome<unknown, S>[] } | undefined, target: TargetName): S | undefined {
  return result?.targets.find((outcome) => outcome.target === target)?.summary;
}

/** gateway-oauth's ratio and its CPU per call over gateway-full's (auth-oauth instead of auth-apikey), same run. */
function oauthPart(full: { proxyCpuUsPerRequest: number } | undefined, oauth: { proxyCpuUsPerRequest: number } | undefined, ratioText: string): string {
  if (!oauth) return `gateway-oauth ${ratioText}`;
  const over = full ? `, ${oauth.proxyCpuUsPerRequest >= full.proxyCpuUsPerRequest ? "+" : "−"}${fixed(Math.abs(oauth.proxyCpuUsPerRequest - full.proxyCpuUsPerRequest), 1)} µs over gateway-full` : "";
  return `gateway-oauth ${ratioText} at ${fixed(oauth.proxyCpuUsPerRequest)} µs CPU/req${over}`;
}

/** One line: the ratios the issue's targets are written in, then the peers' that ran. */
export function summaryLine(results: readonly ScenarioResult[]): string {
  const calls = find<"throughput">(results, "tools-call");
  const full = summaryOf(calls, "gateway-full");
  const ratioOf = (target: TargetName) => {
    const summary = summaryOf(calls, target);
    return summary ? ratio(summary.ratio) : "n/a";
  };
  const parts: string[] = [];
  if (calls) {
    const toAnchors = ANCHORS.flatMap((name) => (full?.ratioTo[name] === undefined ? [] : [` (${ratio(full.ratioTo[name])} ${name})`])).join("");
    parts.push(
      `gateway-full ${ratioOf("gateway-full")} direct${toAnchors}` + (full ? ` at ${fixed(full.proxyCpuUsPerRequest)} µs CPU/req` : ""),
      oauthPart(full, summaryOf(calls, "gateway-oauth"), ratioOf("gateway-oauth")),
      `gateway ${ratioOf("gateway")}`,
      `gateway-redis ${ratioOf("gateway-redis")}`,
      `node-proxy ${ratioOf("node-proxy")}`,
      `node-relay ${ratioOf("node-relay")}`,
      `nginx ${ratioOf("nginx")}`,
      ...PEERS.filter((peer) => calls.targets.some((outcome) => outcome.target === peer)).map((peer) => `${peer} ${ratioOf(peer)}`),
    );
  }
  const latency = find<"latency">(results, "latency");
  const added = summaryOf(latency, "gateway-full") ?? summaryOf(latency, "gateway");
  if (latency) parts.push(`unloaded p50 +${added ? fixed(added.addedP50Us / 1000, 3) : "n/a"} ms`);
  const large = find<"throughput">(results, "large");
  const largeGateway = summaryOf(large, "gateway-full") ?? summaryOf(large, "gateway");
  if (large) parts.push(`1 MiB ${largeGateway ? `${fixed(largeGateway.ratio, 2)}x MB/s, peak ${fixed(largeGateway.proxyPeakRss / MIB)} MiB` : "n/a"}`);
  const sse = find<"sse">(results, "sse");
  const sseGateway = summaryOf(sse, "gateway-full") ?? summaryOf(sse, "gateway");
  if (sse) parts.push(`SSE ${sseGateway ? `${fixed(sseGateway.rssPerStream / 1024, 1)} KiB/stream (2nd half ${fixed(sseGateway.rssPerStreamMarginal / 1024, 1)}), ${sseGateway.upstreamLeftOpen} left open` : "n/a"}`);
  const list = summaryOf(find<"throughput">(results, "tools-list"), "gateway-full");
  if (find(results, "tools-list")) parts.push(`tools/list ${list ? `${fixed(list.ratio, 2)}x` : "n/a"}`);
  const fanOutResult = find<"fan-out">(results, "fan-out");
  const fanOut = summaryOf(fanOutResult, "gateway-fanout");
  if (fanOutResult) {
    const extra = fanOut?.extraCpuUsPerRequest === undefined ? "" : `, +${fixed(fanOut.extraCpuUsPerRequest)} µs CPU/list over pass-through`;
    const figures = fanOut ? `${fixed(fanOut.ratio, 2)}x at ${fixed(fanOut.proxyCpuUsPerRequest)} µs CPU/list${extra}, p50 +${fixed(fanOut.addedP50Us / 1000, 3)} ms` : "n/a";
    parts.push(`fan-out tools/list ×3 ${figures}`);
  }
  return `summary: ${parts.join(" · ")}`;
}
