import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { GatewayConfig } from "./config/schema.js";
import { Deadlines } from "./deadlines.js";
import { createDispatcher, effectiveFederation, type EffectiveFederation } from "./dispatch/select.js";
import { GatewayError, StartupError } from "./errors.js";
import { createHooks, RUNTIME_TAP, type GatewayHooks, type HealthChecks } from "./hooks.js";
import { ParamHeaderIndex } from "./mcp/param-headers.js";
import { createPipeline, rejectEarly } from "./pipeline.js";
import type { LoadedPlugin } from "./plugin-loader.js";
import type { PluginRoutes } from "./plugin-routes.js";
import { setupPlugins, type InlinePlugin } from "./plugin-setup.js";
import { compileAllowlist, forbiddenForwardPatterns } from "./upstream/headers.js";
import type { Upstream } from "./upstream/upstream.js";
import { UpstreamRegistry } from "./upstream/registry.js";
import { KeptState } from "./kept-state.js";
import { writeAccessLine } from "./observability/access-log.js";
import type { GatewayMetrics, MetricSources } from "./observability/metrics.js";
import type { LiveStats } from "./observability/stats.js";
import type { Context } from "./request-context.js";

/** What runs once per finished request: metrics, the status page's figures and the access line, when they are on. */
function finisher(metrics: GatewayMetrics | undefined, stats: LiveStats | undefined, accessLog: Logger | undefined): ((ctx: Context) => void) | undefined {
  if (!metrics && !stats && !accessLog) return undefined;
  return (ctx) => {
    metrics?.observe(ctx);
    stats?.observe(ctx);
    if (accessLog) writeAccessLine(accessLog, ctx);
  };
}

export const RUNTIME_VERSION = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

export interface HealthReport {
  status: "ok" | "degraded";
  checks: HealthChecks;
}

export interface GenerationOptions {
  config: GatewayConfig;
  configFile: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  /** Appended after the config's plugins. */
  inline: readonly InlinePlugin[];
  log: Logger;
  /** The gateway's metrics (they outlive a generation), when an admin listener serves them. */
  metrics?: GatewayMetrics | undefined;
  /** The status page's figures (they outlive a generation too), when an admin listener serves it. */
  stats?: LiveStats | undefined;
  /** Upstreams shared with the other generations alive (a reload keeps unchanged ones); a fresh one by default. */
  upstreams?: UpstreamRegistry;
  /** What plugins keep across reloads (`gateway.keep`); a fresh one by default. */
  kept?: KeptState;
  /** Seals federated sessions when `federation.sessionKeys` is not set: the gateway's, so a reload keeps sessions. */
  sessionKey?: string;
}

/**
 * One loaded config, immutable once built: its hooks with every plugin's taps, its upstreams,
 * its dispatcher and pipeline, the HTTP routes its plugins serve. The server answers every
 * request with the generation current when the request arrived.
 */
export interface Generation {
  readonly config: GatewayConfig;
  readonly configFile: string | undefined;
  readonly loadedAt: Date;
  readonly hooks: GatewayHooks;
  readonly plugins: readonly LoadedPlugin[];
  /** The federation in effect (configured, or automatic when routes reach several upstreams). */
  readonly federation: EffectiveFederation | undefined;
  readonly upstreams: readonly Upstream[];
  readonly routes: PluginRoutes;
  /** Runs the pipeline for one request to the MCP endpoint. */
  handle(id: string, req: IncomingMessage, res: ServerResponse, body: Buffer | undefined): Promise<void>;
  /** Answers a request refused before the pipeline (and observes it, for audit). */
  reject(id: string, req: IncomingMessage, res: ServerResponse, err: GatewayError): void;
  /** `ready` taps: connect stores. A failure is a StartupError naming the plugin. */
  ready(): Promise<void>;
  health(): Promise<HealthReport>;
  /** Ends the event streams that never end by themselves (GET streams, subscriptions), as finished responses. */
  endStreams(): void;
  /** Past the drain time: every request still in flight gets an error it can read. */
  cutAll(err: GatewayError): Promise<void>;
  /** `close` taps, then the upstreams no other generation uses. After the last request. */
  close(): Promise<void>;
  /** Requests in flight, long-lived streams included. */
  readonly inFlight: number;
  /** Resolves when no request is in flight (at once when none is). */
  idle(): Promise<void>;
  /** Ends, as finished responses, the streams to upstreams not in `keep` (a reload removed or changed them). */
  endStreamsExcept(keep: ReadonlySet<Upstream>): number;
  /** What the metrics' gauges read at scrape time. */
  readonly metricSources: MetricSources;
}

/** Builds a generation: plugins loaded and set up, hooks tapped, upstreams and dispatcher made. No I/O yet. */
export async function buildGeneration(options: GenerationOptions): Promise<Generation> {
  const { config, log } = options;
  const forbidden = forbiddenForwardPatterns(config.upstreamHeaders.forward);
  if (forbidden.length) {
    // Sectioned configs listed them when they were silently dropped; they still never go upstream.
    log.warn({ headers: forbidden }, `upstreamHeaders.forward lists ${forbidden.join(", ")}: gateway credentials and hop-by-hop headers are never forwarded, so they are ignored`);
  }
  const hooks = createHooks();
  // Learn x-mcp-header annotations from every tools/list result, before any plugin filters it,
  // so Mcp-Param-* headers of later calls can be checked against their arguments.
  const paramHeaders = new ParamHeaderIndex();
  hooks.transformResult.for("tools/list").tapPromise({ name: RUNTIME_TAP, stage: Number.MIN_SAFE_INTEGER }, async (result) => {
    paramHeaders.learn(result);
    options.metrics?.learnTools(result);
    return result;
  });
  const registry = options.upstreams ?? new UpstreamRegistry({ log, clientInfo: { name: "mcp-gateway", version: RUNTIME_VERSION } });
  const kept = options.kept ?? new KeptState();
  // Stands for this generation in what it shares (kept plugin state) until it closes.
  const token = {};
  const upstreams = config.upstreams.map((upstream) => registry.acquire(upstream, config.server.maxBufferedResponseBytes));
  let setup: Awaited<ReturnType<typeof setupPlugins>>;
  try {
    setup = await setupPlugins({
      config,
      configFile: options.configFile,
      inline: options.inline,
      env: options.env,
      log,
      hooks,
      upstreams,
      host: { deadlines: new Deadlines(), hookTimeoutMs: config.server.hookTimeoutMs },
      metrics: options.metrics,
      keep: (plugin) => kept.forPlugin(token, plugin),
    });
  } catch (err) {
    await Promise.allSettled([registry.release(upstreams), kept.release(token)]);
    throw err;
  }
  const { plugins, routes } = setup;
  const federation = effectiveFederation(config, plugins);

  // Long-lived streams, each with the upstream it reads (none for a federated one).
  const streams = new Map<() => void, Upstream | undefined>();
  const trackStream = (end: () => void, upstream?: Upstream) => {
    streams.set(end, upstream);
    return () => streams.delete(end);
  };
  const allowlist = compileAllowlist(config.upstreamHeaders.forward);
  const finished = finisher(options.metrics, options.stats, config.logging.access ? log : undefined);
  const dispatcher = createDispatcher(config, federation, upstreams, {
      hooks,
      log,
      allowlist,
      trackStream,
      serverInfo: { name: "mcp-gateway", version: RUNTIME_VERSION },
      ...(options.sessionKey ? { sessionKey: options.sessionKey } : {}),
  });
  const pipeline = createPipeline({
    hooks,
    log,
    dispatcher,
    origins: {
      allowed: new Set(config.server.allowedOrigins),
      any: config.server.allowedOrigins.includes("*"),
      required: config.server.requireOrigin,
    },
    maxBatchSize: config.server.maxBatchSize,
    errorStyle: config.errors.style,
    paramHeaders,
    authConfigured: plugins.some(({ plugin }) => plugin.authenticates === true),
    finished,
  });
  const deps = { hooks, log, finished };

  return {
    config,
    configFile: options.configFile,
    loadedAt: new Date(),
    hooks,
    plugins,
    federation,
    upstreams,
    routes,
    handle: pipeline.handle,
    reject: (id, req, res, err) => rejectEarly(deps, id, req, res, err),
    async ready() {
      try {
        await hooks.ready.promise();
        for (const upstream of upstreams) upstream.start?.();
      } catch (err) {
        const plugin = (err as { plugin?: string }).plugin;
        throw new StartupError("MCPGW_ERR_STARTUP", `${plugin ? `plugin "${plugin}": ` : ""}${(err as Error).message}`, { cause: err });
      }
    },
    async health() {
      const checks: HealthChecks = {};
      for (const upstream of upstreams) if (upstream.health) checks[`upstream:${upstream.name}`] = upstream.health();
      try {
        await hooks.health.promise(checks);
      } catch (err) {
        checks.health = { status: "fail", error: (err as Error).message };
      }
      const ok = Object.values(checks).every((check) => check.status === "ok");
      return { status: ok ? "ok" : "degraded", checks };
    },
    metricSources: {
      openStreams: () => streams.size,
      federatedSessions: () => dispatcher.sessions?.() ?? 0,
      stdio: () =>
        upstreams.flatMap((upstream) => {
          if (upstream.type !== "stdio" || !upstream.health) return [];
          const check = upstream.health();
          return [{ upstream: upstream.name, processes: Number(check.processes ?? 0), sessions: Number(check.sessions ?? 0) }];
        }),
    },
    endStreams() {
      for (const end of [...streams.keys()]) end();
    },
    endStreamsExcept(keep) {
      let ended = 0;
      for (const [end, upstream] of [...streams]) {
        if (upstream === undefined || keep.has(upstream)) continue;
        end();
        ended++;
      }
      return ended;
    },
    get inFlight() {
      return pipeline.inFlight;
    },
    idle: pipeline.idle,
    cutAll: pipeline.cutAll,
    async close() {
      try {
        await hooks.close.promise();
      } finally {
        await Promise.allSettled([registry.release(upstreams), kept.release(token)]);
      }
    },
  };
}
