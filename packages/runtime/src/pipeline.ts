import type { IncomingMessage, ServerResponse } from "node:http";
import type { Dispatcher } from "undici";
import type { Logger } from "pino";
import { ANONYMOUS, type FederationFacts, type McpCall, type McpEra, type Outcome, type RequestContext, type UpstreamInfo } from "./context.js";
import { GatewayError } from "./errors.js";
import type { GatewayHooks } from "./hooks.js";
import { parseBody, type ParsedBody } from "./mcp/messages.js";
import { checkMirroredHeaders } from "./mcp/mirrored-headers.js";
import type { ParamHeaderIndex } from "./mcp/param-headers.js";
import type { Federation } from "./federation/federation.js";
import { forward, type ForwardResult } from "./proxy/forward.js";
import { filterRequestHeaders, headerCount, type HeaderAllowlist } from "./proxy/headers.js";
import { callsToTransform } from "./proxy/transform.js";
import type { Upstream } from "./proxy/upstream.js";
import { errorBody, sendError, toGatewayError } from "./respond.js";

export interface PipelineDeps {
  hooks: GatewayHooks;
  log: Logger;
  upstreams: ReadonlyMap<string, Upstream>;
  defaultUpstream: Upstream;
  allowlist: HeaderAllowlist;
  origins: { allowed: ReadonlySet<string>; any: boolean; required: boolean };
  maxBatchSize: number;
  /** x-mcp-header annotations learned from tools/list results. */
  paramHeaders: ParamHeaderIndex;
  /** True when at least one plugin declared `authenticates`. */
  authConfigured: boolean;
  trackStream(end: () => void): () => void;
  /** Set when `federation` is configured: it answers every request after `authorize`. */
  federation: Federation | undefined;
}

/** Something in flight that shutdown can end with an error the client reads (see forward.ts). */
export interface Cuttable {
  cut(err: GatewayError): void;
}

class Context implements RequestContext {
  readonly id: string;
  private readonly rootLog: Logger;
  private childLog: Logger | undefined;
  readonly http: RequestContext["http"];
  body: Buffer | undefined;
  messages: readonly unknown[] = [];
  batch = false;
  calls: readonly McpCall[] = [];
  mcp: { era: McpEra; protocolVersion: string | undefined; sessionId: string | undefined };
  subject: RequestContext["subject"] = undefined;
  readonly authChallenges: string[] = [];
  upstream: UpstreamInfo | undefined = undefined;
  federation: FederationFacts | undefined = undefined;
  readonly timings: RequestContext["timings"] = { start: performance.now() };
  outcome: Outcome | undefined = undefined;
  readonly state: Record<string | symbol, unknown> = {};
  /** Set by setMessages: the body to send instead of the raw bytes. */
  replacedBody: string | undefined;
  /** The forwarding in progress, which knows how to end its answer with an error. */
  cutter: Cuttable | undefined = undefined;
  /** Shutdown answered this request already; whatever the pipeline still does is not written. */
  cut = false;

  constructor(
    id: string,
    log: Logger,
    req: IncomingMessage,
    readonly res: ServerResponse,
    body: Buffer | undefined,
  ) {
    this.id = id;
    this.rootLog = log;
    this.http = { method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers, rawHeaders: req.rawHeaders, remoteAddress: req.socket.remoteAddress };
    this.body = body;
    const session = req.headers["mcp-session-id"];
    this.mcp = { era: "legacy", protocolVersion: undefined, sessionId: typeof session === "string" ? session : undefined };
  }

  /** Created on first use: most requests never log, and a pino child per request is not free. */
  get log(): Logger {
    return (this.childLog ??= this.rootLog.child({ reqId: this.id }));
  }

  setMessages(messages: unknown): void {
    this.replacedBody = JSON.stringify(messages);
  }
}

function checkOrigin(origin: string | undefined, origins: PipelineDeps["origins"]): void {
  if (origin === undefined) {
    // A missing required header is a malformed request (400); a foreign Origin is a refusal (403).
    if (origins.required) throw GatewayError.from("MCPGW_ERR_ORIGIN_REQUIRED");
    return;
  }
  if (!origins.any && !origins.allowed.has(origin)) throw GatewayError.from("MCPGW_ERR_ORIGIN_FORBIDDEN");
}

function outcomeOf(result: ForwardResult): Outcome {
  if (result.kind === "failed") return { kind: "failed", statusCode: result.statusCode, message: result.message };
  return { kind: result.kind, statusCode: result.statusCode };
}

function rejectionOutcome(err: GatewayError): Outcome {
  return {
    kind: err.status >= 500 ? "failed" : "rejected",
    statusCode: err.status,
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
function observe(hooks: GatewayHooks, ctx: Context, res: ServerResponse, active?: Set<Context>): () => void {
  let pending = 2;
  const done = () => {
    if (--pending > 0) return;
    ctx.outcome ??= { kind: "aborted", statusCode: res.statusCode };
    if (!hooks.onResponse.isUsed()) return;
    hooks.onResponse.promise(ctx).catch((err: unknown) => {
      ctx.log.error({ err, plugin: (err as { plugin?: string }).plugin, hook: "onResponse" }, "onResponse tap failed");
    });
  };
  res.on("close", () => {
    ctx.timings.end = performance.now();
    active?.delete(ctx);
    done();
  });
  return done;
}

/**
 * Ends a request still in flight when the drain time is over, with an error the client can read
 * instead of a reset: an error response when nothing was sent yet, an error event per request on
 * an event stream already under way. A JSON answer half sent can only be cut.
 */
function cutRequest(ctx: Context, res: ServerResponse, err: GatewayError): void {
  ctx.cut = true;
  if (ctx.cutter) return ctx.cutter.cut(err);
  if (!res.headersSent) {
    res.setHeader("connection", "close");
    sendError(res, err, errorBody(err, ctx.messages, ctx.calls, ctx.batch));
  } else res.destroy();
}

export interface Pipeline {
  handle(id: string, req: IncomingMessage, res: ServerResponse, body: Buffer | undefined): Promise<void>;
  /** Shutdown, once the drain time is over: ends every request in flight with `err`; resolves when their answers are out (at most 1 s). */
  cutAll(err: GatewayError): Promise<void>;
}

/** One MCP request, start to finish: checks, the five hooks, the upstream, the outcome. */
export function createPipeline(deps: PipelineDeps): Pipeline {
  const { hooks } = deps;
  const active = new Set<Context>();

  /**
   * Everything up to the upstream; returns how the forwarding ended. The forwarding is returned,
   * not awaited: a held event stream would otherwise keep this frame, and all it refers to,
   * suspended for as long as the stream lives.
   */
  async function run(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<ForwardResult> {
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
      if (deps.authConfigured) {
        throw GatewayError.from("MCPGW_ERR_UNAUTHENTICATED", undefined, {
          headers: ctx.authChallenges.length ? { "www-authenticate": ctx.authChallenges } : {},
        });
      }
      ctx.subject = ANONYMOUS;
    }
    const session = deps.federation?.join(ctx);
    await hooks.authorize.promise(ctx);
    if (session) return deps.federation!.serve(ctx, req, res, session);
    const routed = await hooks.route.promise(ctx);
    const upstream = routed === undefined ? deps.defaultUpstream : deps.upstreams.get(routed);
    if (!upstream) throw GatewayError.from("MCPGW_ERR_UNKNOWN_UPSTREAM", `Route named upstream "${routed}", which is not configured`);
    ctx.upstream = upstream.info;

    const headers = { ...filterRequestHeaders(req.headers, deps.allowlist), ...upstream.headers };
    if (hooks.beforeUpstream.isUsed()) await hooks.beforeUpstream.promise(ctx, { upstream: ctx.upstream, method: ctx.http.method, headers });
    const body = ctx.replacedBody ?? ctx.body;
    if (ctx.replacedBody !== undefined) headers["content-type"] = "application/json";

    return forward({
      ctx,
      upstream,
      method: ctx.http.method as Dispatcher.HttpMethod,
      headers,
      body,
      res,
      hooks,
      transform: ctx.body === undefined ? undefined : callsToTransform(hooks, ctx.calls),
      longLived: ctx.http.method === "GET" || ctx.calls.some((call) => call.method === "subscriptions/listen"),
      trackStream: deps.trackStream,
      holder: ctx,
    });
  }

  async function handle(id: string, req: IncomingMessage, res: ServerResponse, body: Buffer | undefined): Promise<void> {
    const ctx = new Context(id, deps.log, req, res, body);
    active.add(ctx);
    const settle = observe(hooks, ctx, res, active);
    try {
      ctx.outcome = outcomeOf(await run(ctx, req, res));
    } catch (thrown) {
      if (ctx.cut) return;
      const err = toGatewayError(thrown);
      ctx.outcome = rejectionOutcome(err);
      if (err.status >= 500) ctx.log.error({ err: thrown, plugin: err.plugin, hook: err.hook }, err.message);
      else ctx.log.debug({ code: err.code, plugin: err.plugin, hook: err.hook }, err.message);
      if (!res.writableEnded && !res.destroyed) sendError(res, err, errorBody(err, ctx.messages, ctx.calls, ctx.batch));
    } finally {
      settle();
    }
  }

  async function cutAll(err: GatewayError): Promise<void> {
    const closed: Promise<void>[] = [];
    for (const ctx of active) {
      const { res } = ctx;
      if (res.writableEnded || res.destroyed) continue;
      ctx.outcome ??= rejectionOutcome(err);
      closed.push(new Promise((resolve) => res.once("close", () => resolve())));
      cutRequest(ctx, res, err);
    }
    if (!closed.length) return;
    await Promise.race([Promise.all(closed), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
  }

  return { handle, cutAll };
}

/** Answers a request that never reached the pipeline (body too large, bad media type, wrong method). */
export function rejectEarly(deps: Pick<PipelineDeps, "hooks" | "log">, id: string, req: IncomingMessage, res: ServerResponse, err: GatewayError): void {
  const ctx = new Context(id, deps.log, req, res, undefined);
  ctx.outcome = rejectionOutcome(err);
  observe(deps.hooks, ctx, res)();
  sendError(res, err, errorBody(err, [], [], false));
}
