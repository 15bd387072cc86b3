import type { Io } from "./output.js";

/** One option of a command, as node's parseArgs takes it, with what help and completion say. */
export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  description: string;
  /** The value's name in help (`FILE`, `URL`). */
  value?: string;
  /** Completion: the values a shell may offer, or "file" for a path. */
  complete?: readonly string[] | "file";
}

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * A CLI command, declared once: the dispatcher, `mcp-gateway <command> --help`, the global help
 * and the shell completions are all made from these.
 */
export interface Command {
  name: string;
  aliases?: readonly string[];
  /** One line for the global help. */
  summary: string;
  /** `mcp-gateway validate [-c FILE]`. */
  usage: string;
  /** What the command does, in a few lines. */
  description: string;
  options: Readonly<Record<string, OptionSpec>>;
  /** How many positionals it takes: none, one, or any number. */
  positionals?: { name: string; description: string; max?: number; complete?: readonly string[] };
  examples: readonly string[];
  run(args: ParsedArgs, io: Io): Promise<number>;
}

export const CONFIG_OPTION: OptionSpec = {
  type: "string",
  short: "c",
  value: "FILE",
  description: "Config file (default: the first of mcp-gateway.config.{json,yaml,yml,js,mjs,ts}, .mcp-gatewayrc*, the mcp-gateway key of package.json in the working directory)",
  complete: "file",
};
