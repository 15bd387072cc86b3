import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import path from "node:path";
import Fastify, { LogController } from "fastify";
import type { DestinationStream, Logger } from "pino";
import type { GatewayConfig } from "./config/schema.js";
import { formatPath } from "./config/format-path.js";
import { isSectionedConfig, sectionedPlugins } from "./config/sectioned.js";
import { answerClientError, createEndpoint } from "./endpoint.js";
import { GatewayError, StartupError } from "./errors.js";
import { createDispatcher, effectiveFederation, type EffectiveFederation } from "./dispatch/select.js";
import { createHooks, RUNTIME_TAP, type GatewayHooks, type HealthChecks } from "./hooks.js";
import { ParamHeaderIndex } from "./mcp/param-headers.js";
import { createLogger } from "./logger.js";
import { createPipeline, rejectEarly } from "./pipeline.js";
import type { GatewayPlugin } from "./plugin.js";
import { checkBeforeTargets, createPluginHooks, type PluginHostOptions, type TapRecord } from "./plugin-host.js";
import { Deadlines } from "./deadlines.js";
import { loadPlugin, normaliseEntry, validatePlugin, type LoadedPlugin, type PluginSpec } from "./plugin-loader.js";
import { compileAllowlist, forbiddenForwardPatterns } from "./upstream/headers.js";
import { createUpstream, type Upstream } from "./upstream/upstream.js";
import type { StageName } from "./stages.js";

const RUNTIME_VERSION = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

/** A plugin handed over in code (tests, embedding) rather than named in config. */
export interface InlinePlugin {
  plugin: GatewayPlugin;
  options?: Record<string, unknown>;
  stage?: StageName | number;
}

export interface GatewayOptions {
  config: GatewayConfig;
  /** The config file, for messages and plugin resolution. */
  configFile?: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** Appended after the config's plugins. */
  plugins?: readonly InlinePlugin[];
  /** Log destination (stdout by default). */
  logDestination?: DestinationStream;
}

export interface Gateway {
  readonly config: GatewayConfig;
  readonly hooks: GatewayHooks;
  readonly log: Logger;
  /** The node HTTP server (after `listen`, its address is the gateway's). */
  readonly server: Server;
  readonly plugins: readonly LoadedPlugin[];
  /** The federation in effect (configured, or automatic when routes reach several upstreams). */
  readonly federation: EffectiveFederation | undefined;
  /** Runs `ready` taps, then opens the port. Returns the base URL. */
  listen(): Promise<string>;
  /** Graceful: stop accepting, end event streams, drain (bounded), run `close` taps. Idempotent. */
  close(): Promise<void>;
  health(): Promise<{ status: "ok" | "degraded"; checks: HealthChecks }>;
}

function pluginSpecs(config: GatewayConfig): PluginSpec[] {
  if (config.plugins) return config.plugins.map(normaliseEntry);
  if (!isSectionedConfig(config)) return [];
  return sectionedPlugins(config).map(({ entry, section }) => {
    const [name, options] = entry as [string, Record<string, unknown>];
    return {
      name,
      options,
      stage: undefined,
      declaredAt: section,
      optionsPath: [section],
      ...(section === "routing" ? { unwrap: "rules" } : {}),
    };
  });
}

/** Loads every plugin (config entries, then inline ones) and runs their `setup`. No I/O yet. */
async function setupPlugins(options: GatewayOptions, hooks: GatewayHooks, log: Logger, upstreams: Upstream[], host: PluginHostOptions) {
  const configFile = options.configFile ?? "(inline config)";
  const configDir = options.configFile ? path.dirname(options.configFile) : process.cwd();
  const loaded: LoadedPlugin[] = [];
  for (const spec of pluginSpecs(options.config)) loaded.push(await loadPlugin(spec, configFile, configDir, log));
  (options.plugins ?? []).forEach((inline, index) => {
    const spec: PluginSpec = {
      name: inline.plugin.name,
      options: inline.options ?? {},
      stage: inline.stage,
      declaredAt: `inline plugins[${index}]`,
      optionsPath: [],
    };
    loaded.push(validatePlugin(inline.plugin, spec, configFile));
  });
  const records: TapRecord[] = [];
  const env = options.env ?? process.env;
  const infos = upstreams.map((upstream) => upstream.info);
  for (const { plugin, options: pluginOptions, spec } of loaded) {
    try {
      await plugin.setup(
        {
          name: plugin.name,
          hooks: createPluginHooks(hooks, plugin.name, spec.stage, records, host),
          log: log.child({ plugin: plugin.name }),
          upstreams: infos,
          configDir,
          env,
        },
        pluginOptions as never,
      );
    } catch (err) {
      const label = `plugin "${plugin.name}" declared in ${configFile} at ${spec.declaredAt}`;
      // An error pointing at an option (a rule naming an unknown upstream) reads like an option error.
      const optionPath = (err as { optionPath?: unknown }).optionPath;
      if (Array.isArray(optionPath)) {
        const inOptions = spec.unwrap && optionPath[0] === spec.unwrap ? optionPath.slice(1) : optionPath;
        const where = formatPath([...spec.optionsPath, ...inOptions]);
        throw new StartupError("MCPGW_ERR_PLUGIN_OPTIONS", `${label}: ${where}: ${(err as Error).message}`, { cause: err });
      }
      throw new StartupError("MCPGW_ERR_PLUGIN_SETUP", `${label}: setup failed: ${(err as Error).message}`, { cause: err });
    }
  }
  checkBeforeTargets(records);
  return loaded;
}

const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: "address already in use (another process listens on that port)",
  EACCES: "permission denied (ports below 1024 need privileges)",
  EADDRNOTAVAIL: "address not available on this machine",
};

/** `cannot listen on 127.0.0.1:8080: address already in use (…)`: one line an operator can act on. */
function listenFailure(err: unknown, host: string, port: number): string {
  const code = (err as NodeJS.ErrnoException).code ?? "";
  return `cannot listen on ${host.includes(":") ? `[${host}]` : host}:${port}: ${LISTEN_ERRORS[code] ?? (err as Error).message} (server.host, server.port)`;
}

/** Makes the connection of an in-flight response close once the response is done. */
function closeAfterResponse(res: ServerResponse): void {
  if (!res.headersSent) res.setHeader("connection", "close");
  else res.once("finish", () => res.socket?.end());
}

export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { config } = options;
  const log = createLogger({ ...config.logging, ...(options.logDestination ? { destination: options.logDestination } : {}) });
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
    return result;
  });
  const upstreams = config.upstreams.map((upstream) => createUpstream(upstream, config.server.maxBufferedResponseBytes));
  const plugins = await setupPlugins(options, hooks, log, upstreams, { deadlines: new Deadlines(), hookTimeoutMs: config.server.hookTimeoutMs });
  const federation = effectiveFederation(config, plugins);

  const streams = new Set<() => void>();
  const trackStream = (end: () => void) => {
    streams.add(end);
    return () => streams.delete(end);
  };
  const allowlist = compileAllowlist(config.upstreamHeaders.forward);
  const inFlight = new Set<ServerResponse>();
  let closing: Promise<void> | undefined;
  const deps = { hooks, log };
  const pipeline = createPipeline({
    hooks,
    log,
    dispatcher: createDispatcher(config, federation, upstreams, { hooks, log, allowlist, trackStream, serverInfo: { name: "mcp-gateway", version: RUNTIME_VERSION } }),
    origins: {
      allowed: new Set(config.server.allowedOrigins),
      any: config.server.allowedOrigins.includes("*"),
      required: config.server.requireOrigin,
    },
    maxBatchSize: config.server.maxBatchSize,
    paramHeaders,
    authConfigured: plugins.some(({ plugin }) => plugin.authenticates === true),
  });

  const endpoint = createEndpoint({
    path: config.server.path,
    bodyLimit: config.server.bodyLimit,
    lingering: { bytes: config.server.lingeringCloseBytes, ms: config.server.lingeringCloseMs },
    serve: (id, req, res, body) => (closing ? Promise.resolve(rejectEarly(deps, id, req, res, GatewayError.from("MCPGW_ERR_SHUTTING_DOWN"))) : pipeline.handle(id, req, res, body)),
    reject: (id, req, res, err) => rejectEarly(deps, id, req, res, err),
  });
  const app = Fastify({
    loggerInstance: log,
    // The pipeline logs what matters; per-request lines from Fastify would double the cost.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: false,
    clientErrorHandler: answerClientError,
    // The MCP endpoint is answered on the bare server (see endpoint.ts); Fastify serves the rest.
    serverFactory: (fastify) => {
      const { requestTimeoutMs, keepAliveTimeoutMs } = config.server;
      const headersTimeout = requestTimeoutMs ? Math.min(config.server.headersTimeoutMs, requestTimeoutMs) : config.server.headersTimeoutMs;
      const server = createServer(
        {
          requestTimeout: requestTimeoutMs,
          headersTimeout,
          keepAliveTimeout: keepAliveTimeoutMs,
          // node checks the two timeouts this often (30 s by default): a trickling client would
          // otherwise hold its connection up to 30 s past them.
          connectionsCheckingInterval: Math.min(1_000, headersTimeout),
        },
        (req, res) => {
          if (!endpoint(req, res)) fastify(req, res);
        },
      );
      return server;
    },
  });

  // Every response in flight, from the moment its request's headers arrived (a body may still be
  // uploading). Shutdown derives the idle connections from it: node counts a connection that has
  // not sent a request yet as busy, so one a client opened ahead of time (undici does) would
  // otherwise hold the drain until the timeout.
  const sockets = new Set<Socket>();
  app.server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  app.server.on("request", (_req: IncomingMessage, res: ServerResponse) => {
    inFlight.add(res);
    res.on("close", () => inFlight.delete(res));
  });

  async function health() {
    const checks: HealthChecks = { server: { status: closing ? "fail" : "ok" } };
    try {
      await hooks.health.promise(checks);
    } catch (err) {
      checks.health = { status: "fail", error: (err as Error).message };
    }
    const ok = Object.values(checks).every((check) => check.status === "ok");
    return { status: ok ? ("ok" as const) : ("degraded" as const), checks };
  }
  for (const url of ["/healthz", "/health"]) {
    app.get(url, async (_request, reply) => {
      const report = await health();
      return reply.code(report.status === "ok" ? 200 : 503).send(report);
    });
  }

  async function shutdown(): Promise<void> {
    // The server only closes connections idle when close starts; without this, a keep-alive
    // connection freed by a request that finishes while draining holds the drain until the timeout.
    for (const res of inFlight) closeAfterResponse(res);
    const drained = app.close();
    const busy = new Set([...inFlight].map((res) => res.socket));
    for (const socket of sockets) if (!busy.has(socket)) socket.destroy();
    for (const end of streams) end();
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, config.server.shutdownTimeoutMs).unref());
    await Promise.race([drained, timeout]);
    // Calls longer than the drain time read why they ended, then their connections close.
    await pipeline.cutAll(GatewayError.from("MCPGW_ERR_SHUTTING_DOWN"));
    app.server.closeAllConnections();
    await drained;
    try {
      await hooks.close.promise();
    } finally {
      await Promise.allSettled(upstreams.flatMap((upstream) => [upstream.pool.destroy(), upstream.streams.destroy()]));
      log.flush();
    }
  }

  return {
    config,
    hooks,
    log,
    server: app.server,
    plugins,
    federation,
    health,
    async listen() {
      try {
        await hooks.ready.promise();
      } catch (err) {
        const plugin = (err as { plugin?: string }).plugin;
        throw new StartupError("MCPGW_ERR_STARTUP", `${plugin ? `plugin "${plugin}": ` : ""}${(err as Error).message}`, { cause: err });
      }
      try {
        await app.listen({ host: config.server.host, port: config.server.port });
      } catch (err) {
        throw new StartupError("MCPGW_ERR_STARTUP", listenFailure(err, config.server.host, config.server.port), { cause: err });
      }
      const address = app.server.address() as AddressInfo;
      const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
      log.info({ address: `${host}:${address.port}`, path: config.server.path, plugins: plugins.map((p) => `${p.plugin.name}@${p.plugin.version}`) }, "gateway listening");
      return `http://${host}:${address.port}`;
    },
    close() {
      closing ??= shutdown();
      return closing;
    },
  };
}
