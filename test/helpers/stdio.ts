/** Fixtures and small helpers of the stdio upstream tests. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { postJsonRpc, rpc } from "@mcp-gateway/runtime/testing";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/stdio/${name}`, import.meta.url));
export const LEGACY_STDIO = fixture("legacy-server.mjs");
export const MODERN_STDIO = fixture("modern-server.mjs");

/** A stdio upstream running one of the fixtures with this node. */
export function stdioUpstream(name: string, script: string, extra: Record<string, unknown> = {}) {
  return { name, type: "stdio" as const, command: process.execPath, args: [script], ...extra };
}

export const JSON_ONLY = { accept: "application/json" };
export const initialize = (id: number | string = 1) =>
  rpc(id, "initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw-e2e", version: "1.0.0" } });

/** Opens a session by hand; returns its id. */
export async function openSession(url: string, headers: Record<string, string> = {}): Promise<string> {
  const response = await postJsonRpc(url, initialize(), { ...JSON_ONLY, ...headers });
  assert.equal(response.status, 200, response.text);
  const session = response.headers.get("mcp-session-id");
  assert.ok(session, "initialize answered with a session id");
  return session;
}

/** Whether the process runs: it exists and is not a zombie waiting to be reaped. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/PID/stat: "pid (comm) S …", the state letter after the command's closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}

export const RAW_STDIO = fixture("raw-server.mjs");
