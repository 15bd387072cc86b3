import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import semver from "semver";
import { formatZodIssues } from "./config/load.js";
import type { PluginEntry } from "./config/schema.js";
import { StartupError } from "./errors.js";
import { isGatewayPlugin, PLUGIN_API_VERSION, type GatewayPlugin } from "./plugin.js";
import type { StageName } from "./stages.js";

/** A config entry, normalised. */
export interface PluginSpec {
  name: string;
  options: Record<string, unknown>;
  stage: StageName | number | undefined;
  /** Where the entry was declared, for messages: `plugins[2]` or the seed section `auth`. */
  declaredAt: string;
  /** Path prefix for option errors, e.g. `plugins[2].options` or `auth`. */
  optionsPath: readonly PropertyKey[];
  /** Drops a wrapper key from option error paths (the seed's `routing` list becomes `rules`). */
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

function resolveFrom(dirs: readonly string[], ids: readonly string[]): string | undefined {
  for (const dir of dirs) {
    const require = createRequire(path.join(dir, "__mcp_gateway_resolve__.js"));
    for (const id of ids) {
      try {
        return require.resolve(id);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw err;
      }
    }
  }
  return undefined;
}

/**
 * Resolves, imports and validates one plugin. Resolution starts at the config file's directory,
 * then falls back to the runtime's own install (so a global install finds the default plugins).
 */
export async function loadPlugin(spec: PluginSpec, configFile: string, configDir: string): Promise<LoadedPlugin> {
  const ids = candidateIds(spec.name);
  const label = `plugin "${spec.name}" declared in ${configFile} at ${spec.declaredAt}`;
  const runtimeDir = path.dirname(new URL(import.meta.url).pathname);
  let file: string | undefined;
  try {
    file = resolveFrom([configDir, runtimeDir], ids);
  } catch (err) {
    throw new StartupError("MCPGW_ERR_PLUGIN_NOT_FOUND", `${label}: ${(err as Error).message.split("\n")[0]}`, { cause: err });
  }
  if (!file) {
    throw new StartupError("MCPGW_ERR_PLUGIN_NOT_FOUND", `${label}: not found (tried ${ids.join(", ")} from ${configDir})`);
  }
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (err) {
    throw new StartupError("MCPGW_ERR_PLUGIN_INVALID", `${label}: failed to import ${file}: ${(err as Error).message.split("\n")[0]}`, {
      cause: err,
    });
  }
  const candidate = isGatewayPlugin(mod.default) ? mod.default : (mod.default as { default?: unknown } | undefined)?.default;
  if (!isGatewayPlugin(candidate)) {
    throw new StartupError("MCPGW_ERR_PLUGIN_INVALID", `${label}: ${file} has no default export made with definePlugin()`);
  }
  return validatePlugin(candidate, spec, configFile, file);
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
      throw new StartupError(
        "MCPGW_ERR_PLUGIN_OPTIONS",
        `${label}: ${formatZodIssues({ ...parsed.error, issues } as typeof parsed.error, spec.optionsPath)}`,
      );
    }
    options = parsed.data;
  }
  return { plugin, options, spec, from };
}
