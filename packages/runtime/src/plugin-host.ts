import { HookMap } from "tapable";
import type { Deadlines } from "./deadlines.js";
import { GatewayError, StartupError } from "./errors.js";
import type { GatewayHooks } from "./hooks.js";
import type { PluginHooks, TapOptions } from "./plugin.js";
import { resolveStage, type StageName } from "./stages.js";

/** The tapable surface the host needs, whatever the hook's argument types. */
/** A tap's function as tapable calls it: hooks pass at most three arguments (transformResult: result, ctx, call). */
type TapFn = (a: unknown, b: unknown, c: unknown) => Promise<unknown>;

interface RawHook {
  readonly name: string | undefined;
  readonly taps: readonly { name: string; stage?: number }[];
  // tapable's typings say `before?: string`; it takes a list too (tapable/lib/Hook.js `_insert`).
  tapPromise(options: { name: string; stage?: number; before?: string }, fn: TapFn): void;
}

export interface TapRecord {
  hook: string;
  plugin: string;
  before: string[];
}

/** What a tap threw when it was not an Error: a string, undefined, a frozen object. */
export class PluginThrew extends Error {
  override readonly name = "PluginThrew";
  constructor(
    readonly plugin: string,
    readonly hook: string,
    value: unknown,
  ) {
    super(`plugin "${plugin}" threw ${describeThrown(value)} in ${hook}`, { cause: value });
  }
}

function describeThrown(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  if (typeof value === "string") return `the string ${JSON.stringify(value.slice(0, 200))}`;
  return `a ${typeof value === "object" ? (value.constructor?.name ?? "object") : typeof value}`;
}

/**
 * Marks an error with the plugin and hook that threw it, once (the innermost tap wins). Whatever
 * a tap throws is reported the same way: a value that cannot carry the marks is wrapped.
 */
function annotate(err: unknown, plugin: string, hook: string): unknown {
  if (!(err instanceof Error) || Object.isFrozen(err)) return new PluginThrew(plugin, hook, err);
  if (!(err as { plugin?: unknown }).plugin) Object.assign(err, { plugin, hook });
  return err;
}

/** Lifecycle taps (connect a store, flush a file) may take longer than a request's. */
const LIFECYCLE_HOOKS = new Set(["ready", "close"]);
const LIFECYCLE_MIN_TIMEOUT_MS = 30_000;

export interface PluginHostOptions {
  deadlines: Deadlines;
  /** `server.hookTimeoutMs`: each tap's deadline unless it declares its own `timeoutMs`. */
  hookTimeoutMs: number;
}

/**
 * Builds a plugin's tap-only view of the hooks. Every tap is named after the plugin and
 * wrapped so an error it throws carries `plugin` and `hook`.
 */
export function createPluginHooks(
  hooks: GatewayHooks,
  plugin: string,
  stageOverride: StageName | number | undefined,
  records: TapRecord[],
  host: PluginHostOptions,
): PluginHooks {
  const view = (hook: RawHook, hookName: string) => ({
    tapPromise(optionsOrFn: TapOptions | TapFn, maybeFn?: TapFn) {
      const options = typeof optionsOrFn === "function" ? {} : optionsOrFn;
      const fn = typeof optionsOrFn === "function" ? optionsOrFn : maybeFn;
      if (typeof fn !== "function") throw new TypeError(`plugin "${plugin}": ${hookName}.tapPromise needs a function`);
      const stage = stageOverride ?? options.stage;
      const before = options.before === undefined ? [] : [options.before].flat();
      records.push({ hook: hookName, plugin, before });
      if (options.timeoutMs !== undefined && !(Number.isInteger(options.timeoutMs) && options.timeoutMs > 0)) {
        throw new TypeError(`plugin "${plugin}": ${hookName} tap timeoutMs must be a positive integer`);
      }
      const lifecycle = LIFECYCLE_HOOKS.has(hookName);
      const timeoutMs = options.timeoutMs ?? (lifecycle ? Math.max(host.hookTimeoutMs, LIFECYCLE_MIN_TIMEOUT_MS) : host.hookTimeoutMs);
      // Built once per tap, not per call: the wrapper runs on every request.
      const rejectAnnotated = (err: unknown) => Promise.reject(annotate(err, plugin, hookName));
      const timedOut = () => {
        const err = GatewayError.from("MCPGW_ERR_PLUGIN_TIMEOUT", `Plugin "${plugin}" did not finish ${hookName} within ${timeoutMs} ms`);
        return Object.assign(err, { plugin, hook: hookName });
      };
      hook.tapPromise(
        {
          name: plugin,
          ...(stage === undefined ? {} : { stage: resolveStage(stage) }),
          ...(before.length ? { before: before as unknown as string } : {}),
        },
        (a, b, c) => {
          let result: Promise<unknown>;
          try {
            result = fn(a, b, c);
          } catch (err) {
            return rejectAnnotated(err);
          }
          // A tap that returns no promise broke the contract; treat it as a failure, not a hang.
          if (typeof (result as { then?: unknown } | undefined)?.then !== "function") {
            return rejectAnnotated(new TypeError(`plugin "${plugin}": ${hookName} tap did not return a promise`));
          }
          return host.deadlines.watch(result.then(undefined, rejectAnnotated), timeoutMs, timedOut);
        },
      );
    },
  });
  // One view per hook of createHooks(), whatever hooks it declares; a keyed hook gets `.for(key)`.
  // Hooks differ in their argument tuples, so each is handled through the one shape they share
  // (the types plugins see are derived exactly, in plugin.ts).
  const raw = (hook: unknown) => hook as RawHook;
  const views = Object.entries(hooks).map(([name, hook]) => {
    if (!(hook instanceof HookMap)) return [name, view(raw(hook), name)] as const;
    return [name, Object.freeze({ for: (key: string) => view(raw(hook.for(key)), `${name}:${key}`) })] as const;
  });
  return Object.freeze(Object.fromEntries(views)) as PluginHooks;
}

/** tapable ignores an unknown `before` target; we refuse it at load so a typo cannot reorder silently. */
export function checkBeforeTargets(records: readonly TapRecord[]): void {
  for (const record of records) {
    for (const target of record.before) {
      const found = records.some((other) => other.hook === record.hook && other.plugin === target);
      if (!found) {
        throw new StartupError(
          "MCPGW_ERR_HOOK_BEFORE_UNKNOWN",
          `plugin "${record.plugin}": ${record.hook} tap has before: "${target}", but no plugin named "${target}" taps ${record.hook}`,
        );
      }
    }
  }
}
