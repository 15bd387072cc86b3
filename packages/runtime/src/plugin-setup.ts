import path from "node:path";
import type { Logger } from "pino";
import { formatPath } from "./config/format-path.js";
import { pluginEntrySchema, type GatewayConfig } from "./config/schema.js";
import { isSectionedConfig, sectionedPlugins } from "./config/sectioned.js";
import { problemsError, StartupError } from "./errors.js";
import type { GatewayHooks } from "./hooks.js";
import type { GatewayPlugin, PluginApi } from "./plugin.js";
import { checkBeforeTargets, createPluginHooks, type PluginHostOptions, type TapRecord } from "./plugin-host.js";
import { PluginRoutes } from "./plugin-routes.js";
import { loadPlugins, normaliseEntry, validatePlugin, type LoadedPlugin, type PluginSpec } from "./plugin-loader.js";
import type { StageName } from "./stages.js";
import type { Upstream } from "./upstream/upstream.js";
import { noopPluginMetrics, type GatewayMetrics } from "./observability/metrics.js";

/** A plugin handed over in code (tests, embedding) rather than named in config. */
export interface InlinePlugin {
  plugin: GatewayPlugin;
  options?: Record<string, unknown>;
  stage?: StageName | number;
}

export interface PluginSetupOptions {
  config: GatewayConfig;
  /** The config file, for messages and plugin resolution. */
  configFile: string | undefined;
  /** Appended after the config's plugins. */
  inline: readonly InlinePlugin[];
  env: Readonly<Record<string, string | undefined>>;
  log: Logger;
  hooks: GatewayHooks;
  upstreams: readonly Upstream[];
  host: PluginHostOptions;
  /** The gateway's metrics, when an admin listener serves them. */
  metrics: GatewayMetrics | undefined;
  /** Each plugin's `keep`: values that outlive this config (see KeptState). */
  keep(plugin: string): PluginApi["keep"];
}

/** The config's plugin entries: its `plugins` list, or the five default plugins a sectioned config names. */
export function pluginSpecs(config: GatewayConfig): PluginSpec[] {
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

/**
 * Loads every plugin (config entries, then inline ones) and runs their `setup`, which taps hooks
 * and declares HTTP routes. No I/O yet: `ready` taps connect.
 */
export async function setupPlugins(options: PluginSetupOptions): Promise<{ plugins: LoadedPlugin[]; routes: PluginRoutes }> {
  const configFile = options.configFile ?? "(inline config)";
  const configDir = options.configFile ? path.dirname(options.configFile) : process.cwd();
  const { config, log, hooks, host } = options;
  const { loaded, problems, first: firstOfConfig } = await loadPlugins(pluginSpecs(config), configFile, configDir, log);
  let first = firstOfConfig;
  options.inline.forEach((inline, index) => {
    const spec: PluginSpec = { name: inline.plugin.name, options: inline.options ?? {}, stage: inline.stage, declaredAt: `inline plugins[${index}]`, optionsPath: [] };
    try {
      loaded.push(validatePlugin(inline.plugin, spec, configFile));
    } catch (err) {
      if (!(err instanceof StartupError)) throw err;
      first ??= err;
      problems.push(...err.problems);
    }
  });
  if (problems.length) {
    // One plugin's problems read best under its own name; several plugins' under the config's.
    if (first && first.problems.length === problems.length) throw first;
    throw problemsError(first?.code ?? "MCPGW_ERR_PLUGIN_OPTIONS", `the plugins of ${configFile}`, problems);
  }
  const records: TapRecord[] = [];
  const routes = new PluginRoutes({ endpointPath: config.server.path });
  const infos = options.upstreams.map((upstream) => upstream.info);
  for (const { plugin, options: pluginOptions, spec } of loaded) {
    const label = `plugin "${plugin.name}" declared in ${configFile} at ${spec.declaredAt}`;
    try {
      await plugin.setup(
        {
          name: plugin.name,
          hooks: createPluginHooks(hooks, plugin.name, spec.stage, records, host),
          http: routes.forPlugin(plugin.name),
          endpoint: Object.freeze({ path: config.server.path }),
          log: log.child({ plugin: plugin.name }),
          metrics: options.metrics?.forPlugin(plugin.name) ?? noopPluginMetrics(),
          keep: options.keep(plugin.name),
          upstreams: infos,
          configDir,
          env: options.env,
        },
        pluginOptions as never,
      );
    } catch (err) {
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
  return { plugins: loaded, routes };
}

/**
 * The problems of the plugins a config names, for a config that failed its own schema: every
 * well-formed plugin entry (or section) is still loaded and its options checked, so `validate`
 * reports the config's problems and its plugins' in one pass.
 */
export async function pluginProblems(raw: unknown, configFile: string): Promise<string[]> {
  if (typeof raw !== "object" || raw === null) return [];
  const config = raw as GatewayConfig;
  // A section of the wrong shape is already a config problem; only well-formed ones are loaded.
  const sections = Object.fromEntries(
    (["auth", "policy", "rateLimit", "audit", "routing"] as const).flatMap((key) => {
      const value: unknown = config[key];
      const wellFormed = key === "routing" ? Array.isArray(value) : typeof value === "object" && value !== null && !Array.isArray(value);
      return wellFormed ? [[key, value]] : [];
    }),
  );
  const specs = Array.isArray(config.plugins)
    ? config.plugins.flatMap((entry, index) => (pluginEntrySchema.safeParse(entry).success ? [normaliseEntry(entry, index)] : []))
    : pluginSpecs(sections as GatewayConfig);
  const { problems } = await loadPlugins(specs, configFile, path.dirname(configFile));
  return problems;
}
