import path from "node:path";
import { createInterface } from "node:readline";
import { spawnChild, type Child } from "./children.js";
import { BENCH_DIR, REPO_ROOT } from "./paths.js";

export interface UpstreamStats {
  openStreams: number;
  streamsOpened: number;
  requests: number;
  rss: number;
}

export interface UpstreamProcess {
  /** The MCP endpoint, `http://127.0.0.1:PORT/mcp`. */
  url: string;
  child: Child;
  stats(): Promise<UpstreamStats>;
  /** Destroys the upstream's open GET streams of one session (all without one). */
  reset(session?: string): Promise<number>;
}

/**
 * Starts bench/upstream.ts in its own process, so its CPU is not the load generator's. With a
 * `toolPrefix` it lists its tools under that prefix (the fan-out scenario's upstreams).
 */
export async function startUpstream(keepaliveMs: number, toolPrefix?: string): Promise<UpstreamProcess> {
  const { url, child } = await startScript(toolPrefix ? `upstream-${toolPrefix}` : "upstream", "upstream.ts", [
    "--keepalive-ms",
    String(keepaliveMs),
    ...(toolPrefix ? ["--tool-prefix", toolPrefix] : []),
  ]);
  const base = new URL(url).origin;
  return {
    url,
    child,
    async stats() {
      const response = await fetch(`${base}/_bench/stats`);
      return (await response.json()) as UpstreamStats;
    },
    async reset(session) {
      const response = await fetch(`${base}/_bench/reset${session ? `?session=${encodeURIComponent(session)}` : ""}`, { method: "POST" });
      return ((await response.json()) as { reset: number }).reset;
    },
  };
}

/**
 * Runs a bench script (`bench/<script>`) in its own process and waits for the JSON line
 * `{"url": "..."}` it prints once listening.
 */
export async function startScript(name: string, script: string, args: readonly string[], nodeArgs: readonly string[] = []): Promise<{ url: string; child: Child }> {
  const child = spawnChild(name, process.execPath, [...nodeArgs, "--import", "tsx", path.join(BENCH_DIR, script), ...args], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.process.stdout! });
    lines.once("line", (line) => {
      lines.close();
      try {
        resolve((JSON.parse(line) as { url: string }).url);
      } catch {
        reject(new Error(`${name}: unexpected first line ${line}`));
      }
    });
    void child.exited.then((code) => reject(new Error(`${name} exited (${code}): ${child.stderr()}`)));
  });
  return { url, child };
}
