/**
 * Issue 16, point 7: a published-image-ready Dockerfile. Where a Docker daemon runs,
 * `npm run test:container` builds and runs the images; this suite checks what it can without one:
 * the Dockerfile's shape, and that the install steps of its two slim stages work and leave out
 * the dev dependencies (run here as the stages run them, from the lockfile, in an empty directory).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { REPO_ROOT } from "../helpers/spawn-gateway.ts";

const run = promisify(execFile);
const exists = (file: string) => stat(file).then(() => true, () => false);

/** The instructions of one stage of the Dockerfile, continuation lines joined. */
function stage(dockerfile: string, name: string): string {
  const joined = dockerfile.replace(/\\\n\s*/g, " ");
  const start = joined.search(new RegExp(`^FROM \\S+ AS ${name}$`, "m"));
  assert.ok(start >= 0, `stage ${name}`);
  const next = joined.slice(start + 1).search(/^FROM /m);
  return next === -1 ? joined.slice(start) : joined.slice(start, start + 1 + next);
}

describe("the Dockerfile", () => {
  let dockerfile: string;
  before(async () => {
    dockerfile = await readFile(path.join(REPO_ROOT, "Dockerfile"), "utf8");
  });

  it("ends in the gateway stage: non-root, tini as PID 1, the CLI's health check, OCI labels", () => {
    const gateway = stage(dockerfile, "gateway");
    assert.ok(dockerfile.replace(/\\\n\s*/g, " ").trimEnd().endsWith(gateway.trimEnd()), "`docker build .` builds the gateway");
    assert.match(gateway, /^USER node$/m);
    assert.match(gateway, /apt-get install -y --no-install-recommends tini/);
    assert.match(gateway, /^ENTRYPOINT \["tini", "--"\]$/m);
    assert.match(gateway, /^HEALTHCHECK .*CMD \["node", "src\/cli\.js", "health", "-c", "\/config\/config\.yml"\]$/m);
    for (const label of ["title", "description", "licenses"]) assert.match(gateway, new RegExp(`org\\.opencontainers\\.image\\.${label}=`));
    assert.doesNotMatch(gateway, /COPY --from=build /, "the runtime image takes nothing from the build stage directly");
  });

  it("installs production dependencies only in both runtime stages", () => {
    assert.match(stage(dockerfile, "prod-deps"), /npm ci --omit=dev --workspace=packages\/gateway/);
    const demo = stage(dockerfile, "demo-upstream");
    assert.match(demo, /npm ci --omit=dev --workspace=examples\/demo-upstream/);
    assert.match(demo, /^USER node$/m);
  });

  describe("its install steps, run here as the stages run them", () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), "mcpgw-image-"));
    });
    after(() => rm(dir, { recursive: true, force: true }));

    const install = async (into: string, workspace: string) => {
      await mkdir(into, { recursive: true });
      for (const file of ["package.json", "package-lock.json"]) await cp(path.join(REPO_ROOT, file), path.join(into, file));
      await run("npm", ["ci", "--omit=dev", `--workspace=${workspace}`, "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"], { cwd: into, timeout: 180_000 });
    };

    it("the demo upstream stage installs the SDK and zod, no dev tool, and the server starts", async () => {
      const into = path.join(dir, "demo");
      await mkdir(path.join(into, "examples"), { recursive: true });
      await cp(path.join(REPO_ROOT, "examples/demo-upstream"), path.join(into, "examples/demo-upstream"), { recursive: true });
      await install(into, "examples/demo-upstream");
      assert.ok(await exists(path.join(into, "node_modules/@modelcontextprotocol/sdk/package.json")));
      assert.ok(await exists(path.join(into, "node_modules/zod/package.json")));
      for (const dev of ["typescript", "tsx", "eslint", "@modelcontextprotocol/client"]) assert.equal(await exists(path.join(into, "node_modules", dev)), false, `${dev} is a dev tool`);
      const started = await run(process.execPath, ["-e", `import(${JSON.stringify(path.join(into, "examples/demo-upstream/server.mjs"))}).then((m) => m.startDemoUpstream({ port: 0 })).then((u) => { console.log(u.url); return u.close(); })`], { timeout: 30_000 });
      assert.match(started.stdout, /^http:\/\/127\.0\.0\.1:\d+\/mcp/);
    });

    it("the gateway's dependencies stage installs the runtime's dependencies beside the compiled packages, no SDK", async () => {
      const into = path.join(dir, "gateway");
      await mkdir(into, { recursive: true });
      await cp(path.join(REPO_ROOT, "packages"), path.join(into, "packages"), { recursive: true, filter: (source) => !source.includes(`${path.sep}node_modules`) });
      await install(into, "packages/gateway");
      for (const needed of ["fastify", "undici", "ioredis", "pino", "zod"]) assert.ok(await exists(path.join(into, "node_modules", needed, "package.json")), needed);
      assert.equal(await exists(path.join(into, "node_modules/@modelcontextprotocol/sdk")), false, "the examples' dependencies stay out");
      const validated = await run(process.execPath, [path.join(into, "packages/runtime/bin/mcp-gateway.js"), "validate", "-c", path.join(REPO_ROOT, "examples/docker-compose/config.yml")], { timeout: 30_000 });
      assert.equal(validated.stdout.trim(), "OK");
    });
  });
});
