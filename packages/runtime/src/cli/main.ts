import { parseArgs } from "node:util";
import { isStartupError } from "../errors.js";
import type { Command, ParsedArgs } from "./command.js";
import { COMMANDS, runtimeVersion } from "./commands.js";
import { processIo, type Io } from "./output.js";

const pad = (text: string, width: number) => text + " ".repeat(Math.max(1, width - text.length));

function globalHelp(io: Io): string {
  const { bold } = io.color.out;
  const rows = COMMANDS.map((command) => [[command.name, ...(command.aliases ?? [])].join(", "), command.summary] as const);
  const width = Math.max(...rows.map(([names]) => names.length)) + 2;
  return `${bold("Usage:")} mcp-gateway <command> [options]

${bold("Commands:")}
${rows.map(([names, summary]) => `  ${pad(names, width)}${summary}`).join("\n")}

${bold("Options:")}
  -h, --help     Show help (also after a command: mcp-gateway validate --help)
  -v, --version  Show the version

Every command that reads a config takes -c FILE; without it the config is found in the working
directory. NO_COLOR turns colours off.`;
}

function commandHelp(command: Command, io: Io): string {
  const { bold } = io.color.out;
  const options = Object.entries(command.options).map(([name, option]) => {
    const flag = `${option.short ? `-${option.short}, ` : "    "}--${name}${option.type === "string" ? ` ${option.value ?? "VALUE"}` : ""}`;
    return [flag, option.description] as const;
  });
  options.push(["-h, --help", "Show this help"]);
  const width = Math.max(...options.map(([flag]) => flag.length)) + 2;
  const aliases = command.aliases?.length ? `\n${bold("Aliases:")} ${command.aliases.join(", ")}\n` : "";
  return `${bold("Usage:")} ${command.usage}

${command.description}
${aliases}
${bold("Options:")}
${options.map(([flag, description]) => `  ${pad(flag, width)}${description}`).join("\n")}

${bold("Examples:")}
${command.examples.map((example) => `  ${example}`).join("\n")}`;
}

/** parseArgs' own message for a bad option reads badly (`'-- "--bogus"`); say it plainly. */
function argumentError(err: Error & { code?: string }, command: Command | undefined): string {
  const where = command ? `mcp-gateway ${command.name}` : "mcp-gateway";
  const option = /option '([^']+)'/.exec(err.message)?.[1];
  const help = `see ${where} --help`;
  if (err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return `${where}: unknown option ${option ?? ""} (${help})`;
  if (err.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") return `${where}: option ${option ?? ""} needs a value (${help})`;
  if (err.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") return `${where}: unexpected argument (${help})`;
  return `${where}: ${err.message} (${help})`;
}

function findCommand(name: string | undefined): Command | undefined {
  return COMMANDS.find((command) => command.name === name || command.aliases?.includes(name ?? ""));
}

export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  // Past `--` everything is another program's (`serve -- npx -y server -v`): never ours to read.
  const end = argv.indexOf("--");
  const ours = end === -1 ? argv : argv.slice(0, end);
  // The command is the first word naming one (`mcp-gateway -c x.yml validate` works too).
  let at = ours.findIndex((arg) => findCommand(arg) !== undefined);
  if (at === -1) at = ours.findIndex((arg) => !arg.startsWith("-"));
  const first = at >= 0 ? ours[at] : undefined;
  const command = findCommand(first);
  if (ours.includes("--version") || ours.includes("-v")) {
    io.out(runtimeVersion());
    return 0;
  }
  if (!command) {
    const helpAsked = ours.includes("--help") || ours.includes("-h");
    if (first !== undefined) {
      io.err(`mcp-gateway: unknown command "${first}" (see mcp-gateway --help)`);
      return 2;
    }
    io.out(globalHelp(io));
    return helpAsked ? 0 : 2;
  }
  let parsed: ParsedArgs;
  try {
    const options = { ...command.options, help: { type: "boolean" as const, short: "h" } };
    const result = parseArgs({ args: argv.filter((_arg, index) => index !== at), options, allowPositionals: true, strict: true });
    parsed = { values: result.values, positionals: result.positionals };
  } catch (err) {
    io.err(argumentError(err as Error, command));
    return 2;
  }
  if (parsed.values.help) {
    io.out(commandHelp(command, io));
    return 0;
  }
  const max = command.positionals ? (command.positionals.max ?? Infinity) : 0;
  if (parsed.positionals.length > max) {
    io.err(`mcp-gateway ${command.name}: unexpected argument "${parsed.positionals[max]}" (see mcp-gateway ${command.name} --help)`);
    return 2;
  }
  try {
    return await command.run(parsed, io);
  } catch (err) {
    // One line, whatever failed: the reason, not a stack (the log has the details); a config with
    // several problems lists them under it, one per line, and a syntax error shows where.
    const message = isStartupError(err) ? err.message : err instanceof Error ? err.message : String(err);
    io.err(`${io.color.err.red("mcp-gateway:")} ${message.split("\n")[0]}`);
    if (isStartupError(err)) for (const problem of err.problems) if (problem !== message) io.err(problem.startsWith("  ") ? problem : `  ${problem}`);
    return 1;
  }
}
