import { resolvePlaceholders, type PlaceholderIssue } from "../config/env.js";
import { readConfigFile } from "../config/load.js";
import { StartupError } from "../errors.js";
import type { GatewayStatus } from "../observability/status.js";
import type { Io } from "./output.js";

/** Where a running gateway's admin listener is, and the token it wants, read from its config. */
async function adminOf(file: string | undefined, env: Readonly<Record<string, string | undefined>>): Promise<{ url: string; token: string | undefined }> {
  const { raw, filepath } = await readConfigFile(file ? { file } : {});
  const admin = (raw as { admin?: { host?: unknown; port?: unknown; token?: unknown } } | null)?.admin;
  if (!admin || typeof admin.port !== "number") {
    throw new StartupError("MCPGW_ERR_CONFIG_INVALID", `config ${filepath}: no admin listener (admin.port) to ask; add admin: { port: 9464 } or pass --admin-url`);
  }
  const host = typeof admin.host === "string" && !["0.0.0.0", "::", ""].includes(admin.host) ? admin.host : "127.0.0.1";
  let token: string | undefined;
  if (typeof admin.token === "string") {
    const issues: PlaceholderIssue[] = [];
    token = resolvePlaceholders(admin.token, env, issues) as string;
    if (issues.length) throw new StartupError("MCPGW_ERR_CONFIG_INVALID", `admin.token: \${${issues[0]!.variable}} is not set (or set MCP_GATEWAY_ADMIN_TOKEN)`);
  }
  return { url: `http://${host.includes(":") ? `[${host}]` : host}:${admin.port}`, token };
}

const ms = (value: number | null) => (value === null ? "-" : `${value} ms`);
const utc = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;

function uptime(seconds: number): string {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return hours ? `${hours} h ${minutes} min` : minutes ? `${minutes} min ${seconds % 60} s` : `${seconds} s`;
}

/** Columns padded to their widest cell. */
function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => `  ${row.map((cell, column) => cell.padEnd(widths[column]!)).join("  ")}`.trimEnd());
}

/** The status page as terminal lines. */
export function formatStatus(status: GatewayStatus, io: Io): void {
  const { bold, red, green, dim } = io.color.out;
  io.out(`${bold(`mcp-gateway ${status.version}`)}, up ${uptime(status.uptimeSeconds)}; config ${status.configFile ?? "(inline)"} loaded ${utc(status.loadedAt)}${status.reloads ? ` (${status.reloads} reloads)` : ""}`);
  if (status.lastError) {
    io.out(red(`last reload failed at ${utc(status.lastError.at)}: ${status.lastError.message}`));
    for (const problem of status.lastError.problems) io.out(red(`  ${problem}`));
  }
  const { traffic } = status;
  io.out(
    `Traffic (last minute): ${traffic.perSecond} req/s, ${(traffic.errorRate * 100).toFixed(1)}% errors; ${status.streams} open streams, ${status.sessions.federated + status.sessions.stdio} sessions`,
  );
  io.out(bold("Upstreams (last minute):"));
  const rows = status.upstreams.map((upstream) => [
    upstream.name,
    upstream.state,
    String(upstream.calls),
    String(upstream.errors),
    ms(upstream.p50Ms),
    ms(upstream.p99Ms),
    upstream.target + (upstream.processes === undefined ? "" : ` (${upstream.processes} processes)`),
  ]);
  const lines = table([["NAME", "STATE", "CALLS", "ERRORS", "P50", "P99", "TARGET"], ...rows]);
  io.out(dim(lines[0]!));
  lines.slice(1).forEach((line, index) => io.out(status.upstreams[index]!.state === "failing" ? red(line) : line.replace(/ up /, ` ${green("up")} `)));
  io.out(bold("Routes (first match wins):"));
  status.routes.rules.forEach((rule, index) => io.out(`  ${index + 1}. ${rule.match} -> ${rule.upstream}`));
  io.out(`  fallback -> ${status.routes.fallback}`);
  if (status.routes.federation) io.out(`  federation${status.routes.federation.automatic ? " (automatic)" : ""}: ${status.routes.federation.upstreams.join(", ")}`);
  io.out(`${bold("Plugins:")} ${status.plugins.map((plugin) => `${plugin.name}@${plugin.version}`).join(", ") || "none"}`);
}

/** `mcp-gateway status`: asks the admin listener's /status.json and prints it. */
export async function status(file: string | undefined, adminUrl: string | undefined, io: Io, env: Readonly<Record<string, string | undefined>> = process.env): Promise<number> {
  const admin = adminUrl ? { url: adminUrl.replace(/\/+$/, ""), token: undefined } : await adminOf(file, env);
  const token = env.MCP_GATEWAY_ADMIN_TOKEN || admin.token;
  const target = `${admin.url}/status.json`;
  let response: Response;
  try {
    response = await fetch(target, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(5_000) });
  } catch (err) {
    io.err(`mcp-gateway: cannot reach the admin listener at ${target}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`);
    return 1;
  }
  if (response.status === 401) {
    io.err(`mcp-gateway: ${target} wants the admin token: set MCP_GATEWAY_ADMIN_TOKEN${adminUrl ? "" : " or admin.token's variable"}`);
    return 1;
  }
  if (!response.ok) {
    io.err(`mcp-gateway: ${target} answered ${response.status}${response.status === 404 ? " (is that an admin listener of mcp-gateway 0.1 or later?)" : ""}`);
    return 1;
  }
  formatStatus((await response.json()) as GatewayStatus, io);
  return 0;
}
