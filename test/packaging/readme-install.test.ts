/**
 * The README's install before publication, as written: `npm run pack:all` at the repository's
 * root (it leaves dist-tarballs/ there, as it would for you: that folder is ignored by git), then
 * the Install section's own `npm i $T/…` line in a new project, and the installed `mcp-gateway`
 * bin running the seed's config with the five default plugins it brought.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { cleanEnv, exec, npm, readJson, REPO_ROOT, workspaceDirs, type Manifest } from "./helpers.ts";

/** The README's "## Install" section. */
async function installSection(): Promise<string> {
  const readme = await readFile(path.join(REPO_ROOT, "README.md"), "utf8");
  const section = readme.split("\n## Install\n")[1]?.split("\n## ")[0];
  assert.ok(section, 'README.md has no "## Install" section');
  return section;
}

describe("the README's install from tarballs, before the packages are on npm", () => {
  let tmp: string;
  let tarballs: string;
  let project: string;

  before(async () => {
    const section = await installSection();
    assert.ok(section.includes("npm run pack:all"), "the Install section does not say to run npm run pack:all");
    tmp = await mkdtemp(path.join(os.tmpdir(), "mcpgw-readme-install-"));
    assert.ok(path.relative(REPO_ROOT, tmp).startsWith(".."), `${tmp} must be outside the workspace`);
    await npm(["run", "pack:all", "--loglevel=error"], REPO_ROOT, 300_000);
    tarballs = path.join(REPO_ROOT, "dist-tarballs");

    project = path.join(tmp, "my-gateway");
    await mkdir(project);
    await writeFile(path.join(project, "package.json"), `${JSON.stringify({ name: "my-gateway", private: true }, null, 2)}\n`);
    // The README's command itself, with T pointing at the tarballs.
    const command = section.split("\n").find((line) => /^npm i .*\$T\//.test(line));
    assert.ok(command, "the Install section has no `npm i $T/…` line");
    const install = `${command.replace(/\s+#.*$/, "")} --prefer-offline --no-audit --no-fund --loglevel=error`;
    await exec("sh", ["-c", `T=${JSON.stringify(tarballs)} && ${install}`], { cwd: project, timeout: 240_000 });
  });

  after(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it("npm run pack:all wrote every published package's tarball to dist-tarballs/", async () => {
    const root = await readJson<Manifest>(path.join(REPO_ROOT, "package.json"));
    for (const dir of workspaceDirs(REPO_ROOT, root).filter((workspace) => workspace.startsWith("packages/"))) {
      const manifest = await readJson<Manifest>(path.join(REPO_ROOT, dir, "package.json"));
      if (manifest.private) continue;
      const file = `${manifest.name.replace(/^@/, "").replace("/", "-")}-${manifest.version}.tgz`;
      assert.ok(existsSync(path.join(tarballs, file)), `dist-tarballs/ has no ${file}`);
    }
  });

  it("installs @mcp-gateway/gateway with the runtime and plugins from those tarballs alone", async () => {
    const lock = await readJson<{ packages: Record<string, { resolved?: string }> }>(path.join(project, "package-lock.json"));
    const ours = Object.entries(lock.packages).filter(([key]) => key.startsWith("node_modules/@mcp-gateway/"));
    assert.deepEqual(
      ours.map(([key]) => key.slice("node_modules/".length)).sort(),
      ["gateway", "plugin-audit", "plugin-auth-apikey", "plugin-auth-oauth", "plugin-policy", "plugin-ratelimit", "plugin-router", "runtime"].map((name) => `@mcp-gateway/${name}`),
    );
    for (const [key, entry] of ours) assert.match(entry.resolved ?? "", /^file:.*\.tgz$/, `${key} came from ${entry.resolved}, not a tarball`);
  });

  it("validates the seed's config with the installed mcp-gateway bin, loading the five default plugins", async () => {
    const config = path.join(project, "config.yml");
    await copyFile(path.join(REPO_ROOT, "examples/sectioned-config/config.yml"), config);
    const bin = path.join(project, "node_modules/.bin/mcp-gateway");
    // The seed audits in production and staging only; memory stores whatever the shell has.
    const { REDIS_URL: _redis, RATE_LIMIT_KEY_PREFIX: _prefix, ...env } = cleanEnv({ MCP_GATEWAY_ENV: "production" });
    const validated = await exec(process.execPath, [bin, "validate", "-c", config], { cwd: project, env, timeout: 60_000 });
    assert.match(validated.stdout, /^OK/m);
    const { stdout } = await exec(process.execPath, [bin, "plugins", "-c", config], { cwd: project, env, timeout: 60_000 });
    for (const plugin of ["auth-apikey", "policy", "ratelimit", "router", "audit"]) assert.ok(stdout.includes(`${plugin}@`), `${plugin} is not loaded:\n${stdout}`);
  });
});
