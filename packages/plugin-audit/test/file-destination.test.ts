import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { startTestGateway, toolsCall } from "@mcp-gateway/runtime/testing";
import audit from "../src/index.ts";
import { auditLines, createObserver } from "./support.ts";

describe("audit to a file", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "mcpgw-audit-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("writes pino JSON lines to a path relative to the config file, and none to the gateway log", async () => {
    const observer = createObserver();
    const gw = await startTestGateway({
      configFile: path.join(dir, "mcp-gateway.config.yaml"),
      env: {},
      plugins: [{ plugin: audit, options: { destination: { file: "logs/audit.jsonl" } } }, { plugin: observer.plugin }],
    });
    try {
      await gw.post(toolsCall(1, "echo"));
      await gw.post(toolsCall(2, "echo"));
      await observer.settled(2);
      assert.deepEqual(auditLines(gw), []);
    } finally {
      // Closing flushes the asynchronous file writes.
      await gw.close();
    }
    const lines = readFileSync(path.join(dir, "logs/audit.jsonl"), "utf8").trim().split("\n");
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      records.map((record) => [record.msg, record.name, record.plugin, record.level, record.toolName, record.outcome]),
      [
        ["audit", "mcp-gateway", "audit", 30, "echo", "served"],
        ["audit", "mcp-gateway", "audit", 30, "echo", "served"],
      ],
    );
  });

  it("fails startup when the file cannot be opened", async () => {
    await assert.rejects(
      startTestGateway({
        env: {},
        plugins: [{ plugin: audit, options: { destination: { file: path.join(dir, "not-a-dir") + "/\0/audit.log" } } }],
      }),
      (err: Error & { code?: string }) => err.code === "MCPGW_ERR_STARTUP" && err.message.startsWith('plugin "audit":'),
    );
  });
});
