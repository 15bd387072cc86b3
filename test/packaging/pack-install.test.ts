/**
 * What a user who installs from npm gets. Every package is packed with `npm pack`, the tarballs are
 * installed into projects outside the workspace (no links), and the installed `mcp-gateway` bin
 * serves a real MCP SDK client in front of the demo upstream.
 *
 * Two projects, installed in parallel:
 * - "picked": the runtime, the five plugins and the in-house plugin, named by package name in a
 *   `plugins:` list (the bin is the runtime's);
 * - "meta": `@mcp-gateway/gateway` alone (its siblings come from their tarballs through npm
 *   `overrides`, as they would from the registry), running the sectioned format's config format.
 *
 * Needs the packages built (`npm test` runs `tsc -b` first) and third-party dependencies from the
 * npm cache or registry.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { lstat, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startDemoUpstream, type DemoUpstream } from "../../examples/demo-upstream/server.mjs";
import { connectLegacyClient, firstText } from "../helpers/sdk-clients.ts";
import { exec, npmInstall, pack, promisedFiles, readJson, REPO_ROOT, type Manifest } from "./helpers.ts";

const RUNTIME = "packages/runtime";
const PLUGINS = ["plugin-auth-apikey", "plugin-policy", "plugin-ratelimit", "plugin-audit", "plugin-router"].map((name) => `packages/${name}`);
const META = "packages/gateway";
/** Written by its own task; packed and configured as soon as its package.json exists. */
const IN_HOUSE = "examples/in-house-auth";
const hasInHouse = existsSync(path.join(REPO_ROOT, IN_HOUSE, "package.json"));

const API_KEY = "dev_key_1";
const SIGNER = { clientId: "ci-bot", secret: "in-house-signing-secret-0123456789abcdef" };

interface Packed {
  dir: string;
  manifest: Manifest;
  tarball: string;
  files: string[];
}

/** Packing without a build would ship no dist/: say so before npm does it silently. */
async function assertBuilt(dir: string): Promise<void> {
  const manifest = await readJson<Manifest>(path.join(REPO_ROOT, dir, "package.json"));
  for (const file of promisedFiles(manifest)) {
    if (!existsSync(path.join(REPO_ROOT, dir, file))) {
      throw new Error(`${dir}/${file} is missing: build the packages first with \`npx tsc -b\` (npm test does)`);
    }
  }
}

/** One `npm pack` for every package, into `dest`. */
async function packAll(dirs: readonly string[], dest: string): Promise<Packed[]> {
  const results = await pack(REPO_ROOT, dirs, dest);
  return Promise.all(
    dirs.map(async (dir) => {
      const manifest = await readJson<Manifest>(path.join(REPO_ROOT, dir, "package.json"));
      const result = results.find((entry) => entry.name === manifest.name);
      assert.ok(result, `npm pack did not report ${manifest.name}`);
      return { dir, manifest, tarball: path.join(dest, result.filename), files: result.files.map((file) => path.normalize(file.path)) };
    }),
  );
}

async function installProject(dir: string, manifest: Record<string, unknown>): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "package.json"), `${JSON.stringify({ private: true, ...manifest }, null, 2)}\n`);
  await npmInstall(dir);
}

/** `mcp-gateway-plugin-x` and `@mcp-gateway/plugin-x` are plugin `x`, as the loader's shorthand has it. */
const shortName = (packageName: string) => packageName.replace(/^@mcp-gateway\/plugin-/, "").replace(/^(@[^/]+\/)?mcp-gateway-plugin-/, "");

interface InstalledGateway {
  /** The MCP endpoint URL. */
  url: string;
  /** Resolves with the first log line `matches` accepts, bounded by `ms`. */
  waitForLog(what: string, matches: (line: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  /** SIGTERM to this child only; SIGKILL if it has not exited after 10 s. */
  stop(): Promise<void>;
}

/** Starts `node_modules/.bin/mcp-gateway start -c <config>` of an installed project. */
async function startInstalledGateway(project: string, config: string, env: NodeJS.ProcessEnv): Promise<InstalledGateway> {
  const bin = path.join(project, "node_modules/.bin/mcp-gateway");
  const child = spawn(process.execPath, [bin, "start", "-c", config], { cwd: project, env, stdio: ["ignore", "pipe", "pipe"] });
  const pid = child.pid;
  assert.ok(pid, `could not spawn ${bin}`);
  const lines: Record<string, unknown>[] = [];
  const watchers = new Set<() => void>();
  let stderr = "";
  let exited = false;
  const closed = new Promise<void>((resolve) => child.once("close", resolve));
  void closed.then(() => {
    exited = true;
    for (const watch of watchers) watch();
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  createInterface({ input: child.stdout }).on("line", (text) => {
    try {
      lines.push(JSON.parse(text) as Record<string, unknown>);
    } catch {
      return;
    }
    for (const watch of watchers) watch();
  });

  function waitForLog(what: string, matches: (line: Record<string, unknown>) => boolean, ms = 15_000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => settle(() => reject(new Error(`gateway ${pid} logged no ${what} within ${ms} ms; stderr: ${stderr}`))), ms);
      const settle = (finish: () => void) => {
        clearTimeout(timer);
        watchers.delete(check);
        finish();
      };
      const check = () => {
        const found = lines.find(matches);
        if (found) settle(() => resolve(found));
        else if (exited) settle(() => reject(new Error(`gateway ${pid} exited without logging ${what}; stderr: ${stderr}`)));
      };
      watchers.add(check);
      check();
    });
  }

  const signal = (name: NodeJS.Signals) => {
    try {
      if (!exited) process.kill(pid, name);
    } catch (err) {
      // It exited between the check and the signal.
      if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
    }
  };
  async function stop(): Promise<void> {
    signal("SIGTERM");
    const timer = setTimeout(() => signal("SIGKILL"), 10_000);
    await closed;
    clearTimeout(timer);
  }

  try {
    const listening = await waitForLog('"gateway listening"', (line) => line.msg === "gateway listening");
    return { url: `http://${String(listening.address)}${String(listening.path)}`, waitForLog, stop };
  } catch (err) {
    signal("SIGKILL");
    await closed;
    throw err;
  }
}

const auditOf = (client: string, toolName: string) => (line: Record<string, unknown>) =>
  line.msg === "audit" && line.client === client && line.toolName === toolName;

/** A gateway child's environment: memory stores and every environment audited, whatever the shell has. */
function gatewayEnv(): NodeJS.ProcessEnv {
  const { REDIS_URL: _redis, RATE_LIMIT_KEY_PREFIX: _prefix, ...env } = process.env;
  return { ...env, SIGNING_SECRET: SIGNER.secret };
}

describe("packages packed with npm pack and installed outside the workspace", () => {
  let tmp: string;
  let packed: Packed[];
  let picked: string;
  let meta: string;
  let upstream: DemoUpstream;
  const packedBy = (dir: string) => packed.find((entry) => entry.dir === dir)!;
  const tarballOf = (dir: string) => `file:${packedBy(dir).tarball}`;

  before(async () => {
    const dirs = [RUNTIME, ...PLUGINS, META, ...(hasInHouse ? [IN_HOUSE] : [])];
    for (const dir of dirs) await assertBuilt(dir);
    tmp = await mkdtemp(path.join(os.tmpdir(), "mcpgw-pack-install-"));
    assert.ok(path.relative(REPO_ROOT, tmp).startsWith(".."), `${tmp} must be outside the workspace`);
    await mkdir(path.join(tmp, "tarballs"));
    packed = await packAll(dirs, path.join(tmp, "tarballs"));
    picked = path.join(tmp, "picked");
    meta = path.join(tmp, "meta");
    const pickedDirs = [RUNTIME, ...PLUGINS, ...(hasInHouse ? [IN_HOUSE] : [])];
    await Promise.all([
      installProject(picked, {
        name: "uses-picked-plugins",
        dependencies: Object.fromEntries(pickedDirs.map((dir) => [packedBy(dir).manifest.name, tarballOf(dir)])),
      }),
      installProject(meta, {
        name: "uses-the-meta-package",
        dependencies: { [packedBy(META).manifest.name]: tarballOf(META) },
        // Stands in for the registry: the meta package's dependencies resolve to their tarballs.
        overrides: Object.fromEntries([RUNTIME, ...PLUGINS].map((dir) => [packedBy(dir).manifest.name, tarballOf(dir)])),
      }),
    ]);
    upstream = await startDemoUpstream({ port: 0 });
  });

  after(async () => {
    await upstream?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it("packs each package's exports, types and bin with its README and CHANGELOG, and no sources or tests", () => {
    for (const { dir, manifest, files } of packed) {
      const required = [...promisedFiles(manifest), "package.json", "README.md", ...(dir.startsWith("packages/") ? ["CHANGELOG.md"] : [])];
      for (const file of required) assert.ok(files.includes(file), `${manifest.name}'s tarball lacks ${file}`);
      assert.ok(Object.values(manifest.exports ?? {}).every((target) => typeof target !== "object" || "types" in target), `${manifest.name}: an export without types`);
      const stray = files.filter((file) => /^(src|test)\//.test(file) || /\.test\.[cm]?[jt]s$/.test(file));
      assert.deepEqual(stray, [], `${manifest.name} ships sources or tests`);
    }
  });

  it("installs every package from its tarball into a real directory, never a workspace link", async () => {
    for (const [project, dirs] of [
      [picked, [RUNTIME, ...PLUGINS, ...(hasInHouse ? [IN_HOUSE] : [])]],
      [meta, [META, RUNTIME, ...PLUGINS]],
    ] as const) {
      const lock = await readJson<{ packages: Record<string, { resolved?: string; link?: boolean }> }>(path.join(project, "package-lock.json"));
      for (const dir of dirs) {
        const { name } = packedBy(dir).manifest;
        const entry = lock.packages[`node_modules/${name}`];
        assert.ok(entry, `${name} is not installed in ${project}`);
        assert.notEqual(entry.link, true, `${name} is a link`);
        assert.match(entry.resolved ?? "", /^file:.*\.tgz$/, `${name} came from ${entry.resolved}, not its tarball`);
        assert.ok((await lstat(path.join(project, "node_modules", name))).isDirectory(), `${name} is not a directory`);
      }
    }
  });

  it("gives every plugin the one runtime copy of the project, through its peer dependency", async () => {
    for (const dir of [...PLUGINS, ...(hasInHouse ? [IN_HOUSE] : [])]) {
      const { manifest } = packedBy(dir);
      assert.ok(manifest.peerDependencies?.["@mcp-gateway/runtime"], `${manifest.name} does not declare the runtime as a peer`);
      assert.equal(manifest.dependencies?.["@mcp-gateway/runtime"], undefined, `${manifest.name} depends on its own runtime`);
      if (dir.startsWith("packages/")) assert.equal(manifest.devDependencies, undefined, `${manifest.name} publishes devDependencies`);
      const nested = path.join(picked, "node_modules", manifest.name, "node_modules/@mcp-gateway/runtime");
      assert.equal(existsSync(nested), false, `${manifest.name} got a runtime copy of its own`);
    }
  });

  describe("a project with the runtime and each plugin installed, listed by package name", () => {
    let configFile: string;
    let gateway: InstalledGateway;
    const pluginNames = () => [...PLUGINS, ...(hasInHouse ? [IN_HOUSE] : [])].map((dir) => packedBy(dir).manifest.name);

    before(async () => {
      const inHouse = hasInHouse
        ? `
  - name: "${packedBy(IN_HOUSE).manifest.name}"
    options:
      clients:
        - { clientId: "${SIGNER.clientId}", secret: "\${SIGNING_SECRET}", tenant: "client" }`
        : "";
      configFile = path.join(picked, "config.yaml");
      await writeFile(
        configFile,
        `server:
  host: 127.0.0.1
  port: 0
upstreams:
  - name: demo
    url: "${upstream.url}"
plugins:
  - name: "@mcp-gateway/plugin-auth-apikey"
    options:
      apiKeys:
        - { id: "local-dev-key", key: "${API_KEY}", tenant: "client", client: "local-dev" }${inHouse}
  - name: "@mcp-gateway/plugin-policy"
    options:
      default: deny
      rules:
        - subject: { tenant: "client" }
          allow: { methods: ["*"], tools: ["*"], resources: ["*"], prompts: ["*"] }
  - name: "@mcp-gateway/plugin-ratelimit"
    options: { defaultRpm: 600 }
  - name: "@mcp-gateway/plugin-router"
    options:
      rules:
        - match: { method: "*" }
          upstream: demo
  - name: "@mcp-gateway/plugin-audit"
    options: { environments: ["*"] }
`,
      );
      gateway = await startInstalledGateway(picked, configFile, gatewayEnv());
    });

    after(() => gateway?.stop());

    it("initializes an SDK 1.x client and answers its echo tools/call (API key)", async () => {
      const { client, close } = await connectLegacyClient(gateway.url, { headers: { Authorization: `Bearer ${API_KEY}` } });
      try {
        assert.equal(client.getServerVersion()?.name, "demo-upstream");
        const result = await client.callTool({ name: "echo", arguments: { message: "through the installed gateway" } });
        assert.equal(firstText(result), "through the installed gateway");
      } finally {
        await close();
      }
      const audit = await gateway.waitForLog("the API-key caller's audit record", auditOf("local-dev", "echo"));
      assert.equal(audit.tenant, "client");
    });

    if (hasInHouse) {
      it("authenticates an SDK client's signed requests with the in-house plugin from its tarball", async () => {
        const { name } = packedBy(IN_HOUSE).manifest;
        // Imported the way the user's own code would: an ES module in the project naming the package.
        const shim = path.join(picked, "sign.mjs");
        await writeFile(shim, `export * from ${JSON.stringify(name)};\n`);
        const { signRequest } = (await import(pathToFileURL(shim).href)) as {
          signRequest?: (input: { clientId: string; secret: string; method: string; path: string; body?: string }) => Record<string, string>;
        };
        assert.equal(typeof signRequest, "function", `${name} exports no signRequest for its callers`);
        const signingFetch = async (input: string | URL, init: RequestInit = {}): Promise<Response> => {
          const headers = new Headers(init.headers);
          const url = new URL(input);
          const body = typeof init.body === "string" ? init.body : undefined;
          const signed = signRequest!({ ...SIGNER, method: init.method ?? "GET", path: `${url.pathname}${url.search}`, ...(body === undefined ? {} : { body }) });
          for (const [header, value] of Object.entries(signed)) headers.set(header, value);
          return fetch(input, { ...init, headers });
        };
        const client = new Client({ name: "signed-client", version: "1.0.0" });
        await client.connect(new StreamableHTTPClientTransport(new URL(gateway.url), { fetch: signingFetch }));
        try {
          const result = await client.callTool({ name: "echo", arguments: { message: "signed" } });
          assert.equal(firstText(result), "signed");
        } finally {
          await client.close();
        }
        const audit = await gateway.waitForLog("the signed caller's audit record", auditOf(SIGNER.clientId, "echo"));
        assert.equal(audit.tenant, "client");
      });
    }

    it("lists every plugin with its packaged version in `mcp-gateway plugins`", async () => {
      const bin = path.join(picked, "node_modules/.bin/mcp-gateway");
      const { stdout } = await exec(process.execPath, [bin, "plugins", "-c", configFile], { cwd: picked, env: gatewayEnv(), timeout: 60_000 });
      for (const name of pluginNames()) {
        const { version } = await readJson<Manifest>(path.join(picked, "node_modules", name, "package.json"));
        assert.ok(stdout.includes(`${shortName(name)}@${version}`), `${name}@${version} is not listed:\n${stdout}`);
      }
    });
  });

  describe("a project with only @mcp-gateway/gateway installed", () => {
    let gateway: InstalledGateway;

    before(async () => {
      const configFile = path.join(meta, "config.yml");
      // The sectioned format: no plugins list, its sections map onto the five default plugins.
      await writeFile(
        configFile,
        `server:
  host: 127.0.0.1
  port: 0
  path: /mcp
auth:
  mode: apiKey
  apiKeys:
    - { id: "local-dev-key", key: "${API_KEY}", tenant: "client", client: "local-dev" }
rateLimit:
  keyPrefix: "mcp-gateway"
  defaultRpm: 600
policy:
  default: deny
  rules:
    - subject: { tenant: "client", client: "local-dev" }
      allow:
        methods: ["initialize", "tools/list", "tools/call"]
        tools: ["*"]
upstreams:
  - name: mcp-local
    type: http
    url: "${upstream.url}"
    timeoutMs: 30000
routing:
  - match: { method: "*" }
    upstream: "mcp-local"
audit:
  enabled: true
  environments: ["*"]
`,
      );
      gateway = await startInstalledGateway(meta, configFile, gatewayEnv());
    });

    after(() => gateway?.stop());

    it("runs the sectioned format's config format with the default plugins it brings", async () => {
      const { client, close } = await connectLegacyClient(gateway.url, { headers: { Authorization: `Bearer ${API_KEY}` } });
      try {
        assert.equal(client.getServerVersion()?.name, "demo-upstream");
        const result = await client.callTool({ name: "echo", arguments: { message: "sectioned format" } });
        assert.equal(firstText(result), "sectioned format");
      } finally {
        await close();
      }
      await gateway.waitForLog("the sectioned-format audit record", auditOf("local-dev", "echo"));

      const anonymous = await fetch(gateway.url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/list" }),
      });
      assert.equal(anonymous.status, 401);
      const body = (await anonymous.json()) as { id: unknown; error: { code: number; data: { code: string } } };
      assert.deepEqual([body.id, body.error.code, body.error.data.code], [7, -32001, "MCPGW_ERR_UNAUTHENTICATED"]);
    });
  });
});
