/**
 * A plugin author's path, outside this repository: a plugin package in a temporary directory of
 * its own — copied out of the repository, or scaffolded by the packed @mcp-gateway/create-plugin
 * the way `npm create @mcp-gateway/plugin` runs it (`npm exec` of the package's bin) — gets the
 * runtime from its packed tarball (`npm i -D <tarball>`; TypeScript, tsx and node's types from
 * the npm cache or the registry), builds with its own tsconfig.json, and passes its own tests
 * with its own scripts. Nothing of the workspace is reachable from there: no links, no
 * tsconfig.base.json.
 *
 * One test file per package (standalone-*.test.ts), each with its own install: the runner bounds
 * every test file's time as a whole, and the files can run in parallel.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { lstat, mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { cleanEnv, copyPackage, exec, npm, npmInstall, pack, readJson, REPO_ROOT, testCounts, type Manifest, type PackResult } from "./helpers.ts";

const RUNTIME = "packages/runtime";
const CREATE_PLUGIN = "packages/create-plugin";

export interface StandalonePlugin {
  /** What the test calls it. */
  label: string;
  /** The folder copied out of the repository, or "packages/create-plugin" to scaffold one. */
  from: string;
  /** The plugin's name (definePlugin), which is also the directory it gets. */
  plugin: string;
  /** Whether it has the template's example.config.yml to load it in a gateway. */
  exampleConfig: boolean;
}

/** Registers the suite for one plugin package. */
export function standalonePluginSuite({ label, from, plugin, exampleConfig }: StandalonePlugin): void {
  describe(`${label} (${from}), outside the repository, against the packed runtime`, () => {
    let tmp: string;
    let dir: string;
    /** `npm run <script>` in the package, bounded, with a shell's environment (no outer npm or node:test). */
    const runScript = (script: string, timeout = 180_000) => exec("npm", ["run", script], { cwd: dir, timeout, env: cleanEnv() });

    before(async () => {
      tmp = await mkdtemp(path.join(os.tmpdir(), `mcpgw-standalone-${plugin}-`));
      assert.ok(path.relative(REPO_ROOT, tmp).startsWith(".."), `${tmp} must be outside the workspace`);
      const tarballs = path.join(tmp, "tarballs");
      await mkdir(tarballs);
      const packed = await pack(REPO_ROOT, from === CREATE_PLUGIN ? [RUNTIME, CREATE_PLUGIN] : [RUNTIME], tarballs);
      const tarballOf = (workspace: string): PackResult & { tarball: string } => {
        const result = packed.find((entry) => entry.name === `@mcp-gateway/${path.basename(workspace)}`);
        assert.ok(result, `npm pack reported nothing for ${workspace}`);
        return { ...result, tarball: path.join(tarballs, result.filename) };
      };
      dir = path.join(tmp, plugin);
      if (from === CREATE_PLUGIN) {
        // What `npm create @mcp-gateway/plugin <dir>` does once the package is on npm.
        const args = ["exec", "--yes", "--prefer-offline", `--package=${tarballOf(CREATE_PLUGIN).tarball}`, "--", "create-mcp-gateway-plugin", plugin];
        const { stdout } = await npm(args, tmp, 120_000);
        assert.match(stdout, new RegExp(`^Created mcp-gateway-plugin-${plugin} \\(plugin "${plugin}"\\) in ${plugin}: `), stdout);
      } else {
        await copyPackage(path.join(REPO_ROOT, from), dir);
      }
      await npmInstall(dir, ["--save-dev", tarballOf(RUNTIME).tarball]);
    });

    after(async () => {
      if (tmp) await rm(tmp, { recursive: true, force: true });
    });

    it("has the runtime from its tarball, as a real directory, and no path back into the repository", async () => {
      const lock = await readJson<{ packages: Record<string, { resolved?: string; link?: boolean }> }>(path.join(dir, "package-lock.json"));
      const entry = lock.packages["node_modules/@mcp-gateway/runtime"];
      assert.ok(entry, "@mcp-gateway/runtime is not installed");
      assert.notEqual(entry.link, true, "the runtime is a link");
      assert.match(entry.resolved ?? "", /^file:.*\.tgz$/, `the runtime came from ${entry.resolved}`);
      assert.ok((await lstat(path.join(dir, "node_modules/@mcp-gateway/runtime"))).isDirectory());
      const links = Object.entries(lock.packages).filter(([, value]) => value.link);
      assert.deepEqual(links, [], "nothing may be linked from the repository");
    });

    it("builds with its own tsconfig.json: npm run build", async () => {
      await runScript("build");
      const manifest = await readJson<Manifest>(path.join(dir, "package.json"));
      const entry = manifest.exports?.["."];
      assert.ok(entry && typeof entry === "object", "no conditional exports['.']");
      for (const file of Object.values(entry)) assert.ok(existsSync(path.join(dir, file)), `${file} was not built`);
    });

    it("passes its own tests: npm test", async () => {
      const { stdout } = await runScript("test", 240_000);
      const counts = testCounts(stdout);
      assert.equal(counts.fail, 0, stdout);
      assert.ok(counts.pass >= 5, `only ${counts.pass} tests passed:\n${stdout}`);
      assert.match(stdout, /plugin conformance: /, "the conformance suite did not run");
    });

    it("packs its dist with npm pack, and no sources or tests", async () => {
      const { stdout } = await npm(["pack", "--dry-run", "--json", "--loglevel=error"], dir);
      const [result] = JSON.parse(stdout) as PackResult[];
      const files = result!.files.map((file) => file.path);
      assert.ok(files.includes("dist/index.js") && files.includes("dist/index.d.ts"), files.join(", "));
      assert.deepEqual(
        files.filter((file) => /^(src|test)\//.test(file)),
        [],
        "ships sources or tests",
      );
    });

    if (exampleConfig) {
      it("is loaded from its example config by the gateway the runtime installs", async () => {
        const bin = path.join(dir, "node_modules/.bin/mcp-gateway");
        const config = path.join(dir, "example.config.yml");
        const validated = await exec(process.execPath, [bin, "validate", "-c", config], { cwd: dir, timeout: 60_000 });
        assert.match(validated.stdout, /^OK/m);
        const { stdout } = await exec(process.execPath, [bin, "plugins", "-c", config], { cwd: dir, timeout: 60_000 });
        assert.match(stdout, new RegExp(`^beforeUpstream: ${plugin}@0\\.1\\.0$`, "m"));
      });
    }
  });
}
