/**
 * What a new user gets from `git clone` and `npm ci`: every package packs with its build (the
 * `prepack` scripts build it, nothing else does), and the README's pre-publication install —
 * `npm run pack:all`, then the tarballs installed into a project — gives a working gateway.
 *
 * The clone is of HEAD with this checkout's uncommitted changes copied over (tracked changes,
 * deletions and untracked files git does not ignore), so the test checks what would be committed.
 * One clone and one `npm ci` (from the npm cache, the registry for what it lacks) serve every case.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { cleanEnv, exec, npm, pack, promisedFiles, readJson, REPO_ROOT, workspaceDirs, type Manifest, type PackResult } from "./helpers.ts";

/** Copies this checkout's uncommitted state over a clone of its HEAD. */
async function overlayWorkingTree(repo: string, clone: string): Promise<void> {
  const list = async (...args: string[]) => (await exec("git", ["ls-files", "-z", ...args], { cwd: repo, timeout: 30_000 })).stdout.split("\0").filter(Boolean);
  const deleted = new Set(await list("--deleted"));
  for (const file of await list("--modified", "--others", "--exclude-standard")) {
    const target = path.join(clone, file);
    if (deleted.has(file)) {
      await rm(target, { force: true });
      continue;
    }
    await mkdir(path.dirname(target), { recursive: true });
    await copyFile(path.join(repo, file), target);
  }
}

/** The lines of the README's "## Install" section. */
async function installSection(): Promise<string> {
  const readme = await readFile(path.join(REPO_ROOT, "README.md"), "utf8");
  const section = readme.split("\n## Install\n")[1]?.split("\n## ")[0];
  assert.ok(section, 'README.md has no "## Install" section');
  return section;
}

describe("a fresh clone of the repository after npm ci", () => {
  let tmp: string;
  let clone: string;
  let root: Manifest;
  let workspaces: string[];

  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "mcpgw-fresh-clone-"));
    assert.ok(path.relative(REPO_ROOT, tmp).startsWith(".."), `${tmp} must be outside the workspace`);
    clone = path.join(tmp, "mcp-gateway");
    await exec("git", ["clone", "--quiet", REPO_ROOT, clone], { cwd: tmp, timeout: 60_000 });
    await overlayWorkingTree(REPO_ROOT, clone);
    await npm(["ci", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], clone, 300_000);
    root = await readJson<Manifest>(path.join(clone, "package.json"));
    workspaces = workspaceDirs(clone, root);
  });

  after(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it("has no build output before anything packs", () => {
    const built = workspaces.filter((dir) => existsSync(path.join(clone, dir, "dist")));
    assert.deepEqual(built, [], "a fresh clone must not depend on a build that happened elsewhere");
  });

  describe("npm pack --dry-run of every workspace", () => {
    let results: PackResult[];
    before(async () => {
      // One npm run, in workspace order: each package's prepack builds it (and, through its
      // project references, what it needs) on the spot.
      results = await pack(clone, "all", undefined, 420_000);
    });

    it("builds every package that has a tsconfig.json and lists its dist", async () => {
      for (const dir of workspaces.filter((workspace) => existsSync(path.join(clone, workspace, "tsconfig.json")))) {
        const { name } = await readJson<Manifest>(path.join(clone, dir, "package.json"));
        const result = results.find((entry) => entry.name === name);
        assert.ok(result, `npm pack did not report ${name} (${dir})`);
        const dist = result.files.filter((file) => file.path.startsWith("dist/"));
        assert.ok(dist.length > 0, `${name}'s tarball has no dist/: ${result.files.map((file) => file.path).join(", ")}`);
      }
    });

    it("lists every file a package's exports and bin name, and README.md", async () => {
      for (const dir of workspaces) {
        const manifest = await readJson<Manifest>(path.join(clone, dir, "package.json"));
        const result = results.find((entry) => entry.name === manifest.name);
        assert.ok(result, `npm pack did not report ${manifest.name} (${dir})`);
        const files = new Set(result.files.map((file) => path.normalize(file.path)));
        for (const file of [...promisedFiles(manifest), "package.json", "README.md"]) {
          assert.ok(files.has(file), `${manifest.name}'s tarball lacks ${file}, which its package.json promises`);
        }
      }
    });

    it("lists the meta package's mcp-gateway bin", () => {
      const meta = results.find((entry) => entry.name === "@mcp-gateway/gateway");
      assert.ok(meta, "npm pack did not report @mcp-gateway/gateway");
      assert.ok(
        meta.files.some((file) => file.path === "bin/mcp-gateway.js"),
        `the gateway's tarball has no bin: ${meta.files.map((file) => file.path).join(", ")}`,
      );
    });
  });

  describe("the README's install from tarballs, before the packages are on npm", () => {
    let project: string;
    let section: string;

    before(async () => {
      section = await installSection();
      assert.ok(section.includes("npm run pack:all"), "the Install section does not say to run npm run pack:all");
      await npm(["run", "pack:all", "--loglevel=error"], clone, 300_000);
      project = path.join(tmp, "my-gateway");
      await mkdir(project);
      await writeFile(path.join(project, "package.json"), `${JSON.stringify({ name: "my-gateway", private: true }, null, 2)}\n`);
      // The README's command itself, with T pointing at this clone's tarballs.
      const command = section.split("\n").find((line) => /^npm i .*\$T\//.test(line));
      assert.ok(command, "the Install section has no `npm i $T/…` line");
      const install = `${command.replace(/\s+#.*$/, "")} --prefer-offline --no-audit --no-fund --loglevel=error`;
      await exec("sh", ["-c", `T=${JSON.stringify(path.join(clone, "dist-tarballs"))} && ${install}`], { cwd: project, timeout: 240_000 });
    });

    it("packs every published package into dist-tarballs/", async () => {
      for (const dir of workspaces.filter((workspace) => workspace.startsWith("packages/"))) {
        const manifest = await readJson<Manifest>(path.join(clone, dir, "package.json"));
        if (manifest.private) continue;
        const file = `${manifest.name.replace(/^@/, "").replace("/", "-")}-${manifest.version}.tgz`;
        assert.ok(existsSync(path.join(clone, "dist-tarballs", file)), `dist-tarballs/ has no ${file}`);
      }
    });

    it("installs @mcp-gateway/gateway with the runtime and plugins from those tarballs alone", async () => {
      const lock = await readJson<{ packages: Record<string, { version?: string; resolved?: string; link?: boolean }> }>(path.join(project, "package-lock.json"));
      const ours = Object.entries(lock.packages).filter(([key]) => key.startsWith("node_modules/@mcp-gateway/"));
      assert.deepEqual(
        ours.map(([key]) => key.slice("node_modules/".length)).sort(),
        ["gateway", "plugin-audit", "plugin-auth-apikey", "plugin-policy", "plugin-ratelimit", "plugin-router", "runtime"].map((name) => `@mcp-gateway/${name}`),
      );
      for (const [key, entry] of ours) assert.match(entry.resolved ?? "", /^file:.*\.tgz$/, `${key} came from ${entry.resolved}, not a tarball`);
    });

    it("validates the seed's config with the installed mcp-gateway bin, loading the five default plugins", async () => {
      const config = path.join(project, "config.yml");
      await copyFile(path.join(clone, "examples/seed-config/config.yml"), config);
      const bin = path.join(project, "node_modules/.bin/mcp-gateway");
      // The seed audits in production and staging only; memory stores whatever the shell has.
      const { REDIS_URL: _redis, RATE_LIMIT_KEY_PREFIX: _prefix, ...env } = cleanEnv({ MCP_GATEWAY_ENV: "production" });
      const validated = await exec(process.execPath, [bin, "validate", "-c", config], { cwd: project, env, timeout: 60_000 });
      assert.match(validated.stdout, /OK/);
      const { stdout } = await exec(process.execPath, [bin, "plugins", "-c", config], { cwd: project, env, timeout: 60_000 });
      for (const plugin of ["auth-apikey", "policy", "ratelimit", "router", "audit"]) assert.ok(stdout.includes(`${plugin}@`), `${plugin} is not loaded:\n${stdout}`);
    });
  });
});
