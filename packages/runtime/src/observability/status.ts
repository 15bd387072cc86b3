import { readFile } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { describeHooks, describeRules, upstreamTarget, type HookView, type RuleView } from "../describe.js";
import type { ReloadState } from "../gateway.js";
import type { Generation } from "../generation.js";
import { RUNTIME_TAP } from "../hooks.js";
import type { AdminRoute } from "./admin.js";
import type { MetricSources } from "./metrics.js";
import type { LiveStats, TrafficStats, UpstreamStats } from "./stats.js";

/** What `/status.json` answers: the status page's data, for scripts and `mcp-gateway status`. */
export interface GatewayStatus {
  version: string;
  node: string;
  startedAt: string;
  uptimeSeconds: number;
  configFile: string | null;
  loadedAt: string;
  reloads: number;
  lastError: { at: string; message: string; problems: readonly string[] } | null;
  traffic: TrafficStats;
  streams: number;
  sessions: { federated: number; stdio: number };
  /** Each plugin once, in the order its first tap runs, with the hooks it taps. */
  plugins: { name: string; version: string; hooks: string[] }[];
  hooks: HookView[];
  upstreams: ({
    name: string;
    type: "http" | "stdio";
    /** The URL without credentials or query, or `stdio: <command>`. */
    target: string;
    /** `failing` when its last few calls failed or, for stdio, its process cannot start. */
    state: "up" | "failing";
    processes?: number;
  } & Omit<UpstreamStats, "failing">)[];
  routes: { rules: RuleView[]; fallback: string; federation: { upstreams: string[]; automatic: boolean } | null };
}

export interface StatusSources {
  version: string;
  startedAt: Date;
  configFile: string | undefined;
  reloadState: ReloadState;
  generation(): Generation;
  stats: LiveStats;
  sources: MetricSources;
}

export function statusOf(from: StatusSources): GatewayStatus {
  const generation = from.generation();
  const hooks = describeHooks(generation, from.version);
  const plugins = new Map<string, { name: string; version: string; hooks: string[] }>();
  for (const { hook, taps } of hooks) {
    for (const tap of taps) {
      let plugin = plugins.get(tap.plugin);
      if (!plugin) plugins.set(tap.plugin, (plugin = { name: tap.plugin, version: tap.version, hooks: [] }));
      if (!plugin.hooks.includes(hook)) plugin.hooks.push(hook);
    }
  }
  // A plugin that tapped nothing in this config (audit off here, say) is still loaded.
  for (const { plugin } of generation.plugins) if (!plugins.has(plugin.name)) plugins.set(plugin.name, { name: plugin.name, version: plugin.version, hooks: [] });
  const running = new Map(generation.upstreams.map((upstream) => [upstream.name, upstream]));
  const upstreams = generation.config.upstreams.map((config) => {
    const { failing, ...stats } = from.stats.upstream(config.name);
    const health = running.get(config.name)?.health?.();
    return {
      name: config.name,
      type: config.type,
      target: upstreamTarget(config),
      state: failing || health?.status === "fail" ? ("failing" as const) : ("up" as const),
      ...(health && typeof health.processes === "number" ? { processes: health.processes } : {}),
      ...stats,
    };
  });
  const federation = generation.federation;
  const stdioSessions = from.sources.stdio().reduce((sum, { sessions }) => sum + sessions, 0);
  const { lastError } = from.reloadState;
  return {
    version: from.version,
    node: process.versions.node,
    startedAt: from.startedAt.toISOString(),
    uptimeSeconds: Math.floor((Date.now() - from.startedAt.getTime()) / 1000),
    configFile: from.configFile ?? null,
    loadedAt: from.reloadState.loadedAt.toISOString(),
    reloads: from.reloadState.reloads,
    lastError: lastError ? { at: lastError.at.toISOString(), message: lastError.message, problems: lastError.problems } : null,
    traffic: from.stats.traffic(),
    streams: from.sources.openStreams(),
    sessions: { federated: from.sources.federatedSessions(), stdio: stdioSessions },
    plugins: [...plugins.values()].filter((plugin) => plugin.name !== RUNTIME_TAP),
    hooks,
    upstreams,
    routes: {
      rules: describeRules(generation),
      fallback: federation?.config.upstreams?.[0] ?? generation.config.upstreams[0]!.name,
      federation: federation ? { upstreams: federation.config.upstreams ?? generation.config.upstreams.map((upstream) => upstream.name), automatic: federation.automatic } : null,
    },
  };
}

/** The page's own files, read once; served from the admin listener, so the page needs nothing else. */
const ASSETS = new URL("../../assets/", import.meta.url);
interface StatusModule {
  renderStatus(status: GatewayStatus): string;
  renderPage(status: GatewayStatus, refreshSeconds: number): string;
}
let assets: Promise<{ css: string; js: string; icon: string; module: StatusModule }> | undefined;
const loadAssets = () =>
  (assets ??= (async () => {
    const [css, js, icon, module] = await Promise.all([
      readFile(new URL("status.css", ASSETS), "utf8"),
      readFile(new URL("status.js", ASSETS), "utf8"),
      readFile(new URL("favicon.svg", ASSETS), "utf8"),
      import(new URL("status.js", ASSETS).href) as Promise<StatusModule>,
    ]);
    return { css, js, icon, module };
  })());

/** No inline script or style, no other origin: the page cannot be made to run anything else. */
const PAGE_HEADERS = {
  "content-security-policy": "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

function send(res: ServerResponse, type: string, body: string): void {
  res.writeHead(200, { ...PAGE_HEADERS, "content-type": type, "content-length": Buffer.byteLength(body) });
  res.end(body);
}

/** How often the page refreshes: `?refresh=N` seconds (1–60), else 5. */
function refreshOf(url: string | undefined): number {
  const value = Number(new URLSearchParams((url ?? "").split("?")[1] ?? "").get("refresh"));
  return Number.isInteger(value) && value >= 1 && value <= 60 ? value : 5;
}

/** `GET /` (the page), `/status.json`, and the page's stylesheet, script and icon. */
export function statusRoutes(from: StatusSources): AdminRoute[] {
  return [
    {
      method: "GET",
      path: "/",
      async handle(req, res) {
        const { module } = await loadAssets();
        send(res, "text/html; charset=utf-8", module.renderPage(statusOf(from), refreshOf(req.url)));
      },
    },
    { method: "GET", path: "/status.json", handle: (_req, res) => send(res, "application/json", JSON.stringify(statusOf(from))) },
    { method: "GET", path: "/status.css", handle: async (_req, res) => send(res, "text/css; charset=utf-8", (await loadAssets()).css) },
    { method: "GET", path: "/status.js", handle: async (_req, res) => send(res, "text/javascript; charset=utf-8", (await loadAssets()).js) },
    { method: "GET", path: "/favicon.svg", handle: async (_req, res) => send(res, "image/svg+xml", (await loadAssets()).icon) },
  ];
}
