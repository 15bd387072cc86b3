import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { ANONYMOUS, type Outcome } from "./context.js";
import type { RequestDispatcher } from "./dispatch/dispatcher.js";
import { GatewayError } from "./errors.js";
import type { GatewayHooks } from "./hooks.js";
import { parseBody, type ParsedBody } from "./mcp/messages.js";
import { checkMirroredHeaders } from "./mcp/mirrored-headers.js";
import type { ParamHeaderIndex } from "./mcp/param-headers.js";
import { Context } from "./request-context.js";
import { errorBody, sendError, toGatewayError } from "./respond.js";
import type { ForwardResult } from "./upstream/forward.js";
import { headerCount } from "./upstream/headers.js";

export interface PipelineDeps {
  hooks: GatewayHooks;
  log: Logger;
  origins: { allowed: ReadonlySet<string>; any: boolean; required: boolean };
  maxBatchSize: number;
  /** x-mcp-header annotations learned from tools/list results. */
  paramHeaders: ParamHeaderIndex;
  /** True when at least one plugin declared `authenticates`. */
  authConfigured: boolean;
  /** Answers every request once the hooks before it have run: one upstream, or a federation. */
  dispatcher: RequestDispatcher;
  /** `errors.style`: jsonrpc answers a call an authorize tap refused with HTTP 200. */
  errorStyle: "http" | "jsonrpc";
  /** Runs once per request when it is over (metrics, the access log), before `onResponse`. */
  finished?: (ctx: Context) => void;
}

function checkOrigin(origin: string | undefined, origins: PipelineDeps["origins"]): void {
  if (origin === undefined) {
    // A missing required header is a malformed request (400); a foreign Origin is a refusal (403).
    if (origins.required) throw GatewayError.from("MCPGW_ERR_ORIGIN_REQUIRED");
    return;
  }
  if (!origins.any && !origins.allowed.has(origin)) throw GatewayError.from("MCPGW_ERR_ORIGIN_FORBIDDEN");
}

/**
 * The 401 when no auth plugin identified the caller: every plugin's challenge, the one that
 * names protected resource metadata first (MCP clients read `resource_metadata` only from a
 * leading Bearer challenge), and why the credentials sent were not accepted.
 */
function unauthenticated(ctx: Context): GatewayError {
  const challenges = [...ctx.authChallenges].sort((a, b) => Number(b.includes("resource_metadata=")) - Number(a.includes("resource_metadata=")));
  const reasons = [...new Set(ctx.authFailures)];
  return GatewayError.from("MCPGW_ERR_UNAUTHENTICATED", reasons.length ? `Unauthorized: ${reasons.join("; ")}` : undefined, {
    headers: challenges.length ? { "www-authenticate": challenges } : {},
  });
}

function outcomeOf(result: ForwardResult): Outcome {
  if (result.kind === "failed") return { kind: "failed", statusCode: result.statusCode, message: result.message };
  return { kind: result.kind, statusCode: result.statusCode };
}

function rejectionOutcome(err: GatewayError, statusCode = err.status): Outcome {
  return {
    kind: err.status >= 500 ? "failed" : "rejected",
    statusCode,
    jsonRpcErrorCode: err.jsonRpcCode,
    errorCode: err.code,
    message: err.message,
    ...(err.plugin ? { plugin: err.plugin, hook: err.hook } : {}),
  };
}

/**
 * Runs `onResponse` once the client has its answer (or has gone away) and the pipeline has set
 * the outcome: `res` can close a few ticks before the pipeline learns it was served. Returns the
 * function the pipeline calls when it has settled. A failing tap is only logged.
 */
function observe(deps: Pick<PipelineDeps, "hooks" | "log" | "finished">, ctx: Context, active?: Active): () => void {
  const { hooks } = deps;
  let pending = 2;
  const { res } = ctx;
  const done = () => {
    if (--pending > 0) return;
    ctx.outcome ??= { kind: "aborted", statusCode: res.statusCode };
    if (deps.finished) {
      try {
        deps.finished(ctx);
      } catch (err) {
        deps.log.error({ err, requestId: ctx.id }, "recording a finished request failed");
      }
    }
    if (!hooks.onResponse.isUsed()) return;
    hooks.onResponse.promise(ctx).catch((err: unknown) => {
      ctx.log.error({ err, plugin: (err as { plugin?: string }).plugin, hook: "onResponse" }, "onResponse tap failed");
    });
  };
  res.on("close", () => {
    ctx.timings.end = performance.now();
    active?.remove(ctx);
    done();
  });
  return done;
}

/**
 * Ends a request still in flight when the drain time is over, with an error the client can read
 * instead of a reset: an error response when nothing was sent yet, an error event per request on
 * an event stream already under way. A JSON answer half sent can only be cut.
 */
function cutRequest(ctx: Context, err: GatewayError): void {
  ctx.cut = true;
  if (ctx.cutter) return ctx.cutter.cut(err);
  const { res } = ctx;
  if (!res.headersSent) {
    res.setHeader("connection", "close");
    sendError(res, err, errorBody(err, ctx.messages, ctx.calls, ctx.batch, ctx.id));
  } else res.destroy();
}

export interface Pipeline {
  handle(id: string, req: IncomingMessage, res: ServerResponse, body: Buffer | undefined): Promise<void>;
  /** Requests in flight (until their response closes). */
  readonly inFlight: number;
  /** Resolves when none is in flight. */
  idle(): Promise<void>;
  /** Shutdown, once the drain time is over: ends every request in flight with `err`; resolves when their answers are out (at most 1 s). */
  cutAll(err: GatewayError): Promise<void>;
}

/**
 * The one lifecycle every MCP request goes through, in this order: parse the body, check Origin,
 * mirrored headers and credentials, `onRequest`, the dispatcher's `prepare`, `authorize`,
 * `route`, then `dispatch` (which builds each upstream request, running `beforeUpstream`, and
 * streams the answer back), and `onResponse` once the client has its answer.
 */
/** The requests in flight, and who waits for there to be none (a generation a reload retired). */
class Active {
  readonly requests = new Set<Context>();
  #waiting: (() => void)[] = [];

  add(ctx: Context): void {
    this.requests.add(ctx);
  }

  remove(ctx: Context): void {
    this.requests.delete(ctx);
    if (this.requests.size || !this.#waiting.length) return;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const resolve of waiting) resolve();
  }

  idle(): Promise<void> {
    if (!this.requests.size) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
}

export function createPipeline(deps: PipelineDeps): Pipeline {
  const { hooks, dispatcher } = deps;
  const active = new Active();

  /**
   * Everything up to the dispatch; returns how it ended. The dispatch is returned, not awaited:
   * a held event stream would otherwise keep this frame, and all it refers to, suspended for as
   * long as the stream lives.
   */
  async function run(ctx: Context, req: IncomingMessage): Promise<ForwardResult> {
    // Parse before the Origin check so its 403 echoes the request id, but refuse a foreign
    // Origin before reporting anything about the body.
    let parsed: ParsedBody | undefined;
    let parseError: unknown;
    if (ctx.body !== undefined) {
      try {
        parsed = parseBody(ctx.body, deps.maxBatchSize);
        ctx.messages = parsed.messages;
        ctx.batch = parsed.batch;
        ctx.calls = parsed.calls;
      } catch (err) {
        parseError = err;
      }
    }
    checkOrigin(req.headers.origin, deps.origins);
    if (parseError) throw parseError;
    if (parsed) {
      const facts = checkMirroredHeaders(req.headers, parsed, deps.paramHeaders);
      ctx.mcp.era = facts.era;
      ctx.mcp.protocolVersion = facts.protocolVersion;
    }
    // RFC 9110 allows one Authorization field, and node keeps only the first of several: a second
    // credential that no plugin could see must not be ignored either.
    if (headerCount(req.rawHeaders, "authorization") > 1) {
      throw GatewayError.from("MCPGW_ERR_AMBIGUOUS_CREDENTIALS", "Unauthorized: Authorization header given more than once");
    }
    await hooks.onRequest.promise(ctx);
    if (!ctx.subject) {
      if (deps.authConfigured) throw unauthenticated(ctx);
      ctx.subject = ANONYMOUS;
    }
    dispatcher.prepare?.(ctx);
    await hooks.authorize.promise(ctx);
    const routed = hooks.route.isUsed() ? await hooks.route.promise(ctx) : undefined;
    return dispatcher.dispatch(ctx, routed);
  }

  async function handle(id: string, req: IncomingMessage, res: ServerResponse, body: Buffer | undefined): Promise<void> {
    const ctx = new Context(id, deps.log, req, res, body);
    active.add(ctx);
    const settle = observe(deps, ctx, active);
    try {
      ctx.outcome = outcomeOf(await run(ctx, req));
    } catch (thrown) {
      if (ctx.cut) return;
      const err = toGatewayError(thrown);
      // errors.style jsonrpc: a call refused by policy or a rate limit is that call's error, in an
      // ordinary answer, so a client sees the call fail and keeps its session.
      const status = deps.errorStyle === "jsonrpc" && err.hook === "authorize" && err.status < 500 ? 200 : err.status;
      ctx.outcome = rejectionOutcome(err, status);
      if (err.status >= 500) ctx.log.error({ err: thrown, plugin: err.plugin, hook: err.hook }, err.message);
      else ctx.log.debug({ code: err.code, plugin: err.plugin, hook: err.hook }, err.message);
      if (!res.writableEnded && !res.destroyed) sendError(res, err, errorBody(err, ctx.messages, ctx.calls, ctx.batch, ctx.id), status);
    } finally {
      settle();
    }
  }

  async function cutAll(err: GatewayError): Promise<void> {
    const closed: Promise<void>[] = [];
    for (const ctx of active.requests) {
      const { res } = ctx;
      if (res.writableEnded || res.destroyed) continue;
      ctx.outcome ??= rejectionOutcome(err);
      closed.push(new Promise((resolve) => res.once("close", () => resolve())));
      cutRequest(ctx, err);
    }
    if (!closed.length) return;
    await Promise.race([Promise.all(closed), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
  }

  return {
    handle,
    cutAll,
    get inFlight() {
      return active.requests.size;
    },
    idle: () => active.idle(),
  };
}

/** Answers a request that never reached the pipeline (body too large, bad media type, wrong method). */
export function rejectEarly(deps: Pick<PipelineDeps, "hooks" | "log" | "finished">, id: string, req: IncomingMessage, res: ServerResponse, err: GatewayError): void {
  const ctx = new Context(id, deps.log, req, res, undefined);
  ctx.outcome = rejectionOutcome(err);
  observe(deps, ctx)();
  sendError(res, err, errorBody(err, [], [], false, id));
}
