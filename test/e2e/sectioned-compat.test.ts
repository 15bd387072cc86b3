import assert from "node:assert/strict";
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { waitFor } from "@mcp-gateway/runtime/testing";
import { startDemoUpstream } from "../../examples/demo-upstream/server.mjs";
import { REPO_ROOT, spawnGateway, type SpawnedGateway } from "../helpers/spawn-gateway.js";

/**
 * The sectioned format README's quick start, request by request: its config file (from examples/, only the
 * listen address and upstream URL changed for the test) under `mcp-gateway start`, and the same
 * deployment as a plugins list with an in-house auth plugin loaded from a relative path.
 */
const ORIGIN = "http://localhost:3000";

async function localCopy(example: string, upstreamUrl: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "mcpgw-sectioned-"));
  await cp(path.join(REPO_ROOT, "examples", example), dir, { recursive: true });
  // As in a user's project: the runtime and plugins are installed next to the config.
  await symlink(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  const file = path.join(dir, "config.yml");
  const text = (await readFile(file, "utf8"))
    .replace("host: 0.0.0.0", "host: 127.0.0.1")
    .replace("port: 8080", "port: 0")
    .replace('"http://127.0.0.1:9000/mcp"', JSON.stringify(upstreamUrl));
  await writeFile(file, text);
  return file;
}

function curl(url: string, body: unknown, headers: Record<string, string>) {
  return fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

for (const example of ["sectioned-config", "plugins-config"]) {
  describe(`examples/${example} answers the sectioned format README's "Try it" requests`, () => {
    let upstream: Awaited<ReturnType<typeof startDemoUpstream>>;
    let gateway: SpawnedGateway;
    let configFile: string;
    let session: string;
    const auth = { Origin: ORIGIN, Authorization: "Bearer dev_key_1" };

    before(async () => {
      upstream = await startDemoUpstream({ port: 0 });
      configFile = await localCopy(example, upstream.url);
      gateway = await spawnGateway(configFile, { env: { ...process.env, MCP_GATEWAY_ENV: "production" } });
    });
    after(async () => {
      await gateway?.stop("SIGTERM");
      await upstream?.close();
      if (configFile) await rm(path.dirname(configFile), { recursive: true, force: true });
    });

    it("initialize returns the upstream's result and its Mcp-Session-Id", async () => {
      const response = await curl(
        gateway.url,
        { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-03-26", capabilities: {}, clientInfo: { name: "demo", version: "0.0.1" } } },
        { ...auth, Accept: "application/json, text/event-stream" },
      );
      assert.equal(response.status, 200);
      session = response.headers.get("mcp-session-id") ?? "";
      assert.match(session, /^[0-9a-f-]{36}$/);
      const body = (await response.json()) as { id: number; result: { serverInfo: { name: string } } };
      assert.equal(body.id, 1);
      assert.equal(body.result.serverInfo.name, "demo-upstream");
    });

    it("tools/list lists the upstream's tools", async () => {
      const response = await curl(gateway.url, { jsonrpc: "2.0", id: 2, method: "tools/list", params: {} }, { ...auth, "Mcp-Session-Id": session, Accept: "application/json" });
      assert.equal(response.status, 200);
      const body = (await response.json()) as { result: { tools: { name: string }[] } };
      assert.ok(body.result.tools.some((tool) => tool.name === "echo"));
    });

    it("tools/call echo answers hola", async () => {
      const response = await curl(
        gateway.url,
        { jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "echo", arguments: { message: "hola" } } },
        { ...auth, "Mcp-Session-Id": session, Accept: "application/json" },
      );
      assert.equal(response.status, 200);
      assert.deepEqual(((await response.json()) as { result: unknown }).result, { content: [{ type: "text", text: "hola" }] });
    });

    it("every API-key header style of the sectioned format authenticates", async () => {
      const styles: Record<string, string>[] = [{ Authorization: "Bearer dev_key_1" }, { Authorization: "Api-Key dev_key_1" }, { "X-API-Key": "dev_key_1" }, { "Api-Key": "dev_key_1" }];
      for (const header of styles) {
        const response = await curl(gateway.url, { jsonrpc: "2.0", id: 4, method: "tools/list" }, { Origin: ORIGIN, ...header, "Mcp-Session-Id": session, Accept: "application/json" });
        assert.equal(response.status, 200, JSON.stringify(header));
      }
    });

    it("gateway-level failures keep the sectioned format's shape: HTTP status and a JSON-RPC error echoing the id", async () => {
      const cases: { headers: Record<string, string>; status: number; code: number }[] = [
        { headers: { Origin: ORIGIN }, status: 401, code: -32001 },
        { headers: { Origin: ORIGIN, Authorization: "Bearer wrong" }, status: 401, code: -32001 },
        { headers: { Origin: "http://evil.example", Authorization: "Bearer dev_key_1" }, status: 403, code: -32003 },
      ];
      for (const { headers, status, code } of cases) {
        const response = await curl(gateway.url, { jsonrpc: "2.0", id: 5, method: "tools/list" }, { ...headers, Accept: "application/json" });
        assert.equal(response.status, status);
        const body = (await response.json()) as { jsonrpc: string; id: number; error: { code: number } };
        assert.deepEqual([body.jsonrpc, body.id, body.error.code], ["2.0", 5, code]);
      }
      const denied = await curl(gateway.url, { jsonrpc: "2.0", id: 6, method: "logging/setLevel", params: { level: "debug" } }, { ...auth, "Mcp-Session-Id": session });
      assert.equal(denied.status, 403);
      assert.equal(((await denied.json()) as { error: { code: number } }).error.code, -32003);
    });

    it("health endpoints answer without an API key", async () => {
      for (const url of ["/healthz", "/health"]) {
        const response = await fetch(gateway.baseUrl + url);
        assert.equal(response.status, 200);
        assert.equal(((await response.json()) as { status: string }).status, "ok");
      }
    });

    it("audit records the requests in an audited environment", async () => {
      // The gateway buffers stdout for up to 200 ms; wait (bounded) for the records to arrive.
      const records = () => gateway.stdoutLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === "audit");
      const served = () => records().some((record) => record.toolName === "echo" && record.outcome === "served" && record.apiKeyId === "local-dev-key");
      const rejected = () => records().some((record) => record.statusCode === 401);
      await waitFor("an audit record of the served echo call and one of a 401", () => (served() && rejected()) || undefined, { timeoutMs: 3_000 });
      assert.ok(served(), "an audit record of the served echo call");
      assert.ok(rejected(), "an audit record of a 401");
    });
  });
}

describe("examples/plugins-config's in-house team-token plugin", () => {
  it("authenticates next to the API keys", async () => {
    const upstream = await startDemoUpstream({ port: 0 });
    const configFile = await localCopy("plugins-config", upstream.url);
    const gateway = await spawnGateway(configFile);
    try {
      const init = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-03-26", capabilities: {}, clientInfo: { name: "ci", version: "1" } } };
      const ok = await curl(gateway.url, init, { Origin: ORIGIN, "X-Team-Token": "team_token_0001_ci", Accept: "application/json, text/event-stream" });
      assert.equal(ok.status, 200);
      const bad = await curl(gateway.url, init, { Origin: ORIGIN, "X-Team-Token": "nope", Accept: "application/json, text/event-stream" });
      assert.equal(bad.status, 401);
      const none = await curl(gateway.url, init, { Origin: ORIGIN, Accept: "application/json, text/event-stream" });
      assert.equal(none.status, 401);
      const challenges = none.headers.get("www-authenticate") ?? "";
      assert.match(challenges, /Team-Token/);
      assert.match(challenges, /Bearer/);
    } finally {
      await gateway.stop("SIGTERM");
      await upstream.close();
      await rm(path.dirname(configFile), { recursive: true, force: true });
    }
  });
});
