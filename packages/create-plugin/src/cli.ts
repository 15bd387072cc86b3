/**
 * `npm create @mcp-gateway/plugin <dir> [-- --name <name>] [--scope <@scope>]`: writes a plugin
 * package from the template into <dir> and says what to do next.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { scaffold, UsageError } from "./scaffold.js";

export const USAGE = `Usage: npm create @mcp-gateway/plugin <dir> [-- --name <name>] [--scope <@scope>]
       create-mcp-gateway-plugin <dir> [--name <name>] [--scope <@scope>]

Writes an mcp-gateway plugin package into <dir> (new, or empty) from the plugin template:
TypeScript sources, a unit test and the conformance suite, a README with an options table.

  <dir>            where to write it
  --name <name>    the plugin's name (lower-case letters, digits, "-"); default: <dir>'s name,
                   without a leading mcp-gateway-plugin-. May be scoped: @acme/my-plugin
  --scope <@scope> publish as @scope/mcp-gateway-plugin-<name> instead of mcp-gateway-plugin-<name>
  -h, --help       this text
`;

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
}

const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
};

/** Runs the command; resolves to the exit code. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let values: { name?: string; scope?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { name: { type: "string" }, scope: { type: "string" }, help: { type: "boolean", short: "h" } },
    }));
  } catch (err) {
    io.stderr(`${(err as Error).message}\n\n${USAGE}`);
    return 1;
  }
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    io.stderr(`${positionals.length ? "one directory, please" : "where should the plugin go? name a directory"}\n\n${USAGE}`);
    return 1;
  }
  const dir = path.resolve(io.cwd, positionals[0]!);
  try {
    const { names, files } = scaffold({ dir, ...(values.name === undefined ? {} : { name: values.name }), ...(values.scope === undefined ? {} : { scope: values.scope }) });
    const shown = path.relative(io.cwd, dir) || ".";
    io.stdout(`Created ${names.packageName} (plugin "${names.plugin}") in ${shown}: ${files.length} files.

Next:
  cd ${shown.includes(" ") ? JSON.stringify(shown) : shown}
  npm install      # @mcp-gateway/runtime (peer and devDependency), TypeScript, tsx
  npm run build    # dist/
  npm test         # unit tests and the conformance suite through a real gateway

Then make it yours: the logic in src/, its options in src/options.ts, the README's options table.
Try it in a gateway: npx mcp-gateway validate -c example.config.yml (after npm run build).
If npm install cannot find @mcp-gateway/runtime, install its tarball: see the README, "Develop".
`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`${err.message}\n\n${USAGE}`);
      return 1;
    }
    io.stderr(`create-mcp-gateway-plugin: ${(err as Error).message}\n`);
    return 2;
  }
}
