import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { loadConfig, type LoadedConfig } from "./config/load.js";
import { isStartupError } from "./errors.js";
import { createGateway, type Gateway } from "./gateway.js";
import { HookMap } from "tapable";
import { keysOf, RUNTIME_TAP } from "./hooks.js";
import { ownedMethods } from "./mcp/methods.js";

const HELP = `Usage: mcp-gateway <command> [options]

Commands:
  start, run        Start the gateway
  validate          Check the config and every plugin's options; prints OK
  routes            Print upstreams and routing rules in order
  plugins           Print, per hook, the ordered taps with plugin name@version
  health            Ask a running gateway's /health; exit code 0 only when ok
  hash-key [KEY]    Print sha256:<hex> for an API key (reads stdin without KEY)

Options:
  -c, --config FILE  Config file (default: search mcp-gateway.config.*, .mcp-gatewayrc*, package.json)
  --url URL          With health: the /health URL (default: from config, else http://127.0.0.1:8080/health)
  -h, --help         Show this help
  -v, --version      Show the version
`;

interface Io {
  out(line: string): void;
  err(line: string): void;
}

const stdio: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/** Builds the gateway without opening ports or connecting stores: loads and validates everything. */
async function inspect(file: string | undefined): Promise<{ loaded: LoadedConfig; gateway: Gateway }> {
  const loaded = await loadConfig(file ? { file } : {});
  const config = { ...loaded.config, logging: { ...loaded.config.logging, level: "silent" as const } };
  const gateway = await createGateway({ config, configFile: loaded.filepath });
  return { loaded, gateway };
}

async function start(file: string | undefined, io: Io): Promise<number> {
  const loaded = await loadConfig(file ? { file } : {});
  const gateway = await createGateway({ config: loaded.config, configFile: loaded.filepath });
  gateway.log.info({ config: loaded.filepath }, "config loaded");
  try {
    await gateway.listen();
  } catch (err) {
    // Release what `ready` opened (a Redis connection) so the process can exit with the error.
    await gateway.close().catch(() => undefined);
    throw err;
  }
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      gateway.log.info({ signal }, "shutting down");
      const force = setTimeout(() => {
        io.err("mcp-gateway: shutdown took too long, exiting");
        resolve(1);
      }, gateway.config.server.shutdownTimeoutMs + 5_000);
      force.unref();
      gateway.close().then(
        () => resolve(0),
        (err: unknown) => {
          io.err(`mcp-gateway: shutdown failed: ${(err as Error).message}`);
          resolve(1);
        },
      );
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
    // Node's default for SIGHUP ends the process at once, resetting every call in flight.
    process.on("SIGHUP", () => gateway.log.warn({ signal: "SIGHUP" }, "SIGHUP received: configuration reload is not supported yet; the gateway keeps serving"));
  });
}

function printRoutes(gateway: Gateway, io: Io): void {
  io.out("Upstreams:");
  for (const upstream of gateway.config.upstreams) io.out(`  ${upstream.name}  ${upstream.url}  (timeout ${upstream.timeoutMs} ms)`);
  io.out("Rules (first match wins):");
  let index = 0;
  for (const { plugin, options } of gateway.plugins) {
    for (const rule of plugin.routes?.(options as never) ?? []) {
      const match = Object.entries(rule.match)
        .map(([key, value]) => `${key}=${value}`)
        .join(" ");
      io.out(`  ${++index}. ${match} -> ${rule.upstream}`);
    }
  }
  const federation = gateway.federation?.config;
  if (!federation || gateway.federation?.automatic) io.out(`  fallback -> ${gateway.config.upstreams[0]!.name}`);
  if (!federation) return;
  const federated = federation.upstreams ?? gateway.config.upstreams.map((upstream) => upstream.name);
  if (gateway.federation?.automatic) {
    io.out(`Federation (automatic, the rules reach several upstreams): ${federated.join(", ")} share one client session; lists merged`);
    io.out("  sessions are sealed with a key generated at start: set federation.sessionKeys to keep them across restarts and replicas");
    return;
  }
  // Under federation a catch-all rule does not claim a named call; its owner does (docs/federation.md).
  io.out(`  ${ownedMethods().join(", ")} -> the upstream that lists the name`);
  io.out(`  fallback -> ${federated[0]!}`);
  const prefixes = gateway.config.upstreams.filter((upstream) => upstream.prefix && federated.includes(upstream.name));
  io.out(`Federation: ${federated.join(", ")} as one server; lists merged, collisions: ${federation.collisions}`);
  for (const upstream of prefixes) io.out(`  ${upstream.name} listed as ${upstream.prefix}${federation.separator}<name>`);
}

function printPlugins(gateway: Gateway, io: Io): void {
  const versions = new Map(gateway.plugins.map(({ plugin }) => [plugin.name, plugin.version]));
  versions.set(RUNTIME_TAP, version());
  const label = (name: string) => `${name}@${versions.get(name) ?? "?"}`;
  const taps = (hook: { taps: readonly { name: string; stage?: number }[] }) => hook.taps.map((tap) => `${label(tap.name)}${tap.stage ? ` (stage ${tap.stage})` : ""}`).join(", ");
  const keyed: string[] = [];
  for (const [name, hook] of Object.entries(gateway.hooks)) {
    if (!(hook instanceof HookMap)) {
      io.out(`${name}: ${taps(hook) || "(none)"}`);
      continue;
    }
    for (const key of keysOf(hook)) keyed.push(`${name}[${key}]: ${(hook.for(key) as { taps: { name: string }[] }).taps.map((tap) => label(tap.name)).join(", ")}`);
  }
  for (const line of keyed) io.out(line);
}

async function health(file: string | undefined, url: string | undefined, io: Io): Promise<number> {
  let target = url;
  if (!target) {
    try {
      const { config } = await loadConfig(file ? { file } : {});
      const host = ["0.0.0.0", "::", ""].includes(config.server.host) ? "127.0.0.1" : config.server.host;
      target = `http://${host.includes(":") ? `[${host}]` : host}:${config.server.port}/health`;
    } catch (err) {
      if (file) throw err;
      target = "http://127.0.0.1:8080/health";
    }
  }
  try {
    const response = await fetch(target, { signal: AbortSignal.timeout(5_000) });
    io.out(await response.text());
    return response.status === 200 ? 0 : 1;
  } catch (err) {
    io.err(`mcp-gateway: health check of ${target} failed: ${(err as Error).message}`);
    return 1;
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}

export async function main(argv: readonly string[], io: Io = stdio): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        config: { type: "string", short: "c" },
        url: { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "v" },
      },
    });
  } catch (err) {
    io.err(`mcp-gateway: ${(err as Error).message}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.version) {
    io.out(version());
    return 0;
  }
  if (values.help || !command) {
    io.out(HELP);
    return values.help ? 0 : 2;
  }
  try {
    switch (command) {
      case "start":
      case "run":
        return await start(values.config, io);
      case "validate": {
        const { gateway } = await inspect(values.config);
        await gateway.close();
        io.out("OK");
        return 0;
      }
      case "routes":
      case "plugins": {
        const { gateway } = await inspect(values.config);
        (command === "routes" ? printRoutes : printPlugins)(gateway, io);
        await gateway.close();
        return 0;
      }
      case "health":
        return await health(values.config, values.url, io);
      case "hash-key": {
        const key = rest[0] ?? (await readStdin());
        if (!key) {
          io.err("mcp-gateway: hash-key needs a key (argument or stdin)");
          return 2;
        }
        io.out(`sha256:${createHash("sha256").update(key).digest("hex")}`);
        return 0;
      }
      default:
        io.err(`mcp-gateway: unknown command "${command}" (see mcp-gateway --help)`);
        return 2;
    }
  } catch (err) {
    // One line, whatever failed: the reason, not a stack (the log has the details).
    const message = isStartupError(err) ? err.message : err instanceof Error ? err.message : String(err);
    io.err(`mcp-gateway: ${message.split("\n")[0]}`);
    return 1;
  }
}
