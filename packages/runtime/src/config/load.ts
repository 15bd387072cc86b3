import path from "node:path";
import { cosmiconfig } from "cosmiconfig";
import type { z } from "zod";
import { StartupError } from "../errors.js";
import { resolvePlaceholders, type PlaceholderIssue } from "./env.js";
import { formatPath } from "./format-path.js";
import { configSchema, type GatewayConfig } from "./schema.js";

const MODULE = "mcp-gateway";

/** Pinned, in order: a gateway's config is security-relevant, so no walking up the tree. */
export const SEARCH_PLACES = Object.freeze([
  "package.json",
  `.${MODULE}rc`,
  `.${MODULE}rc.json`,
  `.${MODULE}rc.yaml`,
  `.${MODULE}rc.yml`,
  `.${MODULE}rc.js`,
  `.${MODULE}rc.mjs`,
  `${MODULE}.config.json`,
  `${MODULE}.config.yaml`,
  `${MODULE}.config.yml`,
  `${MODULE}.config.js`,
  `${MODULE}.config.mjs`,
  `${MODULE}.config.ts`,
]);

export interface LoadedConfig {
  config: GatewayConfig;
  /** Absolute path of the file that was read. */
  filepath: string;
  /** Directory plugins and relative paths resolve from. */
  dir: string;
}

export interface LoadConfigOptions {
  /** `-c FILE`; without it, the search places in `cwd`. */
  file?: string;
  cwd?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

/** Reads, resolves `${ENV}` and validates a config file. Every failure names the file and the path. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const cwd = options.cwd ?? process.cwd();
  const explorer = cosmiconfig(MODULE, { searchPlaces: [...SEARCH_PLACES], searchStrategy: "none", cache: false });
  let result;
  try {
    result = options.file ? await explorer.load(path.resolve(cwd, options.file)) : await explorer.search(cwd);
  } catch (err) {
    const where = options.file ? path.resolve(cwd, options.file) : cwd;
    const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (err as Error).message.split("\n")[0];
    throw new StartupError(
      (err as NodeJS.ErrnoException).code === "ENOENT" ? "MCPGW_ERR_CONFIG_NOT_FOUND" : "MCPGW_ERR_CONFIG_INVALID",
      `config ${where}: ${reason}`,
      { cause: err },
    );
  }
  if (!result || result.isEmpty) {
    const where = options.file ? path.resolve(cwd, options.file) : `${cwd} (looked for ${SEARCH_PLACES.join(", ")})`;
    throw new StartupError("MCPGW_ERR_CONFIG_NOT_FOUND", `config ${where}: no config found`);
  }
  const config = parseConfig(result.config, result.filepath, options.env ?? process.env);
  return { config, filepath: result.filepath, dir: path.dirname(result.filepath) };
}

/** Validates an already-read config object (used by `loadConfig` and by tests that build configs in code). */
export function parseConfig(raw: unknown, filepath: string, env: Readonly<Record<string, string | undefined>>): GatewayConfig {
  const issues: PlaceholderIssue[] = [];
  const resolved = resolvePlaceholders(raw, env, issues);
  if (issues.length) {
    const lines = issues.map((issue) => `${formatPath(issue.path)}: environment variable ${issue.variable} is not set or empty`);
    throw new StartupError("MCPGW_ERR_CONFIG_INVALID", `config ${filepath}: ${lines.join("; ")}`);
  }
  const parsed = configSchema.safeParse(resolved);
  if (!parsed.success) {
    throw new StartupError("MCPGW_ERR_CONFIG_INVALID", `config ${filepath}: ${formatZodIssues(parsed.error)}`);
  }
  return parsed.data;
}

/** One line per issue, joined: `server.port: expected number, received string`. */
export function formatZodIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): string {
  return error.issues
    .flatMap((issue) =>
      // An unknown key is reported at its own path: `upstreams[0].timeout: unknown key`.
      issue.code === "unrecognized_keys"
        ? issue.keys.map((key) => `${formatPath([...prefix, ...issue.path, key])}: unknown key`)
        : [`${formatPath([...prefix, ...issue.path])}: ${issue.message}`],
    )
    .join("; ");
}
