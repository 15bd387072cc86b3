/**
 * A plugin author's path, outside this repository. Three plugin packages, each in a temporary
 * directory of its own:
 * - the plugin template, copied out of the repository;
 * - the in-house auth example, copied out of the repository;
 * - a plugin scaffolded by the packed @mcp-gateway/create-plugin, run the way `npm create
 *   @mcp-gateway/plugin` runs it (`npm exec` of the package's bin), from its tarball.
 * Each gets the runtime from its packed tarball (`npm i -D <tarball>`; TypeScript, tsx and node's
 * types from the npm cache or the registry), builds with its own tsconfig.json, and passes its own
 * tests with its own scripts. Nothing of the workspace is reachable from there: no links, no
 * tsconfig.base.json.
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

const PROJECTS = [
  ["the plugin template", "examples/plugin-template", "tenant-header"],
  ["the in-house auth example", "examples/in-house-auth", "signed-requests"],
  ["a plugin made by npm create @mcp-gateway/plugin", CREATE_PLUGIN, "tenant-tag"],
] as const;

interface Project {
  /** What the test calls it. */
  label: string;
  /** Where it came from: the folder copied, or the package that scaffolded it. */
  from: string;
  /** Its directory, outside the repository. */
  dir: string;
}

/** `npm run <script>` in a project, bounded, with a shell's environment (no outer npm or node:test). */
const runScript = (project: Project, script: string, timeout = 180_000) => exec("npm", ["run", script], { cwd: project.dir, timeout, env: cleanEnv() });

describe("plugin packages outside the repository, built and tested against the packed runtime", () => {
  let tmp: string;
  let runtime: PackResult & { tarball: string };
  const projects: Project[] = [];

  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "mcpgw-standalone-"));
    assert.ok(path.relative(REPO_ROOT, tmp).startsWith(".."), `${tmp} must be outside the workspace`);
    const tarballs = path.join(tmp, "tarballs");
    await mkdir(tarballs);
    const packed = await pack(REPO_ROOT, [RUNTIME, CREATE_PLUGIN], tarballs);
    const tarballOf = (dir: string) => {
      const result = packed.find((entry) => entry.name === `@mcp-gateway/${path.basename(dir)}`);
      assert.ok(result, `npm pack reported nothing for ${dir}`);
      return { ...result, tarball: path.join(tarballs, result.filename) };
    };
    runtime = tarballOf(RUNTIME);
    for (const [label, from, plugin] of PROJECTS) {
      const dir = path.join(tmp, plugin);
      if (from === CREATE_PLUGIN) {
        // What `npm create @mcp-gateway/plugin tenant-tag` does once the package is on npm.
        const { stdout } = await npm(["exec", "--yes", "--prefer-offline", `--package=${tarballOf(CREATE_PLUGIN).tarball}`, "--", "create-mcp-gateway-plugin", plugin], tmp, 120_000);
        assert.match(stdout, new RegExp(`^Created mcp-gateway-plugin-${plugin} \\(plugin "${plugin}"\\) in ${plugin}: `), stdout);
      } else {
        await copyPackage(path.join(REPO_ROOT, from), dir);
      }
      projects.push({ label, from, dir });
    }
    // In parallel: mostly waiting on the cache and the registry.
    await Promise.all(projects.map((project) => npmInstall(project.dir, ["--save-dev", runtime.tarball])));
  });

  after(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const eachProject = (label: string, from: string, body: (project: () => Project) => void) =>
    describe(`${label} (${from})`, () => body(() => projects.find((project) => project.from === from)!));

  for (const [label, from] of PROJECTS) {
    eachProject(label, from, (project) => {
      it("has the runtime from its tarball, as a real directory, and no path back into the repository", async () => {
        const { dir } = project();
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
        const { dir } = project();
        await runScript(project(), "build");
        const manifest = await readJson<Manifest>(path.join(dir, "package.json"));
        const entry = manifest.exports?.["."];
        assert.ok(entry && typeof entry === "object", "no conditional exports['.']");
        for (const file of Object.values(entry)) assert.ok(existsSync(path.join(dir, file)), `${file} was not built`);
      });

      it("passes its own tests: npm test", async () => {
        const { stdout } = await runScript(project(), "test", 240_000);
        const counts = testCounts(stdout);
        assert.equal(counts.fail, 0, stdout);
        assert.ok(counts.pass >= 5, `only ${counts.pass} tests passed:\n${stdout}`);
        assert.match(stdout, /plugin conformance: /, "the conformance suite did not run");
      });

      it("packs its dist with npm pack", async () => {
        const { stdout } = await npm(["pack", "--dry-run", "--json", "--loglevel=error"], project().dir);
        const [result] = JSON.parse(stdout) as PackResult[];
        const files = result!.files.map((file) => file.path);
        assert.ok(files.includes("dist/index.js") && files.includes("dist/index.d.ts"), files.join(", "));
        assert.deepEqual(
          files.filter((file) => /^(src|test)\//.test(file)),
          [],
          "ships sources or tests",
        );
      });
    });
  }

  for (const [label, from, plugin] of PROJECTS.filter(([, from]) => from !== "examples/in-house-auth")) {
    it(`${label}: its example config loads the built plugin in the gateway the runtime installs`, async () => {
      const { dir } = projects.find((project) => project.from === from)!;
      const bin = path.join(dir, "node_modules/.bin/mcp-gateway");
      const config = path.join(dir, "example.config.yml");
      const validated = await exec(process.execPath, [bin, "validate", "-c", config], { cwd: dir, timeout: 60_000 });
      assert.match(validated.stdout, /^OK/m);
      const { stdout } = await exec(process.execPath, [bin, "plugins", "-c", config], { cwd: dir, timeout: 60_000 });
      assert.match(stdout, new RegExp(`^beforeUpstream: ${plugin}@0\\.1\\.0$`, "m"));
    });
  }
});
