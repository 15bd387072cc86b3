import { HookMap } from "tapable";
import type { Generation } from "./generation.js";
import { keysOf, RUNTIME_TAP } from "./hooks.js";

/** One tap of a hook: who tapped it, at which version, and its stage when it set one. */
export interface TapView {
  plugin: string;
  version: string;
  stage?: number;
}

/** A hook (or one key of a keyed hook, e.g. `transformResult[tools/list]`) and its taps in run order. */
export interface HookView {
  hook: string;
  taps: TapView[];
}

/**
 * Each hook's taps in the order they run: what `mcp-gateway plugins` prints and the status page
 * shows. Plain hooks first, in pipeline order, then the keyed ones by key.
 */
export function describeHooks(generation: Pick<Generation, "hooks" | "plugins">, runtimeVersion: string): HookView[] {
  const versions = new Map(generation.plugins.map(({ plugin }) => [plugin.name, plugin.version]));
  versions.set(RUNTIME_TAP, runtimeVersion);
  const taps = (hook: { taps: readonly { name: string; stage?: number }[] }): TapView[] =>
    hook.taps.map((tap) => ({ plugin: tap.name, version: versions.get(tap.name) ?? "?", ...(shownStage(tap.stage) ? { stage: tap.stage } : {}) }));
  const plain: HookView[] = [];
  const keyed: HookView[] = [];
  for (const [name, hook] of Object.entries(generation.hooks)) {
    if (hook instanceof HookMap) for (const key of keysOf(hook)) keyed.push({ hook: `${name}[${key}]`, taps: taps(hook.for(key) as { taps: { name: string }[] }) });
    else plain.push({ hook: name, taps: taps(hook as { taps: { name: string; stage?: number }[] }) });
  }
  return [...plain, ...keyed];
}

/** The runtime's own taps sit at the extreme stages to run first or last; that number tells a reader nothing. */
const shownStage = (stage: number | undefined) => stage !== undefined && stage !== 0 && Math.abs(stage) < Number.MAX_SAFE_INTEGER;

/** A routing rule as `key=value …` and where it sends a call, in match order. */
export interface RuleView {
  match: string;
  upstream: string;
}

export function describeRules(generation: Pick<Generation, "plugins">): RuleView[] {
  const rules: RuleView[] = [];
  for (const { plugin, options } of generation.plugins) {
    for (const rule of plugin.routes?.(options as never) ?? []) {
      const match = Object.entries(rule.match)
        .map(([key, value]) => `${key}=${value}`)
        .join(" ");
      rules.push({ match, upstream: rule.upstream });
    }
  }
  return rules;
}

/**
 * Where an upstream is, as an operator may see it: a URL without its credentials, query or
 * fragment (tokens hide there), or a stdio upstream's command without its arguments and env.
 */
export function upstreamTarget(upstream: { type: "http"; url: string } | { type: "stdio"; command: string }): string {
  if (upstream.type === "stdio") return `stdio: ${upstream.command}`;
  try {
    const url = new URL(upstream.url);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return "(invalid URL)";
  }
}
