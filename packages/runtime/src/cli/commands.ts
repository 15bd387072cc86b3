import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { GatewayConfig } from "../config/schema.js";
import { watchConfigFile } from "../config/watch.js";
import { invalidConfigOf, loadConfig, parseConfig, readConfigFile, type LoadedConfig } from "../config/load.js";
import { isStartupError, problemsError, StartupError } from "../errors.js";
import { createGateway, type Gateway } from "../gateway.js";
import { describeHooks, describeRules, type TapView } from "../describe.js";
import { ownedMethods } from "../mcp/methods.js";
import { pluginProblems } from "../plugin-setup.js";
import { CONFIG_OPTION, type Command, type ParsedArgs } from "./command.js";
import { completionScript, SHELLS, type Shell } from "./completion.js";
import type { Io } from "./output.js";
import { status } from "./status.js";

export function runtimeVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/**
 * The config, with every problem of a config that does not validate reported in one pass: its
 * own schema's and those of the plugins it names.
 */
async function loadChecked(file: string | undefined): Promise<LoadedConfig> {
  try {
    return await loadConfig(file ? { file } : {});
  } catch (err) {
    const invalid = invalidConfigOf(err);
    if (!invalid || !isStartupError(err)) throw err;
    const more = await pluginProblems(invalid.raw, invalid.filepath).catch(() => []);
    if (!more.length) throw err;
    throw problemsError(err.code, `config ${invalid.filepath}`, [...err.problems, ...more]);
  }
}

/** Builds the gateway without opening ports or connecting stores: loads and validates everything. */
async function inspect(file: string | undefined): Promise<Gateway> {
  const loaded = await loadChecked(file);
  const config = { ...loaded.config, logging: { ...loaded.config.logging, level: "silent" as const } };
  return createGateway({ config, configFile: loaded.filepath });
}

const configFile = (values: Record<string, string | boolean | undefined>) => values.config as string | undefined;

function portOption(value: string | undefined, flag = "--port"): number | undefined {
  const port = value === undefined ? undefined : Number(value);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) throw new StartupError("MCPGW_ERR_CONFIG_INVALID", `${flag}: "${value}" is not a port (0-65535)`);
  return port;
}

interface StartOptions {
  host?: string;
  port?: string;
  adminPort?: string;
  /** Reload when the config file changes. */
  watch?: boolean;
}

async function start(file: string | undefined, listen: StartOptions, io: Io): Promise<number> {
  const loaded = await loadChecked(file);
  const port = portOption(listen.port);
  const adminPort = portOption(listen.adminPort, "--admin-port");
  // The flags win over the file, at start and at every reload.
  const withFlags = (config: GatewayConfig): GatewayConfig => {
    const server = { ...config.server, ...(listen.host ? { host: listen.host } : {}), ...(port === undefined ? {} : { port }) };
    const admin = adminPort === undefined ? config.admin : { host: "127.0.0.1", ...config.admin, port: adminPort };
    if (adminPort !== undefined && adminPort !== 0 && adminPort === server.port) throw new StartupError("MCPGW_ERR_CONFIG_INVALID", "--admin-port: the admin listener needs a port of its own, not the public one");
    return { ...config, server, ...(admin ? { admin } : {}) };
  };
  const gateway = await createGateway({
    config: withFlags(loaded.config),
    configFile: loaded.filepath,
    readConfig: async () => withFlags((await loadChecked(loaded.filepath)).config),
  });
  gateway.log.info({ config: loaded.filepath }, "config loaded");
  let unwatch: (() => void) | undefined;
  if (listen.watch) {
    unwatch = await watchConfigFile(loaded.filepath, () => void gateway.reload());
    gateway.log.info({ config: loaded.filepath }, "watching the config file: a change reloads it");
  }
  try {
    return await serveUntilSignal(gateway, io);
  } finally {
    unwatch?.();
  }
}

/**
 * `serve -- CMD ARGS…`: the gateway in front of one stdio server, with no config file. What
 * supergateway and mcp-proxy do, with the gateway's limits, and API-key auth when a key is given.
 */
async function serveStdio(values: ParsedArgs["values"], positionals: readonly string[], io: Io): Promise<number> {
  const [command, ...args] = positionals;
  if (command === undefined) {
    io.err("mcp-gateway serve: give the stdio server's command after --, e.g. mcp-gateway serve -- npx -y @modelcontextprotocol/server-everything");
    return 2;
  }
  const apiKey = (values["api-key"] as string | undefined) ?? process.env.MCP_GATEWAY_API_KEY;
  const raw = {
    server: { host: (values.host as string | undefined) ?? "127.0.0.1", port: portOption(values.port as string | undefined) ?? 8080 },
    upstreams: [{ name: path.basename(command) || "stdio", type: "stdio", command, args, mode: values.shared ? "shared" : "per-session" }],
    plugins: apiKey ? [{ name: "auth-apikey", options: { apiKeys: [{ id: "serve", key: apiKey, tenant: "default", client: "serve" }] } }] : [],
  };
  const configFile = path.join(process.cwd(), "(mcp-gateway serve)");
  const gateway = await createGateway({ config: parseConfig(raw, configFile, {}), configFile });
  const url = await listenOrClose(gateway);
  const endpoint = `${url}${gateway.config.server.path}`;
  io.out(`mcp-gateway: serving ${[command, ...args].join(" ")} at ${endpoint}`);
  if (!apiKey) io.err(io.color.err.yellow(`mcp-gateway: warning: serving without auth: anyone who can reach ${url} can use this server (give --api-key or MCP_GATEWAY_API_KEY)`));
  return serveUntilSignal(gateway, io, false);
}

async function listenOrClose(gateway: Gateway): Promise<string> {
  try {
    return await gateway.listen();
  } catch (err) {
    // Release what `ready` opened (a Redis connection) so the process can exit with the error.
    await gateway.close().catch(() => undefined);
    throw err;
  }
}

/** Serves until SIGTERM or SIGINT, then drains; resolves with the exit code. */
async function serveUntilSignal(gateway: Gateway, io: Io, listen = true): Promise<number> {
  if (listen) await listenOrClose(gateway);
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
    // Node's default for SIGHUP ends the process at once, resetting every call in flight: here it reloads.
    process.on("SIGHUP", () => {
      gateway.log.info({ signal: "SIGHUP" }, "SIGHUP received: reloading the config");
      void gateway.reload();
    });
  });
}

function printRoutes(gateway: Gateway, io: Io): void {
  const { bold } = io.color.out;
  io.out(bold("Upstreams:"));
  for (const upstream of gateway.config.upstreams) {
    if (upstream.type === "http") io.out(`  ${upstream.name}  ${upstream.url}  (timeout ${upstream.timeoutMs} ms)`);
    else {
      const processes = upstream.mode === "shared" ? "one shared process" : `a process per session, at most ${upstream.maxProcesses}`;
      io.out(`  ${upstream.name}  stdio: ${upstream.command}  (${processes}; timeout ${upstream.timeoutMs} ms)`);
    }
  }
  io.out(bold("Rules (first match wins):"));
  describeRules(gateway.generation).forEach((rule, index) => io.out(`  ${index + 1}. ${rule.match} -> ${rule.upstream}`));
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
  const label = (tap: TapView) => `${tap.plugin}@${tap.version}${tap.stage ? ` (stage ${tap.stage})` : ""}`;
  for (const { hook, taps } of describeHooks(gateway.generation, runtimeVersion())) {
    // A keyed hook's line exists because something tapped it; a plain hook says when nothing did.
    io.out(`${hook}: ${taps.map(hook.includes("[") ? (tap) => `${tap.plugin}@${tap.version}` : label).join(", ") || "(none)"}`);
  }
  const versions = new Map(gateway.plugins.map(({ plugin }) => [plugin.name, plugin.version]));
  for (const route of gateway.generation.routes.list()) io.out(`http ${route.method} ${route.path}: ${route.plugin}@${versions.get(route.plugin) ?? "?"}`);
}

/** The /health URL of a config: its host and port only, so secrets it names need not be set. */
async function healthUrl(file: string | undefined): Promise<string> {
  let raw: unknown;
  try {
    raw = (await readConfigFile(file ? { file } : {})).raw;
  } catch (err) {
    if (file) throw err;
    return "http://127.0.0.1:8080/health";
  }
  const server = (raw as { server?: { host?: unknown; port?: unknown } } | null)?.server ?? {};
  const host = typeof server.host === "string" && !["0.0.0.0", "::", ""].includes(server.host) ? server.host : "127.0.0.1";
  const port = typeof server.port === "number" ? server.port : 8080;
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}/health`;
}

async function health(file: string | undefined, url: string | undefined, io: Io): Promise<number> {
  const target = url ?? (await healthUrl(file));
  try {
    const response = await fetch(target, { signal: AbortSignal.timeout(5_000) });
    io.out(await response.text());
    return response.status === 200 ? 0 : 1;
  } catch (err) {
    io.err(`mcp-gateway: health check of ${target} failed: ${(err as Error).message}`);
    return 1;
  }
}

async function readStdin(io: Io): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin ?? []) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}

export const COMMANDS: readonly Command[] = [
  {
    name: "start",
    aliases: ["run"],
    summary: "Start the gateway",
    usage: "mcp-gateway start [-c FILE] [--host HOST] [--port PORT]",
    description:
      "Loads and validates the config, connects the plugins' stores, and serves the MCP endpoint until SIGTERM or SIGINT (graceful drain, exit 0). SIGHUP reloads the config without dropping a call (so does POST /reload on the admin listener, and --watch on a change of the file); a config that does not load leaves the running one in place. --host and --port override server.host and server.port.",
    options: {
      config: CONFIG_OPTION,
      host: { type: "string", value: "HOST", description: "Address to listen on, over server.host (127.0.0.1 keeps it on loopback)" },
      port: { type: "string", value: "PORT", description: "Port to listen on, over server.port (0 picks a free one)" },
      "admin-port": { type: "string", value: "PORT", description: "Serve the admin listener (status page, /metrics, /reload) on 127.0.0.1:PORT, over admin.port" },
      watch: { type: "boolean", description: "Reload when the config file changes (also when it is replaced by a rename, as editors and Kubernetes do)" },
    },
    examples: [
      "mcp-gateway start -c config.yml",
      "mcp-gateway run            # finds mcp-gateway.config.* in the working directory",
      "mcp-gateway start -c config.yml --host 127.0.0.1 --port 9090",
      "mcp-gateway start -c config.yml --admin-port 9464   # then: curl localhost:9464/metrics",
      "mcp-gateway run -c config.yml --watch               # reload on every save",
    ],
    run: ({ values }, io) =>
      start(
        configFile(values),
        { host: values.host as string | undefined, port: values.port as string | undefined, adminPort: values["admin-port"] as string | undefined, watch: values.watch === true },
        io,
      ),
  },
  {
    name: "serve",
    summary: "Serve one stdio MCP server over HTTP, no config file needed",
    usage: "mcp-gateway serve [--port PORT] [--host HOST] [--api-key KEY] [--shared] -- COMMAND [ARGS...]",
    description:
      "Starts COMMAND as a stdio upstream and serves it at http://HOST:PORT/mcp (127.0.0.1:8080 by default): a process per client session, or one for all with --shared. With --api-key (or MCP_GATEWAY_API_KEY) callers must send the key (Authorization: Bearer KEY or X-API-Key); without, it warns that it serves without auth. The server's stderr goes to the log; it gets PATH, HOME, USER, LOGNAME, SHELL and TERM of the environment and nothing else.",
    options: {
      port: { type: "string", value: "PORT", description: "Port to listen on (default 8080; 0 picks a free one)" },
      host: { type: "string", value: "HOST", description: "Address to listen on (default 127.0.0.1, loopback only)" },
      "api-key": { type: "string", value: "KEY", description: "The key callers must send; MCP_GATEWAY_API_KEY keeps it out of the process list" },
      shared: { type: "boolean", description: "One process for every caller (a server that keeps no state per client)" },
    },
    positionals: { name: "COMMAND", description: "the stdio server's command and arguments, after --" },
    examples: [
      "mcp-gateway serve -- npx -y @modelcontextprotocol/server-everything",
      "MCP_GATEWAY_API_KEY=$KEY mcp-gateway serve --port 9000 -- uvx mcp-server-git",
      "mcp-gateway serve --shared -- node ./my-server.js",
    ],
    run: ({ values, positionals }, io) => serveStdio(values, positionals, io),
  },
  {
    name: "validate",
    summary: "Check the config and every plugin's options; prints OK",
    usage: "mcp-gateway validate [-c FILE]",
    description: "Loads the config and every plugin it names without opening a port. Prints OK and exits 0, or every problem it finds, one per line with its path, and exits 1.",
    options: { config: CONFIG_OPTION },
    examples: ["mcp-gateway validate -c config.yml"],
    async run({ values }, io) {
      const gateway = await inspect(configFile(values));
      await gateway.close();
      io.out(io.color.out.green("OK"));
      return 0;
    },
  },
  {
    name: "routes",
    summary: "Print upstreams and routing rules in order",
    usage: "mcp-gateway routes [-c FILE]",
    description: "Prints the upstreams with their URLs, then the routing rules in match order with their targets, and the federation in effect.",
    options: { config: CONFIG_OPTION },
    examples: ["mcp-gateway routes -c config.yml"],
    async run({ values }, io) {
      const gateway = await inspect(configFile(values));
      printRoutes(gateway, io);
      await gateway.close();
      return 0;
    },
  },
  {
    name: "plugins",
    summary: "Print, per hook, the ordered taps with plugin name@version",
    usage: "mcp-gateway plugins [-c FILE]",
    description: "Prints each hook's taps in the order they run, as plugin@version (with the stage when one is set), then the HTTP routes plugins serve.",
    options: { config: CONFIG_OPTION },
    examples: ["mcp-gateway plugins -c config.yml"],
    async run({ values }, io) {
      const gateway = await inspect(configFile(values));
      printPlugins(gateway, io);
      await gateway.close();
      return 0;
    },
  },
  {
    name: "health",
    summary: "Ask a running gateway's /health; exit code 0 only when ok",
    usage: "mcp-gateway health [--url URL | -c FILE]",
    description: "Prints the /health answer of a running gateway and exits 0 when it is ok, 1 otherwise. Without --url it asks the host and port of the config (0.0.0.0 and :: are asked on 127.0.0.1), else http://127.0.0.1:8080/health; only the host and port are read, so the config's ${ENV} secrets need not be set.",
    options: { config: CONFIG_OPTION, url: { type: "string", value: "URL", description: "The /health URL to ask" } },
    examples: ["mcp-gateway health", "mcp-gateway health --url http://gateway:8080/health", "mcp-gateway health -c /config/config.yml"],
    run: ({ values }, io) => health(configFile(values), values.url as string | undefined, io),
  },
  {
    name: "status",
    summary: "Print a running gateway's status page: upstreams, traffic, routes, plugins",
    usage: "mcp-gateway status [-c FILE | --admin-url URL]",
    description:
      "Asks the admin listener's /status.json and prints it: uptime and config, the last reload error, requests/s and errors over the last minute, each upstream's state, calls, errors and latency, routes and plugins. Without --admin-url it asks admin.host and admin.port of the config. The token comes from MCP_GATEWAY_ADMIN_TOKEN, else from admin.token (its ${ENV} placeholder resolved). Exits 1 when the listener cannot be asked.",
    options: { config: CONFIG_OPTION, "admin-url": { type: "string", value: "URL", description: "The admin listener's base URL, e.g. http://127.0.0.1:9464" } },
    examples: ["mcp-gateway status -c config.yml", "MCP_GATEWAY_ADMIN_TOKEN=$TOKEN mcp-gateway status --admin-url http://10.0.0.7:9464"],
    run: ({ values }, io) => status(configFile(values), values["admin-url"] as string | undefined, io),
  },
  {
    name: "hash-key",
    summary: "Print sha256:<hex> for API keys (reads stdin without KEY)",
    usage: "mcp-gateway hash-key [KEY...]",
    description: "Prints sha256:<hex> of each KEY, one line per key, in order: the value of an apiKeys[].keyHash entry. Without KEY it reads one key from standard input (a trailing newline is dropped), so the key stays out of the shell's history.",
    options: {},
    positionals: { name: "KEY", description: "an API key" },
    examples: ["mcp-gateway hash-key dev_key_1", "printf %s \"$KEY\" | mcp-gateway hash-key"],
    async run({ positionals }, io) {
      const keys = positionals.length ? positionals : [await readStdin(io)];
      if (keys.some((key) => !key)) {
        io.err("mcp-gateway: hash-key needs a key (arguments or stdin), and no key may be empty");
        return 2;
      }
      for (const key of keys) io.out(`sha256:${createHash("sha256").update(key).digest("hex")}`);
      return 0;
    },
  },
  {
    name: "completion",
    summary: "Print a shell completion script (bash, zsh or fish)",
    usage: "mcp-gateway completion bash|zsh|fish",
    description: "Prints a completion script for the shell: commands, their options and config files.",
    options: {},
    positionals: { name: "SHELL", description: "bash, zsh or fish", max: 1, complete: SHELLS },
    examples: ["mcp-gateway completion fish > ~/.config/fish/completions/mcp-gateway.fish", "mcp-gateway completion zsh > \"${fpath[1]}/_mcp-gateway\"", 'eval "$(mcp-gateway completion bash)"            # in ~/.bashrc'],
    async run({ positionals }, io) {
      const shell = positionals[0] as Shell | undefined;
      if (!shell || !SHELLS.includes(shell)) {
        io.err(`mcp-gateway: completion needs a shell: ${SHELLS.join(", ")}`);
        return 2;
      }
      io.out(completionScript(shell, COMMANDS));
      return 0;
    },
  },
];
