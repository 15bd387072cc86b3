import { AsyncParallelHook, AsyncSeriesBailHook, AsyncSeriesHook, AsyncSeriesWaterfallHook, HookMap } from "tapable";
import type { McpCall, RequestContext, UpstreamRequest } from "./context.js";

/** Name of the runtime's own taps (listed by `mcp-gateway plugins`). */
export const RUNTIME_TAP = "mcp-gateway";

/** `status` "fail" makes `/health` answer 503 with `status: "degraded"`. */
export interface HealthCheck {
  status: "ok" | "fail";
  [detail: string]: unknown;
}
export type HealthChecks = Record<string, HealthCheck>;

/** A result transform's waterfall: receives the `result` of one response, returns the new one. */
export type ResultTransformHook = AsyncSeriesWaterfallHook<[result: unknown, ctx: RequestContext, call: McpCall]>;

/** The keys a HookMap was asked for, in order: tapable keeps them in a private field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- keyed by any HookMap, whatever its hooks
type AnyHookMap = HookMap<any>;
const hookMapKeys = new WeakMap<AnyHookMap, string[]>();

function keyedHooks<H>(name: string, factory: (key: string) => H): HookMap<H> {
  const keys: string[] = [];
  const map = new HookMap<H>((key: string) => {
    keys.push(key);
    return factory(key);
  }, name);
  hookMapKeys.set(map, keys);
  return map;
}

/** Every key a HookMap of createHooks() has a hook for (e.g. the methods `transformResult` is tapped for). */
export function keysOf(map: AnyHookMap): readonly string[] {
  return hookMapKeys.get(map) ?? [];
}

/**
 * The whole pipeline on one screen. Everything else about the hooks is derived from this object:
 * the types plugins tap through (plugin.ts), their tap-only views (plugin-host.ts) and the hook
 * kinds the docs are checked against. `docs/hooks.md` documents each entry (a test checks it).
 */
export function createHooks() {
  return Object.freeze({
    /** Identify the caller (set `ctx.subject`); reject by throwing. */
    onRequest: new AsyncSeriesHook<[ctx: RequestContext]>(["ctx"], "onRequest"),
    /** Allow or reject the parsed call(s). Only a throw ends the chain. */
    authorize: new AsyncSeriesHook<[ctx: RequestContext]>(["ctx"], "authorize"),
    /** Name the upstream; the first non-undefined answer wins. */
    route: new AsyncSeriesBailHook<[ctx: RequestContext], string | undefined>(["ctx"], "route"),
    /** Shape an outgoing request's headers (once per request sent upstream). */
    beforeUpstream: new AsyncSeriesHook<[ctx: RequestContext, request: UpstreamRequest]>(["ctx", "request"], "beforeUpstream"),
    /** Observe every outcome after the client has its answer. Throwing taps are logged. */
    onResponse: new AsyncParallelHook<[ctx: RequestContext]>(["ctx"], "onResponse"),
    /** Rewrite the `result` of responses to one MCP method (keyed by method). */
    transformResult: keyedHooks<ResultTransformHook>("transformResult", (method) => new AsyncSeriesWaterfallHook(["result", "ctx", "call"], `transformResult:${method}`)),
    /** Contribute checks to `/health`. */
    health: new AsyncParallelHook<[checks: HealthChecks]>(["checks"], "health"),
    /** After every plugin is set up, before the port opens: connect stores. */
    ready: new AsyncSeriesHook<[]>([], "ready"),
    /** On shutdown, after in-flight requests drained: release connections. */
    close: new AsyncSeriesHook<[]>([], "close"),
  });
}

export type GatewayHooks = ReturnType<typeof createHooks>;
export type HookName = keyof GatewayHooks;

/** Each hook's tapable class, read off a fresh set of hooks (`HookMap<AsyncSeriesWaterfallHook>` for a keyed one). */
export const HOOK_KINDS: Readonly<Record<HookName, string>> = Object.freeze(
  Object.fromEntries(
    Object.entries(createHooks()).map(([name, hook]) => [name, hook instanceof HookMap ? `HookMap<${(hook.for("_") as object).constructor.name}>` : hook.constructor.name]),
  ) as Record<HookName, string>,
);
