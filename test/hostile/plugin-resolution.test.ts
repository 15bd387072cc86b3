/**
 * Issue 14, item 9: a bare plugin name must not load a stranger's package. The config sits in a
 * tree whose node_modules holds `router`, `policy` and `audit` packages that are not plugins (as
 * an Express app's does), each writing a marker file if it is ever imported.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { startRawUpstream, type RawUpstream } from "../fixtures/raw-upstream.ts";
import { REPO_ROOT } from "../helpers/spawn-gateway.ts";
import { post, rpc, runCli, workspace, type Workspace } from "./support.ts";

async function fakePackage(dir: string, name: string, source: string): Promise<void> {
  const root = path.join(dir, "node_modules", name);
  await mkdir(root, { recursive: true });
  await writeFile(path.join(root, "package.json"), JSON.stringify({ name, version: "9.9.9", type: "module", main: "index.js" }));
  await writeFile(path.join(root, "index.js"), source);
}

/** A package that is not a plugin and leaves a marker file behind when imported. */
const stranger = (marker: string) => `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(marker)}, "imported");\nexport default function router() {}\n`;

describe("hostile: plugin resolution in a tree with unrelated packages (issue 14, item 9)", () => {
  let ws: Workspace;
  let upstream: RawUpstream;
  const marker = (name: string) => path.join(ws.dir, `${name}.imported`);
  before(async () => {
    ws = await workspace("resolve");
    upstream = await startRawUpstream();
    for (const name of ["router", "policy", "audit"]) await fakePackage(ws.dir, name, stranger(marker(name)));
    // A community-prefixed package that is not a plugin, and a bare one that is.
    await fakePackage(ws.dir, "mcp-gateway-plugin-thing", stranger(marker("prefixed-thing")));
    await fakePackage(ws.dir, "thing", 'import { definePlugin } from "@mcp-gateway/runtime";\nexport default definePlugin({ name: "thing", version: "1.0.0", api: "^1", setup() {} });\n');
    await fakePackage(ws.dir, "nothing", "export default 42;\n");
    await mkdir(path.join(ws.dir, "node_modules", "@mcp-gateway"), { recursive: true });
    await symlink(path.join(REPO_ROOT, "packages", "runtime"), path.join(ws.dir, "node_modules", "@mcp-gateway", "runtime"));
  });
  after(async () => {
    await ws.close();
    await upstream.close();
  });

  it("runs the sectioned config on the gateway's own router, policy and audit, never importing the strangers", async () => {
    const gw = await ws.start({
      server: { port: 0 },
      upstreams: [{ name: "u", url: upstream.url }],
      routing: [{ match: { method: "*" }, upstream: "u" }],
      policy: { default: "allow" },
      audit: { environments: ["*"] },
    });
    assert.equal((await post(gw.url, rpc(1, "tools/list"))).status, 200);
    for (const name of ["router", "policy", "audit"]) assert.equal(existsSync(marker(name)), false, `${name} was imported`);
    const listed = await runCli(["plugins", "-c", await ws.config({ upstreams: [{ name: "u", url: upstream.url }], routing: [], policy: { default: "allow" } }, "plugins.json")]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /route: router@0\.\d+\.\d+/);
    assert.doesNotMatch(listed.stdout, /9\.9\.9/);
  });

  it("skips a candidate that is not a plugin and loads the next one", async () => {
    const run = await runCli(["validate", "-c", await ws.config({ upstreams: [{ name: "u", url: upstream.url }], plugins: ["thing"] }, "thing.json")]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), "OK");
  });

  it("says which files it found when none is a plugin", async () => {
    const run = await runCli(["validate", "-c", await ws.config({ upstreams: [{ name: "u", url: upstream.url }], plugins: ["nothing"] }, "nothing.json")]);
    assert.equal(run.code, 1);
    assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
    assert.match(run.stderr, /node_modules\/nothing\/index\.js has no default export made with definePlugin\(\) \(tried @mcp-gateway\/plugin-nothing, mcp-gateway-plugin-nothing, nothing\)/);
  });
});
