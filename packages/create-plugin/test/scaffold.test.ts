import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { findTemplate, main, pluginNames, renderText, scaffold, templateFiles, UsageError, type Io } from "../src/index.js";

const TEMPLATE = { packageName: "mcp-gateway-plugin-tenant-header", plugin: "tenant-header" };

describe("pluginNames", () => {
  it("takes the plugin name from the directory, without a leading mcp-gateway-plugin-", () => {
    assert.deepEqual(pluginNames("plugins/audit-s3"), { plugin: "audit-s3", packageName: "mcp-gateway-plugin-audit-s3", scope: undefined });
    assert.equal(pluginNames("/work/mcp-gateway-plugin-audit-s3").plugin, "audit-s3");
  });

  it("prefers --name, and scopes the package with --scope or a scoped --name", () => {
    assert.deepEqual(pluginNames("x", "tenant-tag", "@acme"), { plugin: "tenant-tag", packageName: "@acme/mcp-gateway-plugin-tenant-tag", scope: "@acme" });
    assert.equal(pluginNames("x", "tenant-tag", "acme").packageName, "@acme/mcp-gateway-plugin-tenant-tag");
    assert.equal(pluginNames("x", "@acme/mcp-gateway-plugin-tenant-tag").packageName, "@acme/mcp-gateway-plugin-tenant-tag");
  });

  it("refuses a name a plugin cannot have, a bad scope, and two different scopes", () => {
    assert.throws(() => pluginNames("My_Plugin"), (err: Error) => err instanceof UsageError && /directory name "My_Plugin"/.test(err.message));
    assert.throws(() => pluginNames("x", "-x"), UsageError);
    assert.throws(() => pluginNames("x", "ok", "@Bad Scope"), UsageError);
    assert.throws(() => pluginNames("x", "@acme/ok", "@other"), UsageError);
  });
});

describe("renderText", () => {
  it("replaces the package name and then the plugin name in one pass", () => {
    const to = pluginNames("x", "tenant-header-v2");
    assert.equal(
      renderText("mcp-gateway-plugin-tenant-header is tenant-header", TEMPLATE, to),
      "mcp-gateway-plugin-tenant-header-v2 is tenant-header-v2",
    );
  });

  it("drops the template's notes about itself", () => {
    const text = "# title\n\n<!-- template-only -->\n> about the template\n<!-- /template-only -->\n\nA plugin.\n";
    assert.equal(renderText(text, TEMPLATE, pluginNames("x", "y")), "# title\n\nA plugin.\n");
  });
});

describe("scaffold", () => {
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "mcpgw-create-plugin-"));
  });
  after(() => rm(tmp, { recursive: true, force: true }));

  it("finds the template of this checkout", () => {
    assert.equal(findTemplate(), path.resolve(import.meta.dirname, "../../../examples/plugin-template"));
  });

  it("writes every file of the template, with the new names, and a .gitignore", async () => {
    const dir = path.join(tmp, "tenant-tag");
    const result = scaffold({ dir, scope: "@acme" });
    assert.deepEqual(result.files, templateFiles(findTemplate()));
    assert.ok(result.files.includes(".gitignore"));
    const manifest = JSON.parse(await readFile(path.join(dir, "package.json"), "utf8")) as Record<string, unknown>;
    assert.equal(manifest.name, "@acme/mcp-gateway-plugin-tenant-tag");
    assert.equal(manifest.version, "0.1.0");
    assert.equal(manifest.private, undefined, "a new plugin is meant to be published");
    assert.deepEqual(manifest.publishConfig, { access: "public" });
    assert.match(await readFile(path.join(dir, "src/index.ts"), "utf8"), /name: "tenant-tag",/);
    const readme = await readFile(path.join(dir, "README.md"), "utf8");
    assert.match(readme, /^# @acme\/mcp-gateway-plugin-tenant-tag\n/);
    assert.doesNotMatch(readme, /template-only|tenant-header/);
  });

  it("writes into an empty directory but refuses one with files in it", async () => {
    const empty = path.join(tmp, "empty");
    await mkdir(empty);
    scaffold({ dir: empty, name: "tenant-tag" });
    assert.ok(existsSync(path.join(empty, "package.json")));
    const used = path.join(tmp, "used");
    await mkdir(used);
    await writeFile(path.join(used, "notes.txt"), "mine");
    assert.throws(() => scaffold({ dir: used, name: "tenant-tag" }), /already exists and is not an empty directory/);
  });
});

describe("create-mcp-gateway-plugin", () => {
  let tmp: string;
  const capture = (): Io & { out: string; err: string } => {
    const io = { out: "", err: "", cwd: tmp, stdout: (text: string) => void (io.out += text), stderr: (text: string) => void (io.err += text) };
    return io;
  };
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "mcpgw-create-plugin-cli-"));
  });
  after(() => rm(tmp, { recursive: true, force: true }));

  it("writes the plugin and prints the next steps", async () => {
    const io = capture();
    assert.equal(await main(["my-plugin", "--name", "tenant-tag"], io), 0);
    assert.match(io.out, /^Created mcp-gateway-plugin-tenant-tag \(plugin "tenant-tag"\) in my-plugin: \d+ files\./);
    assert.match(io.out, /cd my-plugin\n +npm install .*\n +npm run build .*\n +npm test /);
    assert.ok(existsSync(path.join(tmp, "my-plugin/src/index.ts")));
  });

  it("prints the usage for --help, and exits 1 with it for a missing directory or a bad name", async () => {
    const help = capture();
    assert.equal(await main(["--help"], help), 0);
    assert.match(help.out, /^Usage: npm create @mcp-gateway\/plugin <dir>/);
    for (const argv of [[], ["a", "b"], ["x", "--name", "Bad"], ["x", "--unknown"]]) {
      const io = capture();
      assert.equal(await main(argv, io), 1, argv.join(" "));
      assert.match(io.err, /Usage:/);
    }
  });
});
