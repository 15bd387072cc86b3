/**
 * The peers: what a user would run instead of the gateway, started from the bench's pinned
 * devDependencies, each in front of the stdio fixture (bench/stdio-upstream.ts):
 *
 * - `supergateway-stdio`: `supergateway --stdio … --outputTransport streamableHttp --stateful`.
 *   Stateful because its stateless mode spawns a new MCP server process for every POST (under
 *   a second per request here). `--logLevel none`: its default level logs every message.
 * - `supergateway-http`: would front the HTTP fixture, but supergateway turns Streamable HTTP
 *   into stdio only; skipped with that note.
 * - `mcp-proxy-stdio`: `mcp-proxy --host 127.0.0.1 --port P -- <fixture>`, its defaults otherwise
 *   (stateful sessions).
 *
 * Both are session-based: the target opens one session at start (initialize, then
 * notifications/initialized) and every request carries its id, with an id of its own.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { spawnChild } from "./children.js";
import type { Running, Unavailable } from "./fleet.js";
import { initializeRequest, MCP_POST_HEADERS, messagesOf, PROTOCOL_VERSION } from "./mcp-fixtures.js";
import { answersHttp, freePort, waitUntil } from "./net.js";
import { BENCH_DIR, REPO_ROOT } from "./paths.js";
import { descendants } from "./proc-stats.js";
import type { PeerName } from "./targets.js";

const STDIO_FIXTURE = [process.execPath, "--import", "tsx", path.join(BENCH_DIR, "stdio-upstream.ts")];

/** An installed package's bin script and version, or undefined when it is not installed. */
function installed(name: "supergateway" | "mcp-proxy"): { bin: string; version: string } | undefined {
  try {
    const manifest = createRequire(path.join(REPO_ROOT, "package.json")).resolve(`${name}/package.json`);
    const { version, bin } = JSON.parse(readFileSync(manifest, "utf8")) as { version: string; bin: Record<string, string> };
    return { bin: path.join(path.dirname(manifest), bin[name]!), version };
  } catch {
    return undefined;
  }
}

const shellQuote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/** initialize, then notifications/initialized: the headers every later request of the session carries. */
async function openSession(url: string): Promise<Record<string, string>> {
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(url, { method: "POST", headers: { ...MCP_POST_HEADERS, ...headers }, body, signal: AbortSignal.timeout(30_000) });
  const init = await post(initializeRequest(1));
  const text = await init.text();
  const session = init.headers.get("mcp-session-id");
  if (init.status !== 200 || !session) throw new Error(`initialize answered ${init.status} without a session: ${text.slice(0, 200)}`);
  const [answer] = messagesOf(text) as { result?: { protocolVersion?: string } }[];
  const headers = { "mcp-session-id": session, "mcp-protocol-version": answer?.result?.protocolVersion ?? PROTOCOL_VERSION };
  const initialized = await post(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }), headers);
  await initialized.arrayBuffer();
  if (initialized.status !== 202) throw new Error(`notifications/initialized answered ${initialized.status}`);
  return headers;
}

/** Starts a peer with its session open, or says why it cannot be measured. */
export async function startPeer(name: PeerName, nodeArgs: readonly string[]): Promise<Running | Unavailable> {
  const pkg = name.startsWith("supergateway") ? "supergateway" : "mcp-proxy";
  const found = installed(pkg);
  if (!found) return { status: "skipped", note: `${pkg} is not installed (npm ci installs the bench's devDependencies)` };
  if (name === "supergateway-http") {
    return { status: "skipped", note: `supergateway ${found.version} has no Streamable HTTP to Streamable HTTP mode (a Streamable HTTP server it turns into stdio only)` };
  }
  const port = await freePort();
  const args =
    name === "supergateway-stdio"
      ? ["--import", path.join(BENCH_DIR, "loopback-only.mjs"), found.bin, "--stdio", STDIO_FIXTURE.map(shellQuote).join(" "), "--outputTransport", "streamableHttp", "--stateful", "--port", String(port), "--logLevel", "none"]
      : [found.bin, "--host", "127.0.0.1", "--port", String(port), "--", ...STDIO_FIXTURE];
  const child = spawnChild(name, process.execPath, [...nodeArgs, ...args], { cwd: REPO_ROOT });
  // The bridge stops the MCP server it spawned; one that outlived it is stopped here, by its PID.
  const stop = async () => {
    const spawned = descendants(child.pid);
    await child.stop();
    for (const pid of spawned) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  };
  const url = `http://127.0.0.1:${port}/mcp`;
  try {
    await waitUntil(name, () => answersHttp(url), child, 60_000);
    const headers = await openSession(url);
    // supergateway spawns the server when the session opens (through a shell), mcp-proxy at start.
    const upstreamPids = descendants(child.pid);
    return { target: { name, url, headers, pid: child.pid, upstreamPids, sharedSession: true }, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
