/**
 * What a new user gets from `git clone` and `npm ci`: every package under packages/ packs with its
 * build — the `prepack` scripts build it, nothing else does — and its tarball lists `dist` and
 * every file its `exports` and `bin` name. (The example packages' own `npm pack` is checked
 * outside the repository by standalone-*.test.ts; readme-install.test.ts runs `npm run pack:all`.)
 *
 * The clone is of HEAD with this checkout's uncommitted changes copied over (tracked changes,
 * deletions and untracked files git does not ignore), so the test checks what would be committed.
 * One clone and one `npm ci` (from the npm cache, the registry for what it lacks) serve every case.
 * The runner bounds a test file's whole time (120 s): on a loaded machine this file is the
 * closest to it, so it does nothing else.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { exec, npm, pack, promisedFiles, readJson, REPO_ROOT, workspaceDirs, type Manifest, type PackResult } from "./helpers.ts";

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

  describe("npm pack --dry-run of every package under packages/", () => {
    let results: PackResult[];
    let packages: string[];
    before(async () => {
      packages = workspaces.filter((workspace) => workspace.startsWith("packages/"));
      // Each package's prepack builds it on the spot (through its project references, what it
      // needs too). The runtime first, which the plugins reference; then the others side by
      // side: they build into their own folders and only read the runtime's.
      const first = await pack(clone, ["packages/runtime"], undefined, 180_000);
      const rest = await Promise.all(packages.filter((dir) => dir !== "packages/runtime").map((dir) => pack(clone, [dir], undefined, 180_000)));
      results = [...first, ...rest.flat()];
    });

    it("builds every package that has a tsconfig.json and lists its dist", async () => {
      for (const dir of packages.filter((workspace) => existsSync(path.join(clone, workspace, "tsconfig.json")))) {
        const { name } = await readJson<Manifest>(path.join(clone, dir, "package.json"));
        const result = results.find((entry) => entry.name === name);
        assert.ok(result, `npm pack did not report ${name} (${dir})`);
        const dist = result.files.filter((file) => file.path.startsWith("dist/"));
        assert.ok(dist.length > 0, `${name}'s tarball has no dist/: ${result.files.map((file) => file.path).join(", ")}`);
      }
    });

    it("lists every file a package's exports and bin name, and README.md", async () => {
      for (const dir of packages) {
        const manifest = await readJson<Manifest>(path.join(clone, dir, "package.json"));
        const result = results.find((entry) => entry.name === manifest.name);
        assert.ok(result, `npm pack did not report ${manifest.name} (${dir})`);
        const files = new Set(result.files.map((file) => path.normalize(file.path)));
        for (const file of [...promisedFiles(manifest), "package.json", "README.md"]) {
          assert.ok(files.has(file), `${manifest.name}'s tarball lacks ${file}, which its package.json promises`);
        }
      }
    });

    it("lists the template create-plugin scaffolds from, with its .gitignore under a name npm keeps", () => {
      const create = results.find((entry) => entry.name === "@mcp-gateway/create-plugin");
      assert.ok(create, "npm pack did not report @mcp-gateway/create-plugin");
      const files = create.files.map((file) => file.path);
      for (const file of ["package.json", "tsconfig.json", "gitignore", "src/index.ts", "src/options.ts", "test/plugin.test.ts", "README.md"]) {
        assert.ok(files.includes(`dist/template/${file}`), `create-plugin's tarball lacks dist/template/${file}`);
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

});
