import type { Command } from "./command.js";

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

const GLOBAL = ["--help", "--version"];

const names = (command: Command) => [command.name, ...(command.aliases ?? [])];
const flags = (command: Command) => [...Object.entries(command.options).flatMap(([name, option]) => [`--${name}`, ...(option.short ? [`-${option.short}`] : [])]), "--help"];
/** Options that take a file path as their value. */
const fileFlags = (commands: readonly Command[]) => [...new Set(commands.flatMap((command) => Object.entries(command.options).filter(([, option]) => option.complete === "file").flatMap(([name, option]) => [`--${name}`, ...(option.short ? [`-${option.short}`] : [])])))];
const quote = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;

function bash(commands: readonly Command[]): string {
  const cases = commands
    .map((command) => {
      const words = [...flags(command), ...(command.positionals?.complete ?? [])];
      return `    ${names(command).join("|")}) words=${quote(words.join(" "))} ;;`;
    })
    .join("\n");
  return `# mcp-gateway completion for bash: eval "$(mcp-gateway completion bash)"
_mcp_gateway() {
  local current=\${COMP_WORDS[COMP_CWORD]} previous=\${COMP_WORDS[COMP_CWORD-1]} command=\${COMP_WORDS[1]} words
  case "$previous" in
    ${fileFlags(commands).join("|")}) COMPREPLY=($(compgen -f -- "$current")); return ;;
  esac
  if [ "$COMP_CWORD" -eq 1 ]; then
    words=${quote([...commands.flatMap(names), ...GLOBAL].join(" "))}
  else
    case "$command" in
${cases}
      *) words="" ;;
    esac
  fi
  COMPREPLY=($(compgen -W "$words" -- "$current"))
}
complete -F _mcp_gateway mcp-gateway
`;
}

function zsh(commands: readonly Command[]): string {
  const described = commands.flatMap((command) => names(command).map((name) => quote(`${name}:${command.summary.replace(/:/g, "\\:")}`))).join(" ");
  const cases = commands
    .map((command) => {
      const specs = Object.entries(command.options).map(([name, option]) => {
        const action = option.type === "boolean" ? "" : option.complete === "file" ? ":file:_files" : `:${option.value ?? "value"}:`;
        const spec = `--${name}[${option.description.replace(/[[\]:]/g, " ")}]${action}`;
        return option.short ? `{-${option.short},--${name}}${quote(spec.slice(`--${name}`.length))}` : quote(spec);
      });
      const positional = command.positionals?.complete ? [quote(`*:${command.positionals.name}:(${command.positionals.complete.join(" ")})`)] : [];
      return `    ${names(command).join("|")}) _arguments ${[...specs, ...positional, quote("--help[show help]")].join(" ")} ;;`;
    })
    .join("\n");
  return `#compdef mcp-gateway
# mcp-gateway completion for zsh: mcp-gateway completion zsh > "\${fpath[1]}/_mcp-gateway"
_mcp_gateway() {
  if (( CURRENT == 2 )); then
    local -a commands=(${described})
    _describe command commands
    return
  fi
  case $words[2] in
${cases}
  esac
}
_mcp_gateway "$@"
`;
}

function fish(commands: readonly Command[]): string {
  const lines = ["# mcp-gateway completion for fish: mcp-gateway completion fish > ~/.config/fish/completions/mcp-gateway.fish", "complete -c mcp-gateway -f"];
  for (const command of commands) {
    for (const name of names(command)) lines.push(`complete -c mcp-gateway -n __fish_use_subcommand -a ${name} -d ${quote(command.summary)}`);
    const when = `"__fish_seen_subcommand_from ${names(command).join(" ")}"`;
    for (const [name, option] of Object.entries(command.options)) {
      const takes = option.type === "string" ? (option.complete === "file" ? " -r -F" : " -r") : "";
      lines.push(`complete -c mcp-gateway -n ${when} -l ${name}${option.short ? ` -s ${option.short}` : ""}${takes} -d ${quote(option.description)}`);
    }
    if (command.positionals?.complete) lines.push(`complete -c mcp-gateway -n ${when} -a ${quote(command.positionals.complete.join(" "))}`);
  }
  return `${lines.join("\n")}\n`;
}

/** The completion script for a shell, made from the command registry. */
export function completionScript(shell: Shell, commands: readonly Command[]): string {
  return shell === "bash" ? bash(commands) : shell === "zsh" ? zsh(commands) : fish(commands);
}
