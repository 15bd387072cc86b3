import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { definePlugin, loadConfig } from "@mcp-gateway/runtime";
import { startTestGateway } from "@mcp-gateway/runtime/testing";

describe("config discovery", () => {
  it("finds the mcp-gateway key of package.json in the working directory", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mcpgw-discovery-"));
    try {
      await writeFile(path.join(dir, "package.json"), JSON.stringify({ name: "x", "mcp-gateway": { upstreams: [{ name: "a", url: "http://127.0.0.1:1/mcp" }] } }));
      const loaded = await loadConfig({ cwd: dir });
      assert.equal(loaded.filepath, path.join(dir, "package.json"));
      assert.equal(loaded.config.upstreams[0]!.name, "a");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("says where it looked when there is no config", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mcpgw-discovery-"));
    try {
      await assert.rejects(loadConfig({ cwd: dir }), (err: Error & { code?: string }) => err.code === "MCPGW_ERR_CONFIG_NOT_FOUND" && err.message.includes("mcp-gateway.config.yaml"));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("health endpoints", () => {
  it("answer 200 ok without auth, and 503 degraded when a plugin's check fails", async () => {
    let storeUp = true;
    const store = definePlugin({
      name: "store",
      version: "1.0.0",
      api: "^1",
      authenticates: true,
      setup(gateway) {
        gateway.hooks.health.tapPromise(async (checks) => {
          checks.store = storeUp ? { status: "ok" } : { status: "fail", error: "connection refused" };
        });
      },
    });
    const gw = await startTestGateway({ plugins: [{ plugin: store }] });
    try {
      for (const url of ["/healthz", "/health"]) {
        const ok = await fetch(gw.baseUrl + url);
        assert.equal(ok.status, 200);
        assert.deepEqual(await ok.json(), { status: "ok", checks: { server: { status: "ok" }, store: { status: "ok" } } });
      }
      storeUp = false;
      const degraded = await fetch(`${gw.baseUrl}/health`);
      assert.equal(degraded.status, 503);
      assert.deepEqual(await degraded.json(), {
        status: "degraded",
        checks: { server: { status: "ok" }, store: { status: "fail", error: "connection refused" } },
      });
      // The MCP endpoint itself still demands a credential from this auth plugin.
      assert.equal((await gw.post({ jsonrpc: "2.0", id: 1, method: "tools/list" })).status, 401);
    } finally {
      await gw.close();
    }
  });
});
