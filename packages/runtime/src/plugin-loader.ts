import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Logger } from "pino";
import semver from "semver";
import { formatZodIssues } from "./config/load.js";
import type { PluginEntry } from "./config/schema.js";
import { problemsError, StartupError } from "./errors.js";
import { isGatewayPlugin, PLUGIN_API_VERSION, type GatewayPlugin } from "./plugin.js";
import type { StageName } from "./stages.js";

/** A config entry, normalised. */
export interface PluginSpec {
  name: string;
  options: Record<string, unknown>;
  stage: StageName | number | undefined;
  /** Where the entry was declared, for messages: `plugins[2]` or the section `auth`. */
  declaredAt: string;
  /** Path prefix for option errors, e.g. `plugins[2].options` or `auth`. */
  optionsPath: readonly PropertyKey[];
  /** Drops a wrapper key from option error paths (the sectioned format's `routing` list becomes `rules`). */
  unwrap?: string;
}

export interface LoadedPlugin {
  plugin: GatewayPlugin;
  options: unknown;
  spec: PluginSpec;
  /** Resolved module file, or "(inline)". */
  from: string;
}

export function normaliseEntry(entry: PluginEntry, index: number): PluginSpec {
  const declaredAt = `plugins[${index}]`;
  if (typeof entry === "string") return { name: entry, options: {}, stage: undefined, declaredAt, optionsPath: [`plugins`, index] };
  if (Array.isArray(entry)) return { name: entry[0], options: entry[1], stage: undefined, declaredAt, optionsPath: ["plugins", index, 1] };
  return { name: entry.name, options: entry.options ?? {}, stage: entry.stage, declaredAt, optionsPath: ["plugins", index, "options"] };
}

/**
 * Module ids to try for a plugin name, ESLint/Babel style:
 * `foo` → `@mcp-gateway/plugin-foo`, `mcp-gateway-plugin-foo`, `foo`;
 * `@scope/foo` → `@scope/mcp-gateway-plugin-foo`, `@scope/foo`; paths as they are.
 */
export function candidateIds(name: string): string[] {
  if (name.startsWith(".") || path.isAbsolute(name)) return [name];
  if (name.startsWith("@mcp-gateway/") || name.startsWith("mcp-gateway-plugin-") || /^@[^/]+\/mcp-gateway-plugin-/.test(name)) return [name];
  if (name.startsWith("@")) {
    const [scope, rest] = name.split("/", 2);
    if (!rest) return [`${scope}/mcp-gateway-plugin`];
    return [`${scope}/mcp-gateway-plugin-${rest}`, name];
  }
  return [`@mcp-gateway/plugin-${name}`, `mcp-gateway-plugin-${name}`, name];
}

/** An `exports` target for the ESM conditions, as `import` would pick it. */
function esmTarget(exports: unknown): string | undefined {
  if (typeof exports === "string") return exports;
  if (typeof exports !== "object" || exports === null) return undefined;
  const entry = "." in exports ? (exports as Record<string, unknown>)["."] : exports;
  if (typeof entry === "string") return entry;
  if (typeof entry !== "object" || entry === null) return undefined;
  for (const condition of ["node", "import", "default"]) {
    const target = esmTarget((entry as Record<string, unknown>)[condition]);
    if (target) return target;
  }
  return undefined;
}

/**
 * require.resolve knows only the `require`/`default` conditions; a package that exports for
 * `import` alone is found by reading its package.json from the node_modules folders above `dir`.
 */
function resolveEsmOnly(dir: string, id: string): string | undefined {
  for (let current = dir; ; current = path.dirname(current)) {
    const packageDir = path.join(current, "node_modules", id);
    try {
      const manifest = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")) as { exports?: unknown };
      const target = esmTarget(manifest.exports);
      if (target) return path.join(packageDir, target);
    } catch {
      // not installed at this level
    }
    if (path.dirname(current) === current) return undefined;
  }
}

/** Resolves one module id from one directory, or undefined when it is not installed there. */
function resolveIn(dir: string, id: string): string | undefined {
  const require = createRequire(path.join(dir, "__mcp_gateway_resolve__.js"));
  try {
    return require.resolve(id);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ERR_PACKAGE_PATH_NOT_EXPORTED") return resolveEsmOnly(dir, id);
    if (code === "MODULE_NOT_FOUND") return undefined;
    throw err;
  }
}

/** The definePlugin export of a module: its default, or the default of a CommonJS-wrapped default. */
function pluginExport(mod: { default?: unknown }): GatewayPlugin | undefined {
  if (isGatewayPlugin(mod.default)) return mod.default;
  const inner = (mod.default as { default?: unknown } | undefined)?.default;
  return isGatewayPlugin(inner) ? inner : undefined;
}

/**
 * Resolves, imports and validates one plugin. Each candidate id, most specific first, is looked
 * up from the config file's directory and then from the runtime's own install (so a global
 * install finds the default plugins) before the next id is tried: `@mcp-gateway/plugin-router`
 * installed with the runtime wins over an unrelated `router` package next to the config. A
 * module that is found but is not a plugin is skipped while other candidates remain.
 */
export async function loadPlugin(spec: PluginSpec, configFile: string, configDir: string, log?: Pick<Logger, "debug">): Promise<LoadedPlugin> {
  const ids = candidateIds(spec.name);
  const label = `plugin "${spec.name}" declared in ${configFile} at ${spec.declaredAt}`;
  const runtimeDir = path.dirname(new URL(import.meta.url).pathname);
  const notPlugins: string[] = [];
  for (const id of ids) {
    for (const dir of [configDir, runtimeDir]) {
      let file: string | undefined;
      try {
        file = resolveIn(dir, id);
      } catch (err) {
        throw new StartupError("MCPGW_ERR_PLUGIN_NOT_FOUND", `${label}: ${(err as Error).message.split("\n")[0]}`, { cause: err });
      }
      if (!file || notPlugins.includes(file)) continue;
      let mod: { default?: unknown };
      try {
        mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
      } catch (err) {
        throw new StartupError("MCPGW_ERR_PLUGIN_INVALID", `${label}: failed to import ${file}: ${(err as Error).message.split("\n")[0]}`, {
          cause: err,
        });
      }
      const plugin = pluginExport(mod);
      if (plugin) return validatePlugin(plugin, spec, configFile, file);
      notPlugins.push(file);
      log?.debug({ plugin: spec.name, candidate: id, file }, "module is not a gateway plugin; trying the next candidate");
    }
  }
  if (notPlugins.length) {
    throw new StartupError("MCPGW_ERR_PLUGIN_INVALID", `${label}: ${notPlugins.join(", ")} has no default export made with definePlugin() (tried ${ids.join(", ")})`);
  }
  throw new StartupError("MCPGW_ERR_PLUGIN_NOT_FOUND", `${label}: not found (tried ${ids.join(", ")} from ${configDir})`);
}

/** Checks the API range and the options of a plugin that is already in hand. */
export function validatePlugin(plugin: GatewayPlugin, spec: PluginSpec, configFile: string, from = "(inline)"): LoadedPlugin {
  const label = `plugin "${plugin.name}" declared in ${configFile} at ${spec.declaredAt}`;
  if (!semver.validRange(plugin.api) || !semver.satisfies(PLUGIN_API_VERSION, plugin.api)) {
    throw new StartupError(
      "MCPGW_ERR_PLUGIN_API",
      `${label}: built for plugin API "${plugin.api}", this runtime implements ${PLUGIN_API_VERSION}`,
    );
  }
  let options: unknown = spec.options;
  if (plugin.options) {
    const parsed = plugin.options.safeParse(spec.options);
    if (!parsed.success) {
      const issues = spec.unwrap
        ? parsed.error.issues.map((issue) => (issue.path[0] === spec.unwrap ? { ...issue, path: issue.path.slice(1) } : issue))
        : parsed.error.issues;
      const lines = formatZodIssues({ ...parsed.error, issues } as typeof parsed.error, spec.optionsPath);
      throw problemsError("MCPGW_ERR_PLUGIN_OPTIONS", label, lines.map((line) => `${label}: ${line}`));
    }
    options = parsed.data;
  }
  return { plugin, options, spec, from };
}

/**
 * Loads and validates every plugin of a config, going on past a failing one, so a config's
 * problems come out in one pass: what loaded, and every problem line of what did not.
 */
export async function loadPlugins(specs: readonly PluginSpec[], configFile: string, configDir: string, log?: Pick<Logger, "debug">): Promise<{ loaded: LoadedPlugin[]; problems: string[]; first: StartupError | undefined }> {
  const loaded: LoadedPlugin[] = [];
  const problems: string[] = [];
  let first: StartupError | undefined;
  for (const spec of specs) {
    try {
      loaded.push(await loadPlugin(spec, configFile, configDir, log));
    } catch (err) {
      if (!(err instanceof StartupError)) throw err;
      first ??= err;
      problems.push(...err.problems);
    }
  }
  return { loaded, problems, first };
}
