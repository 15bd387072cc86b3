import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { z } from "@mcp-gateway/runtime";
import { CONFIG_DOC, describeOptions, renderConfigDocs } from "../../scripts/gen-config-docs.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function generator(...args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", "scripts/gen-config-docs.ts", ...args], { cwd: root, encoding: "utf8" });
}

describe("docs/config.md is generated from the schemas", () => {
  it("every option of the core config and of each default plugin has a .describe() text", async () => {
    const { undocumented } = await renderConfigDocs();
    assert.deepEqual(undocumented, [], `options without .describe():\n${undocumented.join("\n")}`);
  });

  it("docs/config.md is what the generator writes (else run: node --import tsx scripts/gen-config-docs.ts)", async () => {
    const { markdown } = await renderConfigDocs();
    assert.equal(readFileSync(CONFIG_DOC, "utf8"), markdown);
  });

  it("the generator in check mode accepts the committed page", () => {
    const run = generator("--check");
    assert.equal(run.status, 0, run.stderr);
  });

  it("the generator in check mode fails on a stale page and says how to regenerate it", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "config-docs-"));
    try {
      const stale = path.join(dir, "config.md");
      writeFileSync(stale, readFileSync(CONFIG_DOC, "utf8").replace("`8080`", "`8081`"));
      const run = generator("--check", "--out", stale);
      assert.equal(run.status, 1);
      assert.match(run.stderr, /out of date.*gen-config-docs\.ts/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reports a field without .describe() by its path, however deep", () => {
    const schema = z.strictObject({
      described: z.string().describe("has a description"),
      nested: z.strictObject({ bare: z.number().default(1) }).describe("described too"),
      list: z.array(z.strictObject({ item: z.boolean() })).describe("a list"),
    });
    assert.deepEqual(describeOptions(schema).undocumented, ["nested.bare", "list[].item"]);
  });

  it("gives each option its type, default and description, and marks required ones", () => {
    const table = describeOptions(
      z.strictObject({
        port: z.number().int().min(0).max(65535).default(8080).describe("Port"),
        url: z.url().describe("Where"),
        mode: z.enum(["a", "b"]).optional().describe("Mode"),
      }),
    );
    assert.deepEqual(table.rows, [
      { path: "port", type: "integer 0–65535", default: "`8080`", description: "Port" },
      { path: "url", type: "URL", default: "required", description: "Where" },
      { path: "mode", type: '"a" | "b"', default: "—", description: "Mode" },
    ]);
  });
});
