import type { Logger } from "pino";
import type { z } from "zod";
import type { HookMap } from "tapable";
import type { UpstreamInfo } from "./context.js";
import type { GatewayHooks, HookName } from "./hooks.js";
import type { PluginHttp } from "./plugin-routes.js";
import type { StageName } from "./stages.js";
import { declareErrors, type PluginErrorSpec } from "./errors.js";

/** The plugin API this runtime implements; plugins declare a semver range (`api: "^1"`). */
export const PLUGIN_API_VERSION = "1.2.0";

const PLUGIN_BRAND = Symbol.for("mcp-gateway.plugin");

export interface TapOptions {
  /** A band name (`"AUTHN"`) or a number; lower runs first. A config entry's `stage` overrides it. */
  stage?: StageName | number;
  /** Run before the taps of these plugins on the same hook (checked at load). */
  before?: string | string[];
  /**
   * This tap's deadline in ms, when `server.hookTimeoutMs` is too short for it (a call to a
   * slow identity provider). Past it the request fails with MCPGW_ERR_PLUGIN_TIMEOUT.
   */
  timeoutMs?: number;
}

/** A hook as a plugin sees it: tap only, and every tap is named after the plugin. */
export interface Tappable<Args extends unknown[], Result = void> {
  tapPromise(fn: (...args: Args) => Promise<Result>): void;
  tapPromise(options: TapOptions, fn: (...args: Args) => Promise<Result>): void;
}

/** What tapping a hook looks like to a plugin: its arguments and the result a tap returns. */
type TapView<H> = H extends { promise(...args: infer Args): Promise<infer Result> } ? Tappable<Args, Result> : never;

/**
 * Every hook of `createHooks()` as a plugin sees it, derived from that one declaration: a new
 * hook there is a new tap-only entry here (a keyed hook becomes `.for(key)`).
 */
export type PluginHooks = {
  readonly [K in HookName]: GatewayHooks[K] extends HookMap<infer H> ? { for(key: string): TapView<H> } : TapView<GatewayHooks[K]>;
};

/** Label values of one observation, by label name. */
export type Labels = Readonly<Record<string, string | number>>;

export interface MetricCounter {
  inc(labels?: Labels, value?: number): void;
}

export interface MetricGauge {
  set(value: number, labels?: Labels): void;
  inc(labels?: Labels, value?: number): void;
  dec(labels?: Labels, value?: number): void;
}

export interface MetricHistogram {
  observe(value: number, labels?: Labels): void;
}

/**
 * A plugin's metrics on the gateway's `/metrics` (the admin listener). Each is named
 * `mcp_gateway_<plugin>_<name>` (the plugin's name with `-` as `_`); label values should come from
 * small fixed sets, never from what a client sends. Register in `setup`; without an admin
 * listener the metrics count nothing and cost nothing.
 */
export interface PluginMetrics {
  counter(name: string, help: string, labelNames?: readonly string[]): MetricCounter;
  gauge(name: string, help: string, labelNames?: readonly string[]): MetricGauge;
  histogram(name: string, help: string, options?: { labelNames?: readonly string[]; buckets?: readonly number[] }): MetricHistogram;
  /** A store the plugin depends on (Redis) failed: `mcp_gateway_store_errors_total{store}`. */
  storeError(store: string): void;
}

/** What `setup` receives. */
export interface PluginApi {
  /** The plugin's name, as its taps are named. */
  readonly name: string;
  readonly hooks: PluginHooks;
  /**
   * HTTP routes of the plugin's own on the public listener, outside the MCP endpoint (OAuth
   * metadata under `/.well-known/`, a callback). Declared here, in `setup`; a path another plugin,
   * the MCP endpoint or `/health` has stops startup.
   */
  readonly http: PluginHttp;
  /** The MCP endpoint this gateway serves (`server.path`), e.g. for URLs the plugin publishes. */
  readonly endpoint: { readonly path: string };
  /** pino child logger carrying `{ plugin }`. */
  readonly log: Logger;
  /** Counters, gauges and histograms of the plugin's own, on the gateway's `/metrics`. */
  readonly metrics: PluginMetrics;
  /**
   * A value kept across config reloads: made by `create` the first time `key` is asked for, and
   * handed back to every later `setup` that asks for the same key (so rate-limit buckets of
   * unchanged limits survive a reload). Put in the key whatever makes the value different (the
   * options it depends on). Once no running config asks for it any more, `dispose` releases it.
   */
  keep<T>(key: string, create: () => T, dispose?: (value: T) => void | Promise<void>): T;
  readonly upstreams: readonly UpstreamInfo[];
  /** Directory of the config file: resolve relative paths in options against it. */
  readonly configDir: string;
  /** Environment the gateway started with (tests pass their own). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface RouteDescription {
  /** What the rule matches, e.g. `{ method: "tools/call", tool: "math.*" }`. */
  match: Readonly<Record<string, string>>;
  upstream: string;
}

export interface PluginDefinition<Schema extends z.ZodType = z.ZodType> {
  /** Short name (`auth-apikey`): names every tap and every log line of the plugin. */
  name: string;
  version: string;
  /** Semver range of the plugin API this plugin was built for. */
  api: string;
  /** zod schema for the options; validated at load, errors name the option path. */
  options?: Schema;
  /**
   * An auth plugin identifies callers in `onRequest`. When at least one is configured, a request
   * that none of them identified is rejected with 401.
   */
  authenticates?: boolean;
  /**
   * The plugin's own error codes (`ACME_ERR_OUTSIDE_HOURS`), each with its status, message,
   * meaning and fix. Declared codes are thrown with `GatewayError.from(code)`; they are
   * registered when the plugin module is imported and documented like the runtime's.
   */
  errors?: Readonly<Record<string, PluginErrorSpec>>;
  /** For `mcp-gateway routes`: the routing rules these options define, in match order. */
  routes?(options: z.output<Schema>): readonly RouteDescription[];
  /**
   * Tap hooks here. No I/O: connect in a `ready` tap, release in a `close` tap. A throw stops
   * startup; an Error with `optionPath` (e.g. `["rules", 2, "upstream"]`) is reported as an
   * invalid option at that path of the config.
   */
  setup(gateway: PluginApi, options: z.output<Schema>): void | Promise<void>;
}

export type GatewayPlugin<Schema extends z.ZodType = z.ZodType> = Readonly<PluginDefinition<Schema>> & {
  readonly [PLUGIN_BRAND]: true;
};

export function definePlugin<Schema extends z.ZodType = z.ZodType>(definition: PluginDefinition<Schema>): GatewayPlugin<Schema> {
  if (definition.errors) declareErrors(definition.name, definition.errors);
  return Object.freeze({ ...definition, [PLUGIN_BRAND]: true as const });
}

export function isGatewayPlugin(value: unknown): value is GatewayPlugin {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<symbol, unknown>)[PLUGIN_BRAND] === true &&
    typeof (value as { setup?: unknown }).setup === "function"
  );
}
