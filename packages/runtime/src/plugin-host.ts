import { StartupError } from "./errors.js";
import type { GatewayHooks, HookName } from "./hooks.js";
import type { PluginHooks, TapOptions } from "./plugin.js";
import { resolveStage, type StageName } from "./stages.js";

/** The tapable surface the host needs, whatever the hook's argument types. */
interface RawHook {
  readonly name: string | undefined;
  readonly taps: readonly { name: string; stage?: number; before?: string | string[] }[];
  tapPromise(options: { name: string; stage?: number; before?: string | string[] }, fn: (...args: never[]) => Promise<unknown>): void;
}

export interface TapRecord {
  hook: string;
  plugin: string;
  before: string[];
}

/** Marks an error with the plugin and hook that threw it, once (the innermost tap wins). */
function annotate(err: unknown, plugin: string, hook: string): unknown {
  if (typeof err === "object" && err !== null && !("plugin" in err && (err as { plugin?: unknown }).plugin)) {
    Object.assign(err, { plugin, hook });
  }
  return err;
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
): PluginHooks {
  const view = (hook: RawHook, hookName: string) => ({
    tapPromise(optionsOrFn: TapOptions | ((...args: never[]) => Promise<unknown>), maybeFn?: (...args: never[]) => Promise<unknown>) {
      const options = typeof optionsOrFn === "function" ? {} : optionsOrFn;
      const fn = typeof optionsOrFn === "function" ? optionsOrFn : maybeFn;
      if (typeof fn !== "function") throw new TypeError(`plugin "${plugin}": ${hookName}.tapPromise needs a function`);
      const stage = stageOverride ?? options.stage;
      const before = options.before === undefined ? [] : [options.before].flat();
      records.push({ hook: hookName, plugin, before });
      // Built once per tap, not per call: the wrapper runs on every request.
      const rejectAnnotated = (err: unknown) => Promise.reject(annotate(err, plugin, hookName));
      const call = fn as (a: never, b: never, c: never) => Promise<unknown>;
      hook.tapPromise(
        {
          name: plugin,
          ...(stage === undefined ? {} : { stage: resolveStage(stage) }),
          ...(before.length ? { before } : {}),
        },
        // Hooks pass at most three arguments (transformResult: result, ctx, call).
        (a: never, b: never, c: never) => {
          try {
            return call(a, b, c).catch(rejectAnnotated);
          } catch (err) {
            return rejectAnnotated(err);
          }
        },
      );
    },
  });
  const raw = (name: Exclude<HookName, "transformResult">) => view(hooks[name] as unknown as RawHook, name);
  return Object.freeze({
    onRequest: raw("onRequest"),
    authorize: raw("authorize"),
    route: raw("route"),
    beforeUpstream: raw("beforeUpstream"),
    onResponse: raw("onResponse"),
    transformResult: Object.freeze({
      for: (method: string) => view(hooks.transformResult.for(method) as unknown as RawHook, `transformResult:${method}`),
    }),
    health: raw("health"),
    ready: raw("ready"),
    close: raw("close"),
  }) as unknown as PluginHooks;
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
