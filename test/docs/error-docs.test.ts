import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { declaredErrors, ERRORS, type ErrorSpec } from "@mcp-gateway/runtime";
import { ERRORS_DOC, renderErrorDocs } from "../../scripts/gen-error-docs.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The code, HTTP and JSON-RPC columns of every table row in the page. */
function documentedRows(page: string): Map<string, { http: string; jsonRpc: string | undefined }> {
  const rows = new Map<string, { http: string; jsonRpc: string | undefined }>();
  for (const [, code, rest] of page.matchAll(/^\| `([A-Z0-9_]+)` \|(.*)$/gm)) {
    const cells = rest!.split(" | ").map((text) => text.trim());
    rows.set(code!, /^\d|4xx/.test(cells[0]!) ? { http: cells[0]!, jsonRpc: cells[1] } : { http: "startup", jsonRpc: undefined });
  }
  return rows;
}

describe("docs/errors.md is generated from the registry", () => {
  it("is what the generator writes (else run: node --import tsx scripts/gen-error-docs.ts)", async () => {
    assert.equal(readFileSync(ERRORS_DOC, "utf8"), await renderErrorDocs());
  });

  it("documents every code of the registry with its status and JSON-RPC code, and only real codes", async () => {
    await renderErrorDocs(); // registers the default plugins' codes
    const registry = new Map<string, ErrorSpec>([...Object.entries(ERRORS), ...[...declaredErrors()].map(([code, { spec }]) => [code, spec] as const)]);
    const rows = documentedRows(readFileSync(ERRORS_DOC, "utf8"));
    for (const [code, spec] of registry) {
      const row = rows.get(code);
      assert.ok(row, `docs/errors.md does not list ${code}`);
      if (spec.status === 0) continue;
      assert.equal(row.http, spec.relaysUpstreamStatus ? "4xx (relayed)" : String(spec.status), `${code} HTTP column`);
      assert.equal(row.jsonRpc, String(spec.jsonRpcCode), `${code} JSON-RPC column`);
    }
    for (const code of rows.keys()) assert.ok(registry.has(code), `docs/errors.md lists ${code}, which is not in the registry`);
  });

  it("the generator in check mode accepts the committed page", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", "scripts/gen-error-docs.ts", "--check"], { cwd: root, encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
  });
});
