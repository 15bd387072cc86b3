/**
 * A gateway under test, started exactly as an operator starts it (`mcp-gateway start -c FILE`)
 * in its own process, so /proc can tell its CPU and memory apart from the load generator's.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { promisify } from "node:util";
import { spawnChild, type Child } from "./children.js";
import { DEFAULT_PLUGINS } from "./gateway-configs.js";
import { answersHttp, freePort, waitUntil } from "./net.js";
import { CLI_BIN, REPO_ROOT } from "./paths.js";

export interface GatewayProcess {
  name: string;
  /** The MCP endpoint URL. */
  url: string;
  pid: number;
  child: Child;
  configFile: string;
  /** `performance.now()` when the process was spawned (to line up its CPU profile). */
  spawnedAt: number;
  stop(): Promise<void>;
}

export interface StartGatewayOptions {
  name: string;
  /** Builds the config for a port picked here. */
  config: (port: number) => Record<string, unknown>;
  /** Where the config file is written. */
  dir: string;
  env?: NodeJS.ProcessEnv;
  /** Node flags before the CLI, e.g. `--cpu-prof`. */
  nodeArgs?: readonly string[];
}

/**
 * Writes the config and starts the gateway; resolves once /healthz answers. Logs (audit lines
 * included) go to /dev/null: the gateway still formats and writes every line, and the load
 * generator does not pay for reading them.
 */
export async function startGateway(options: StartGatewayOptions): Promise<GatewayProcess> {
  const port = await freePort();
  const configFile = path.join(options.dir, `${options.name}.json`);
  writeFileSync(configFile, JSON.stringify(options.config(port), null, 2));
  const spawnedAt = performance.now();
  const child = spawnChild(options.name, process.execPath, [...(options.nodeArgs ?? []), CLI_BIN, "start", "-c", configFile], {
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_ENV: "production", ...options.env },
  });
  try {
    await waitUntil(options.name, () => answersHttp(`http://127.0.0.1:${port}/healthz`), child);
  } catch (err) {
    await child.stop();
    throw err;
  }
  return { name: options.name, url: `http://127.0.0.1:${port}/mcp`, pid: child.pid, child, configFile, spawnedAt, stop: () => child.stop() };
}

/** The first default plugin (or of `extra`) that cannot be imported (not built yet), if any. */
export function missingPlugin(extra: readonly string[] = []): string | undefined {
  const require = createRequire(path.join(REPO_ROOT, "package.json"));
  for (const name of [...DEFAULT_PLUGINS, ...extra]) {
    try {
      require.resolve(`@mcp-gateway/plugin-${name}`);
    } catch {
      return name;
    }
  }
  return undefined;
}

const run = promisify(execFile);

/** Runs `mcp-gateway <command> -c FILE`; resolves with stdout, rejects with the CLI's own message. */
export async function cli(command: "validate" | "plugins", configFile: string, env?: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, [CLI_BIN, command, "-c", configFile], { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: 30_000 });
    return stdout.trim();
  } catch (err) {
    const { stderr, message } = err as { stderr?: string; message: string };
    throw new Error((stderr || message).trim().split("\n")[0]);
  }
}
