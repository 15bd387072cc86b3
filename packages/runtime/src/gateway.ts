import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { DestinationStream, Logger } from "pino";
import { loadConfig } from "./config/load.js";
import type { GatewayConfig } from "./config/schema.js";
import type { EffectiveFederation } from "./dispatch/select.js";
import { isStartupError, StartupError } from "./errors.js";
import { buildGeneration, RUNTIME_VERSION, type Generation, type HealthReport } from "./generation.js";
import type { GatewayHooks } from "./hooks.js";
import { KeptState } from "./kept-state.js";
import { createLogger } from "./logger.js";
import { createAdminServer } from "./observability/admin.js";
import { GatewayMetrics, type MetricSources } from "./observability/metrics.js";
import { LiveStats } from "./observability/stats.js";
import { statusRoutes } from "./observability/status.js";
import type { LoadedPlugin } from "./plugin-loader.js";
import type { InlinePlugin } from "./plugin-setup.js";
import { createPublicServer } from "./server.js";
import { UpstreamRegistry } from "./upstream/registry.js";

export type { InlinePlugin } from "./plugin-setup.js";

export interface GatewayOptions {
  config: GatewayConfig;
  /** The config file, for messages and plugin resolution. */
  configFile?: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** Appended after the config's plugins. */
  plugins?: readonly InlinePlugin[];
  /** Log destination (stdout by default). */
  logDestination?: DestinationStream;
  /**
   * What a reload reads: by default the config file again. The CLI passes its own, which applies
   * its `--host`/`--port` overrides to what it reads.
   */
  readConfig?: () => Promise<GatewayConfig>;
}

/** How a reload went. */
export type ReloadResult =
  | { ok: true; loadedAt: Date; configFile: string | undefined; changes: string[] }
  | { ok: false; error: string; problems: readonly string[]; status: number };

export interface ReloadState {
  /** When the config serving now was loaded. */
  loadedAt: Date;
  reloads: number;
  /** The last reload that failed, if the config serving now predates it. */
  lastError: { at: Date; message: string; problems: readonly string[] } | undefined;
}

export interface Gateway {
  /** The config serving now (a reload replaces it). */
  readonly config: GatewayConfig;
  readonly hooks: GatewayHooks;
  readonly log: Logger;
  /** The node HTTP server (after `listen`, its address is the gateway's). */
  readonly server: Server;
  readonly plugins: readonly LoadedPlugin[];
  /** The federation in effect (configured, or automatic when routes reach several upstreams). */
  readonly federation: EffectiveFederation | undefined;
  /** What serves new requests now: the loaded config, its plugins, upstreams and routes. */
  readonly generation: Generation;
  /** The admin listener's base URL once listening (`admin` configured), e.g. `http://127.0.0.1:9464`. */
  readonly adminUrl: string | undefined;
  readonly reloadState: ReloadState;
  /** Runs `ready` taps, then opens the port. Returns the base URL. */
  listen(): Promise<string>;
  /**
   * Loads the config again (or `config`, already parsed) with every plugin anew and, only when
   * all of it is ready, serves new requests with it; requests under way finish on the old one,
   * whose plugins close after their last request. A failure changes nothing. Reloads run one at
   * a time.
   */
  reload(config?: GatewayConfig): Promise<ReloadResult>;
  /** Graceful: stop accepting, end event streams, drain (bounded), run `close` taps. Idempotent. */
  close(): Promise<void>;
  health(): Promise<HealthReport>;
}

/** The parts of the config a running listener cannot take: a restart applies them. */
const FIXED_SERVER_KEYS = ["host", "port", "path", "bodyLimit", "headersTimeoutMs", "requestTimeoutMs", "keepAliveTimeoutMs", "lingeringCloseBytes", "lingeringCloseMs", "shutdownTimeoutMs"] as const;

/** What in `next` a reload cannot apply, one line each. */
function needsRestart(current: GatewayConfig, next: GatewayConfig): string[] {
  const lines: string[] = [];
  for (const key of FIXED_SERVER_KEYS) {
    if (JSON.stringify(current.server[key]) !== JSON.stringify(next.server[key])) lines.push(`server.${key}`);
  }
  if (JSON.stringify(current.admin) !== JSON.stringify(next.admin)) lines.push("admin");
  if (JSON.stringify(current.metrics) !== JSON.stringify(next.metrics)) lines.push("metrics");
  if (JSON.stringify(current.logging.redactKeys) !== JSON.stringify(next.logging.redactKeys)) lines.push("logging.redactKeys");
  return lines;
}

/** What a reload changed in the upstreams and plugins, for the log. */
function changesOf(current: Generation, next: Generation): string[] {
  const changes: string[] = [];
  const names = (generation: Generation) => new Map(generation.upstreams.map((upstream) => [upstream.name, upstream]));
  const before = names(current);
  const after = names(next);
  for (const [name, upstream] of after) {
    if (!before.has(name)) changes.push(`upstream ${name} added`);
    else if (before.get(name) !== upstream) changes.push(`upstream ${name} changed`);
  }
  for (const name of before.keys()) if (!after.has(name)) changes.push(`upstream ${name} removed`);
  const plugins = (generation: Generation) => generation.plugins.map(({ plugin }) => `${plugin.name}@${plugin.version}`).join(", ");
  if (plugins(current) !== plugins(next)) changes.push(`plugins: ${plugins(next) || "none"}`);
  return changes;
}

/** The HTTP status of a failed reload: the config's fault (422), or a store or port that failed (503). */
function reloadStatus(err: unknown): number {
  const code = isStartupError(err) ? err.code : "";
  return code === "MCPGW_ERR_STARTUP" ? 503 : code ? 422 : 500;
}

/**
 * A gateway for one config at a time: the generation serving new requests, the generations a
 * reload retired until their last request ends, and the listeners in front of them.
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const initial = options.config;
  const log = createLogger({ ...initial.logging, ...(options.logDestination ? { destination: options.logDestination } : {}) });
  const env = options.env ?? process.env;
  // Shared by every generation: unchanged upstreams and kept plugin state carry over a reload,
  // federated sessions stay sealed with the same key, and metrics keep counting.
  const registry = new UpstreamRegistry({ log, clientInfo: { name: "mcp-gateway", version: RUNTIME_VERSION } });
  const kept = new KeptState();
  const sessionKey = randomBytes(32).toString("base64url");
  const live = new Set<Generation>();
  const sources: MetricSources = {
    openStreams: () => [...live].reduce((sum, generation) => sum + generation.metricSources.openStreams(), 0),
    stdio: () => generation.metricSources.stdio(),
    federatedSessions: () => generation.metricSources.federatedSessions(),
  };
  const metrics = initial.admin ? new GatewayMetrics({ maxToolLabels: initial.metrics.maxToolLabels, version: RUNTIME_VERSION, sources: () => sources }) : undefined;
  const stats = initial.admin ? new LiveStats() : undefined;
  const startedAt = new Date();
  const build = (config: GatewayConfig) =>
    buildGeneration({ config, configFile: options.configFile, env, inline: options.plugins ?? [], log, metrics, stats, upstreams: registry, kept, sessionKey });

  let generation: Generation = await build(initial);
  live.add(generation);
  const server = createPublicServer(
    initial,
    log,
    () => generation,
    () => live,
  );
  const admin = initial.admin ? createAdminServer(initial.admin, log.child({ listener: "admin" })) : undefined;
  const reloadState: ReloadState = { loadedAt: generation.loadedAt, reloads: 0, lastError: undefined };
  let closing: Promise<void> | undefined;
  let adminUrl: string | undefined;
  let reloading: Promise<ReloadResult> = Promise.resolve({ ok: true, loadedAt: generation.loadedAt, configFile: options.configFile, changes: [] });

  const readConfig =
    options.readConfig ??
    (async () => {
      if (!options.configFile) throw new StartupError("MCPGW_ERR_CONFIG_NOT_FOUND", "this gateway was started without a config file: there is nothing to reload");
      return (await loadConfig({ file: options.configFile, env })).config;
    });

  /** A generation a reload replaced: streams to upstreams it alone had end now; it closes after its last request. */
  function retire(old: Generation): void {
    const ended = old.endStreamsExcept(new Set(generation.upstreams));
    if (ended) log.info({ streams: ended }, "ended event streams to upstreams the new config removed or changed");
    void old
      .idle()
      .then(() => old.close())
      .catch((err: unknown) => log.error({ err }, "closing the replaced config failed"))
      .finally(() => live.delete(old));
  }

  async function reloadNow(given: GatewayConfig | undefined): Promise<ReloadResult> {
    if (closing) return { ok: false, error: "the gateway is shutting down", problems: [], status: 503 };
    let next: Generation | undefined;
    try {
      const config = given ?? (await readConfig());
      next = await build(config);
      await next.ready();
      if (closing) throw new StartupError("MCPGW_ERR_STARTUP", "the gateway began shutting down during the reload");
    } catch (err) {
      await next?.close().catch(() => undefined);
      const problems = isStartupError(err) ? err.problems : [(err as Error).message];
      const message = (err as Error).message.split("\n")[0]!;
      reloadState.lastError = { at: new Date(), message, problems };
      metrics?.configReload("error");
      log.error({ problems }, `config reload failed, still serving the config loaded at ${reloadState.loadedAt.toISOString()}: ${message}`);
      return { ok: false, error: message, problems, status: reloadStatus(err) };
    }
    const old = generation;
    generation = next;
    live.add(next);
    log.level = next.config.logging.level;
    const changes = changesOf(old, next);
    const restart = needsRestart(old.config, next.config);
    reloadState.loadedAt = next.loadedAt;
    reloadState.reloads++;
    reloadState.lastError = undefined;
    metrics?.configReload("ok");
    log.info({ changes, configFile: options.configFile }, "config reloaded");
    if (restart.length) log.warn({ keys: restart }, `config reloaded, but ${restart.join(", ")} changed: those take effect at the next restart`);
    retire(old);
    return { ok: true, loadedAt: next.loadedAt, configFile: options.configFile, changes };
  }

  if (admin) {
    if (stats) {
      for (const route of statusRoutes({ version: RUNTIME_VERSION, startedAt, configFile: options.configFile, reloadState, generation: () => generation, stats, sources })) admin.route(route);
    }
    if (metrics) {
      admin.route({
        method: "GET",
        path: "/metrics",
        async handle(_req, res) {
          const text = await metrics.text();
          res.writeHead(200, { "content-type": metrics.contentType, "content-length": Buffer.byteLength(text), "cache-control": "no-store" });
          res.end(text);
        },
      });
    }
    admin.route({
      method: "POST",
      path: "/reload",
      async handle(_req, res) {
        const result = await gateway.reload();
        const body = JSON.stringify(result.ok ? { status: "ok", loadedAt: result.loadedAt, changes: result.changes } : { status: "error", error: result.error, problems: result.problems });
        res.writeHead(result.ok ? 200 : result.status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), "cache-control": "no-store" });
        res.end(body);
      },
    });
  }

  async function shutdown(): Promise<void> {
    // Every generation alive drains: the current one and those still finishing requests of theirs.
    await server.drain();
    try {
      await Promise.allSettled([...live].map((other) => other.close()));
    } finally {
      await admin?.close();
      log.flush();
    }
  }

  const gateway: Gateway = {
    get config() {
      return generation.config;
    },
    get hooks() {
      return generation.hooks;
    },
    log,
    server: server.server,
    get plugins() {
      return generation.plugins;
    },
    get federation() {
      return generation.federation;
    },
    get generation() {
      return generation;
    },
    get adminUrl() {
      return adminUrl;
    },
    reloadState,
    health: server.health,
    async listen() {
      await generation.ready();
      if (admin) {
        adminUrl = await admin.listen();
        log.info({ address: adminUrl.slice("http://".length), paths: ["/", "/status.json", "/metrics", "/reload"], token: initial.admin?.token !== undefined }, "admin listening");
      }
      const url = await server.listen();
      log.info(
        { address: url.slice("http://".length), path: initial.server.path, plugins: generation.plugins.map((p) => `${p.plugin.name}@${p.plugin.version}`) },
        "gateway listening",
      );
      return url;
    },
    reload(config) {
      reloading = reloading.then(() => reloadNow(config));
      return reloading;
    },
    close() {
      closing ??= shutdown();
      return closing;
    },
  };
  return gateway;
}
