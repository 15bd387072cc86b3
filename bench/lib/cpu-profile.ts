/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time per function and per
 * package, as shares of the time the process was not idle.
 *
 * V8 samples on a wall-clock timer: when the process is descheduled inside a native call (a
 * socket write that wakes the peer on a busy 2-core box), the wait is charged to that call.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  /** Package or area: `fastify`, `@mcp-gateway/runtime`, `node:internal`, `(garbage collector)`. */
  area: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  file: string;
  /** Milliseconds of the profile left out at the start. */
  skippedMs: number;
  busyMs: number;
  idleMs: number;
  functions: SelfTime[];
  areas: Omit<SelfTime, "area">[];
}

export interface SummaryOptions {
  /** Leave out samples from the first `skipMs` of the profile (startup, warm-up). */
  skipMs?: number;
  /** How many entries to keep. */
  top?: number;
}

const META = new Set(["(idle)", "(program)", "(garbage collector)", "(root)"]);

function areaOf(url: string, functionName: string): string {
  if (!url) return META.has(functionName) ? functionName : "(native)";
  const packages = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (packages) return packages[1]!;
  const workspace = /\/packages\/([^/]+)\/dist\//.exec(url);
  if (workspace) return `@mcp-gateway/${workspace[1]}`;
  if (url.startsWith("node:")) return "node:internal";
  return path.basename(url);
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  return url ? `${functionName || "(anonymous)"} ${path.basename(url)}:${lineNumber + 1}` : functionName || "(anonymous)";
}

/** The profile's nodes and the self time (µs) of each, after the first `skipMs`. */
function load(file: string, skipMs: number) {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfUs = new Map<number, number>();
  let elapsedUs = 0;
  // timeDeltas[i] is the time before sample i; it is charged to that sample's node.
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    elapsedUs += delta;
    if (elapsedUs >= skipMs * 1000) selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });
  let busyUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    if (byId.get(id)!.callFrame.functionName === "(idle)") idleUs += us;
    else busyUs += us;
  }
  return { byId, parent, selfUs, busyUs, idleUs };
}

function ranked(totals: Map<string, number>, busyUs: number, top: number): { name: string; ms: number; percent: number }[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, ms: Math.round(us / 1000), percent: Math.round((us / busyUs) * 1000) / 10 }));
}

export function summariseProfile(file: string, options: SummaryOptions = {}): ProfileSummary {
  const { skipMs = 0, top = 20 } = options;
  const { byId, selfUs, busyUs, idleUs } = load(file, skipMs);
  const functions = new Map<string, number>();
  const areaOfFunction = new Map<string, string>();
  const areas = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === "(idle)") continue;
    const name = label(node);
    const area = areaOf(node.callFrame.url, node.callFrame.functionName);
    functions.set(name, (functions.get(name) ?? 0) + us);
    areaOfFunction.set(name, area);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  return {
    file,
    skippedMs: Math.round(skipMs),
    busyMs: Math.round(busyUs / 1000),
    idleMs: Math.round(idleUs / 1000),
    functions: ranked(functions, busyUs, top).map((entry) => ({ ...entry, area: areaOfFunction.get(entry.name)! })),
    areas: ranked(areas, busyUs, top),
  };
}

/** Call paths (innermost first, `depth` frames) into functions whose name starts with `name`. */
export function callersOf(file: string, name: string, options: SummaryOptions & { depth?: number } = {}): { stack: string[]; percent: number }[] {
  const { skipMs = 0, top = 10, depth = 10 } = options;
  const { byId, parent, selfUs, busyUs } = load(file, skipMs);
  const paths = new Map<string, number>();
  for (const [id, us] of selfUs) {
    if (!(byId.get(id)!.callFrame.functionName || "").startsWith(name)) continue;
    const stack: string[] = [];
    for (let current: number | undefined = id; current !== undefined && stack.length < depth; current = parent.get(current)) stack.push(label(byId.get(current)!));
    const key = stack.join("\n");
    paths.set(key, (paths.get(key) ?? 0) + us);
  }
  return ranked(paths, busyUs, top).map(({ name: key, percent }) => ({ stack: key.split("\n"), percent }));
}
