import { readFileSync } from "node:fs";
import path from "node:path";
import { cosmiconfig } from "cosmiconfig";
import type { z } from "zod";
import { problemsError, StartupError } from "../errors.js";
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

/**
 * The config file as written, `${ENV}` placeholders unresolved: for commands that need only a
 * part of it (`health` needs the host and port, not the secrets).
 */
export async function readConfigFile(options: Omit<LoadConfigOptions, "env"> = {}): Promise<{ raw: unknown; filepath: string }> {
  const cwd = options.cwd ?? process.cwd();
  const explorer = cosmiconfig(MODULE, { searchPlaces: [...SEARCH_PLACES], searchStrategy: "none", cache: false });
  let result;
  try {
    result = options.file ? await explorer.load(path.resolve(cwd, options.file)) : await explorer.search(cwd);
  } catch (err) {
    const where = options.file ? path.resolve(cwd, options.file) : cwd;
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new StartupError("MCPGW_ERR_CONFIG_NOT_FOUND", `config ${where}: file not found`, { cause: err });
    throw syntaxError(err, (err as { filepath?: string }).filepath ?? where);
  }
  if (!result || result.isEmpty) {
    const where = options.file ? path.resolve(cwd, options.file) : `${cwd} (looked for ${SEARCH_PLACES.join(", ")})`;
    throw new StartupError("MCPGW_ERR_CONFIG_NOT_FOUND", `config ${where}: no config found`);
  }
  return { raw: result.config, filepath: result.filepath };
}

/** Reads, resolves `${ENV}` and validates a config file. Every failure names the file and the path. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const { raw, filepath } = await readConfigFile(options);
  const config = parseConfig(raw, filepath, options.env ?? process.env);
  return { config, filepath, dir: path.dirname(filepath) };
}

/**
 * A config file that does not parse: the parser's reason with the line and column, and the
 * offending line with a caret under the column, as TypeScript and ESLint show them.
 */
function syntaxError(err: unknown, filepath: string): StartupError {
  const error = err as Error & { mark?: { line: number; column: number }; reason?: string };
  let line: number | undefined;
  let column: number | undefined;
  let reason = error.message.split("\n")[0]!;
  if (error.name === "YAMLException" && error.mark) {
    [line, column, reason] = [error.mark.line + 1, error.mark.column + 1, error.reason ?? reason];
  } else if (error.name === "JSONError") {
    // parse-json's message wraps a code frame; ask JSON.parse itself for the reason and position.
    try {
      JSON.parse(readFileSync(filepath, "utf8"));
    } catch (native) {
      reason = (native as Error).message;
      const position = /at position (\d+)/.exec(reason)?.[1];
      if (position !== undefined) [line, column] = lineAndColumn(readFileSync(filepath, "utf8"), Number(position));
      reason = reason.replace(/ in JSON at position \d+.*$/s, "").replace(/ \(line \d+ column \d+\)$/, "");
    }
  } else {
    reason = reason.replace(/^(JSON|YAML) Error in [^:]*:\s*/, "");
  }
  const where = line === undefined ? filepath : `${filepath}:${line}:${column}`;
  const frame = line === undefined ? [] : codeFrame(filepath, line, column!);
  return new StartupError("MCPGW_ERR_CONFIG_INVALID", `config ${where}: ${reason}`, { cause: err, problems: [`config ${where}: ${reason}`, ...frame] });
}

function lineAndColumn(text: string, position: number): [number, number] {
  const before = text.slice(0, position);
  const line = before.split("\n").length;
  return [line, position - before.lastIndexOf("\n")];
}

/** `  2 |   bad: [` and a caret under the column. */
function codeFrame(filepath: string, line: number, column: number): string[] {
  let text: string;
  try {
    text = readFileSync(filepath, "utf8");
  } catch {
    return [];
  }
  const source = text.split(/\r?\n/)[line - 1];
  if (source === undefined) return [];
  const gutter = `${line} | `;
  return [`  ${gutter}${source}`, `  ${" ".repeat(gutter.length - 2)}| ${" ".repeat(Math.max(0, column - 1))}^`];
}

/** What a config that does not validate carries besides its problems: the object read, for checking its plugins too. */
export interface InvalidConfig {
  readonly raw: unknown;
  readonly filepath: string;
}

/**
 * Validates an already-read config object (used by `loadConfig` and by tests that build configs
 * in code). Every problem is reported at once, each with its path: a missing `${ENV}` variable
 * and the schema's issues alike.
 */
export function parseConfig(raw: unknown, filepath: string, env: Readonly<Record<string, string | undefined>>): GatewayConfig {
  const issues: PlaceholderIssue[] = [];
  const resolved = resolvePlaceholders(raw, env, issues);
  const lines = issues.map((issue) => `${formatPath(issue.path)}: environment variable ${issue.variable} is not set or empty`);
  const parsed = configSchema.safeParse(resolved);
  if (!parsed.success) {
    // A placeholder that resolved to "" is reported once, as the missing variable it is.
    const unset = new Set(issues.map((issue) => formatPath(issue.path)));
    lines.push(...formatZodIssues(parsed.error).filter((line) => !unset.has(line.slice(0, line.indexOf(": ")))));
  }
  if (lines.length) {
    throw Object.assign(problemsError("MCPGW_ERR_CONFIG_INVALID", `config ${filepath}`, lines.map((line) => `config ${filepath}: ${line}`)), { invalid: { raw: resolved, filepath } satisfies InvalidConfig });
  }
  return parsed.data!;
}

/** The config a StartupError from parseConfig was about, when it was readable. */
export function invalidConfigOf(err: unknown): InvalidConfig | undefined {
  return (err as { invalid?: InvalidConfig } | null)?.invalid;
}

/** One line per issue: `server.port: expected number, received string`. */
export function formatZodIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): string[] {
  return error.issues.flatMap((issue) =>
    // An unknown key is reported at its own path: `upstreams[0].timeout: unknown key`.
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => `${formatPath([...prefix, ...issue.path, key])}: unknown key`)
      : [`${formatPath([...prefix, ...issue.path])}: ${issue.message}`],
  );
}
