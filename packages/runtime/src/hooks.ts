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

/** The whole pipeline on one screen. `docs/hooks.md` documents each entry (a test checks it). */
export function createHooks() {
  return Object.freeze({
    /** Identify the caller (set `ctx.subject`); reject by throwing. */
    onRequest: new AsyncSeriesHook<[ctx: RequestContext]>(["ctx"], "onRequest"),
    /** Allow or reject the parsed call(s). Only a throw ends the chain. */
    authorize: new AsyncSeriesHook<[ctx: RequestContext]>(["ctx"], "authorize"),
    /** Name the upstream; the first non-undefined answer wins. */
    route: new AsyncSeriesBailHook<[ctx: RequestContext], string | undefined>(["ctx"], "route"),
    /** Shape the outgoing request's headers. */
    beforeUpstream: new AsyncSeriesHook<[ctx: RequestContext, request: UpstreamRequest]>(["ctx", "request"], "beforeUpstream"),
    /** Observe every outcome after the client has its answer. Throwing taps are logged. */
    onResponse: new AsyncParallelHook<[ctx: RequestContext]>(["ctx"], "onResponse"),
    /** Rewrite the `result` of responses to one MCP method (keyed by method). */
    transformResult: new HookMap<ResultTransformHook>(
      (method: string) => new AsyncSeriesWaterfallHook(["result", "ctx", "call"], `transformResult:${method}`),
      "transformResult",
    ),
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

/** Lists the hook names at runtime, typed so a hook missing here fails to compile. */
export const HOOK_KINDS: Record<HookName, string> = {
  onRequest: "AsyncSeriesHook",
  authorize: "AsyncSeriesHook",
  route: "AsyncSeriesBailHook",
  beforeUpstream: "AsyncSeriesHook",
  onResponse: "AsyncParallelHook",
  transformResult: "HookMap<AsyncSeriesWaterfallHook>",
  health: "AsyncParallelHook",
  ready: "AsyncSeriesHook",
  close: "AsyncSeriesHook",
};
