/**
 * The package.json of every workspace says what publishing needs, read straight from the
 * checkout (fast; fresh-clone.test.ts packs them for real):
 * - each published package builds itself when packed, points at its folder of the repository, and
 *   publishes publicly with provenance;
 * - each example plugin package stands alone: its own tsconfig and scripts, the runtime as a peer
 *   and, to build and test, as a devDependency by version.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { before, describe, it } from "node:test";
import semver from "semver";
import { readJson, REPO_ROOT, workspaceDirs, type Manifest } from "./helpers.ts";

interface Workspace {
  dir: string;
  manifest: Manifest;
}

const ROOT_MANIFEST = await readJson<Manifest>(path.join(REPO_ROOT, "package.json"));
const WORKSPACES: Workspace[] = await Promise.all(
  workspaceDirs(REPO_ROOT, ROOT_MANIFEST).map(async (dir) => ({ dir, manifest: await readJson<Manifest>(path.join(REPO_ROOT, dir, "package.json")) })),
);
const PUBLISHED = WORKSPACES.filter(({ manifest }) => !manifest.private);
const EXAMPLE_PLUGINS = WORKSPACES.filter(({ dir, manifest }) => dir.startsWith("examples/") && manifest.peerDependencies?.["@mcp-gateway/runtime"]);
const versionOf = (name: string) => WORKSPACES.find(({ manifest }) => manifest.name === name)?.manifest.version;
const hasTsconfig = (dir: string) => existsSync(path.join(REPO_ROOT, dir, "tsconfig.json"));

describe("package manifests", () => {
  it("publish every package under packages/ and keep the examples private", () => {
    for (const { dir, manifest } of WORKSPACES) {
      assert.equal(!manifest.private, dir.startsWith("packages/"), `${dir}: only packages/ publish (changesets publishes every public workspace)`);
    }
    assert.ok(PUBLISHED.length >= 7, `only ${PUBLISHED.map(({ manifest }) => manifest.name).join(", ")} publish`);
    assert.ok(EXAMPLE_PLUGINS.length >= 2, "the in-house example and the plugin template are workspaces");
  });

  for (const { dir, manifest } of WORKSPACES) {
    describe(`${manifest.name} (${dir})`, () => {
      it("is an ES module package for Node >= the root's engines, with a license and description", () => {
        assert.equal(manifest.type, "module");
        assert.equal(manifest.engines?.node, ROOT_MANIFEST.engines?.node);
        assert.equal(manifest.license, "MIT");
        assert.ok(manifest.description, "no description");
        assert.ok(semver.valid(manifest.version), `version ${manifest.version}`);
      });

      it("exports types first, then default, for every conditional entry, and exports its package.json", () => {
        for (const [entry, target] of Object.entries(manifest.exports ?? {})) {
          if (typeof target === "string") continue;
          assert.deepEqual(Object.keys(target), ["types", "default"], `exports["${entry}"]`);
        }
        assert.equal(manifest.exports?.["./package.json"], "./package.json");
      });

      it("builds itself when packed, if it has anything to build, and ships only what it builds", () => {
        if (hasTsconfig(dir)) {
          assert.match(manifest.scripts?.prepack ?? "", /^tsc -b\b|^npm run build\b/, "prepack must build (a fresh clone has no dist/)");
          assert.ok(manifest.files?.includes("dist"), "files must include dist");
        } else {
          assert.equal(manifest.scripts?.prepack, undefined, "nothing to build, nothing to run");
        }
        assert.ok(existsSync(path.join(REPO_ROOT, dir, "README.md")), "no README.md");
      });

      it("depends on its sibling packages by ranges their current versions satisfy", () => {
        for (const field of ["dependencies", "peerDependencies", "devDependencies"] as const) {
          for (const [name, range] of Object.entries(manifest[field] ?? {})) {
            const version = versionOf(name);
            if (version) assert.ok(semver.satisfies(version, range), `${field}.${name} ${range} does not admit the workspace's ${version}`);
          }
        }
      });

      if (!manifest.private) {
        it("names its folder of the repository, its homepage and issues, and publishes publicly with provenance", () => {
          assert.equal(manifest.repository?.type, "git");
          assert.match(manifest.repository?.url ?? "", /^git\+https:\/\/github\.com\/[^/]+\/[^/]+\.git$/);
          assert.equal(manifest.repository?.directory, dir);
          assert.equal(manifest.homepage, `${manifest.repository!.url!.replace(/^git\+/, "").replace(/\.git$/, "")}/tree/main/${dir}#readme`);
          assert.equal(manifest.bugs?.url, `${manifest.repository!.url!.replace(/^git\+/, "").replace(/\.git$/, "")}/issues`);
          assert.deepEqual(manifest.publishConfig, { access: "public", provenance: true });
          assert.ok(existsSync(path.join(REPO_ROOT, dir, "CHANGELOG.md")), "no CHANGELOG.md");
        });
      }
    });
  }

  it("all point at the same repository", () => {
    const urls = new Set(PUBLISHED.map(({ manifest }) => manifest.repository?.url));
    assert.equal(urls.size, 1, [...urls].join(", "));
  });
});

describe("example plugin packages stand alone", () => {
  for (const { dir, manifest } of EXAMPLE_PLUGINS) {
    describe(`${manifest.name} (${dir})`, () => {
      let tsconfig: { extends?: unknown; references?: unknown; compilerOptions?: Record<string, unknown>; include?: string[] };
      before(async () => {
        // tsconfig.json allows comments; ours are whole lines.
        const text = (await readFile(path.join(REPO_ROOT, dir, "tsconfig.json"), "utf8")).replace(/^\s*\/\/.*$/gm, "");
        tsconfig = JSON.parse(text) as typeof tsconfig;
      });

      it("has its own tsconfig.json, reaching nothing outside its folder", () => {
        assert.equal(tsconfig.extends, undefined, "extends a config a copy of the folder would not have");
        assert.equal(tsconfig.references, undefined, "references a project a copy of the folder would not have");
        assert.equal(tsconfig.compilerOptions?.outDir, "dist");
      });

      it("builds, tests and packs with its own scripts", () => {
        assert.match(manifest.scripts?.build ?? "", /^tsc\b/);
        assert.match(manifest.scripts?.test ?? "", /^node --import tsx --test /);
        assert.ok(manifest.scripts?.prepack, "no prepack");
      });

      it("takes the runtime as a peer, and as a devDependency by version with TypeScript, tsx and node's types", () => {
        const peer = manifest.peerDependencies?.["@mcp-gateway/runtime"];
        assert.equal(manifest.devDependencies?.["@mcp-gateway/runtime"], peer);
        assert.ok(semver.validRange(peer), `${peer} is not a version range (a file: or workspace: link would not travel)`);
        for (const name of ["typescript", "tsx", "@types/node"]) assert.ok(semver.validRange(manifest.devDependencies?.[name] ?? ""), `devDependencies.${name}`);
        assert.equal(manifest.dependencies?.["@mcp-gateway/runtime"], undefined);
      });
    });
  }
});
