import type { Server } from "node:http";
import type { DestinationStream, Logger } from "pino";
import type { GatewayConfig } from "./config/schema.js";
import type { EffectiveFederation } from "./dispatch/select.js";
import { buildGeneration, type Generation, type HealthReport } from "./generation.js";
import type { GatewayHooks } from "./hooks.js";
import { createLogger } from "./logger.js";
import type { LoadedPlugin } from "./plugin-loader.js";
import type { InlinePlugin } from "./plugin-setup.js";
import { createPublicServer } from "./server.js";
import { createAdminServer } from "./observability/admin.js";
import { GatewayMetrics } from "./observability/metrics.js";
import { RUNTIME_VERSION } from "./generation.js";

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
  /** What serves requests now: the loaded config, its plugins, upstreams and routes. */
  readonly generation: Generation;
  /** The admin listener's base URL once listening (`admin` configured), e.g. `http://127.0.0.1:9464`. */
  readonly adminUrl: string | undefined;
  /** Runs `ready` taps, then opens the port. Returns the base URL. */
  listen(): Promise<string>;
  /** Graceful: stop accepting, end event streams, drain (bounded), run `close` taps. Idempotent. */
  close(): Promise<void>;
  health(): Promise<HealthReport>;
}

/** A gateway for one config: the generation that serves it and the listener in front of it. */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { config } = options;
  const log = createLogger({ ...config.logging, ...(options.logDestination ? { destination: options.logDestination } : {}) });
  // Metrics outlive a generation (a reload keeps counting) and are only kept when something scrapes them.
  const current = (): Generation | undefined => generation;
  const metrics = config.admin ? new GatewayMetrics({ maxToolLabels: config.metrics.maxToolLabels, version: RUNTIME_VERSION, sources: () => current()?.metricSources }) : undefined;
  const generation: Generation = await buildGeneration({ config, configFile: options.configFile, env: options.env ?? process.env, inline: options.plugins ?? [], log, metrics });
  const server = createPublicServer(config, log, () => generation);
  const admin = config.admin ? createAdminServer(config.admin, log.child({ listener: "admin" })) : undefined;
  if (admin && metrics) {
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
  let closing: Promise<void> | undefined;
  let adminUrl: string | undefined;

  async function shutdown(): Promise<void> {
    await server.drain();
    try {
      await generation.close();
    } finally {
      await admin?.close();
      log.flush();
    }
  }

  return {
    config,
    hooks: generation.hooks,
    log,
    server: server.server,
    plugins: generation.plugins,
    federation: generation.federation,
    generation,
    health: server.health,
    get adminUrl() {
      return adminUrl;
    },
    async listen() {
      await generation.ready();
      if (admin) {
        adminUrl = await admin.listen();
        log.info({ address: adminUrl.slice("http://".length), paths: ["/metrics"], token: config.admin?.token !== undefined }, "admin listening");
      }
      const url = await server.listen();
      log.info(
        { address: url.slice("http://".length), path: config.server.path, plugins: generation.plugins.map((p) => `${p.plugin.name}@${p.plugin.version}`) },
        "gateway listening",
      );
      return url;
    },
    close() {
      closing ??= shutdown();
      return closing;
    },
  };
}
