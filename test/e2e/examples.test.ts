import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { startTestGateway } from "@mcp-gateway/runtime/testing";
import { parse } from "yaml";
import { startDemoUpstream } from "../../examples/demo-upstream/server.mjs";
import { signRequest } from "../../examples/in-house-auth/src/signature.ts";
import { startUpstreams as startFederatedUpstreams } from "../../examples/federation/upstreams.mjs";
import { startUpstreams, type UpstreamName } from "../../examples/multi-upstream/upstreams.mjs";
import { connectLegacyClient, firstText, type LegacyClient } from "../helpers/sdk-clients.ts";
import { CLI_BIN, REPO_ROOT, runNode, spawnGateway, type RunResult, type SpawnedGateway } from "../helpers/spawn-gateway.ts";

/** Every example in examples/ runs as its README says; these tests run each one. */

const example = (...parts: string[]) => path.join(REPO_ROOT, "examples", ...parts);

/**
 * An example's config.yml as a test runs it: the gateway on a free port and each upstream URL
 * `http://127.0.0.1:<port>/mcp` replaced by where the test started that upstream. Returns its path.
 */
async function localConfig(dir: string, name: string, upstreams: readonly (readonly [port: number, url: string])[]): Promise<string> {
  let config = (await readFile(example(name, "config.yml"), "utf8")).replace("port: 8080", "port: 0");
  for (const [port, url] of upstreams) config = config.replace(`"http://127.0.0.1:${port}/mcp"`, JSON.stringify(url));
  const file = path.join(dir, "config.yml");
  await writeFile(file, config);
  return file;
}

describe("examples/multi-upstream routes each request to the upstream that owns what it names", () => {
  let running: Awaited<ReturnType<typeof startUpstreams>>;
  let gateway: SpawnedGateway;
  let client: LegacyClient;
  let dir: string;

  /** The upstreams that served `call`, e.g. `tools/call math.add`. */
  const servedBy = (call: string) =>
    (Object.entries(running.upstreams) as [UpstreamName, { served: string[] }][]).filter(([, { served }]) => served.includes(call)).map(([name]) => name);

  before(async () => {
    running = await startUpstreams({ ports: { "mcp-math": 0, "mcp-kb": 0, "mcp-reports": 0 } });
    dir = await mkdtemp(path.join(tmpdir(), "mcpgw-multi-"));
    const ports = { "mcp-math": 9101, "mcp-kb": 9102, "mcp-reports": 9103 } as const;
    const config = await localConfig(dir, "multi-upstream", (Object.keys(ports) as UpstreamName[]).map((name) => [ports[name], running.upstreams[name].url]));
    gateway = await spawnGateway(config);
    client = await connectLegacyClient(gateway.url);
  });
  after(async () => {
    await client?.close();
    await gateway?.stop("SIGTERM");
    await running?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("opens the client's session on every upstream the rules reach (automatic federation)", () => {
    // Regression (issue 14): a session begun on one upstream was "not found" on the next.
    assert.equal(client.client.getServerVersion()?.name, "mcp-gateway");
    assert.deepEqual(servedBy("initialize"), ["mcp-math", "mcp-kb", "mcp-reports"]);
    assert.deepEqual(Object.keys(client.client.getServerCapabilities() ?? {}).sort(), ["prompts", "resources", "tools"]);
  });

  it("sends a math.* tool call to mcp-math", async () => {
    const result = await client.client.callTool({ name: "math.add", arguments: { a: 2, b: 3 } });
    assert.equal(firstText(result), "5");
    assert.deepEqual(servedBy("tools/call math.add"), ["mcp-math"]);
  });

  it("sends a kb:// resource read to mcp-kb", async () => {
    const result = await client.client.readResource({ uri: "kb://articles/onboarding" });
    assert.match(String((result.contents[0] as { text?: string }).text), /gateway access/);
    assert.deepEqual(servedBy("resources/read kb://articles/onboarding"), ["mcp-kb"]);
  });

  it("sends a reports.* prompt to mcp-reports", async () => {
    const result = await client.client.getPrompt({ name: "reports.weekly", arguments: { team: "platform" } });
    assert.deepEqual(result.messages[0]?.content, { type: "text", text: "Write the weekly report for the platform team." });
    assert.deepEqual(servedBy("prompts/get reports.weekly"), ["mcp-reports"]);
  });

  it("merges each listing from every upstream", async () => {
    assert.deepEqual((await client.client.listTools()).tools.map((tool) => tool.name), ["math.add", "math.multiply"]);
    assert.deepEqual((await client.client.listResources()).resources.map((resource) => resource.uri), ["kb://articles/onboarding", "kb://articles/rate-limits"]);
    assert.deepEqual((await client.client.listPrompts()).prompts.map((prompt) => prompt.name), ["reports.weekly"]);
    const everyone = ["mcp-math", "mcp-kb", "mcp-reports"];
    assert.deepEqual([servedBy("tools/list"), servedBy("resources/list"), servedBy("prompts/list")], [everyone, everyone, everyone]);
  });

  it("answers the README's curl for the math route as printed there", async () => {
    const readme = await readFile(example("multi-upstream", "README.md"), "utf8");
    const body = /-d '(\{[^']*"math\.add"[^']*\})'/.exec(readme)?.[1];
    assert.ok(body, "README has a curl for math.add");
    const response = await fetch(gateway.url, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream" }, body });
    assert.deepEqual(((await response.json()) as { result: unknown }).result, { content: [{ type: "text", text: "5" }] });
  });
});

describe("examples/federation serves one session across two stateful upstreams", () => {
  const SESSION_KEY = "Zm9yLXRlc3RzLW9ubHktMzItYnl0ZXMtb2Yta2V5IS0";
  let running: Awaited<ReturnType<typeof startFederatedUpstreams>>;
  let gateway: SpawnedGateway;
  let client: LegacyClient;
  let dir: string;

  before(async () => {
    running = await startFederatedUpstreams({ ports: { math: 0, kb: 0 } });
    dir = await mkdtemp(path.join(tmpdir(), "mcpgw-federation-"));
    const config = await localConfig(dir, "federation", [
      [9201, running.upstreams.math.url],
      [9202, running.upstreams.kb.url],
    ]);
    gateway = await spawnGateway(config, { env: { ...process.env, MCP_GATEWAY_SESSION_KEY: SESSION_KEY } });
    client = await connectLegacyClient(gateway.url);
  });
  after(async () => {
    await client?.close();
    await gateway?.stop("SIGTERM");
    await running?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("opens a session on each upstream and hands the client one sealed session id", () => {
    assert.equal(running.upstreams.math.sessions.issued.length, 1);
    assert.equal(running.upstreams.kb.sessions.issued.length, 1);
    const sessionId = client.transport.sessionId ?? "";
    assert.ok(!sessionId.includes(running.upstreams.math.sessions.issued[0]!), "upstream session ids never reach the client");
    assert.equal(client.client.getServerVersion()?.name, "mcp-gateway");
  });

  it("lists both upstreams' tools, the colliding one prefixed, and calls each where it lives", async () => {
    assert.deepEqual((await client.client.listTools()).tools.map((tool) => tool.name), ["add", "status", "search", "kb.status"]);
    assert.equal(firstText(await client.client.callTool({ name: "add", arguments: { a: 2, b: 3 } })), "5");
    assert.equal(firstText(await client.client.callTool({ name: "search", arguments: { query: "onboard" } })), "onboarding");
    assert.equal(firstText(await client.client.callTool({ name: "status", arguments: {} })), "math: ok");
    assert.equal(firstText(await client.client.callTool({ name: "kb.status", arguments: {} })), "kb: ok");
  });

  it("ends both upstream sessions on DELETE", async () => {
    await client.transport.terminateSession();
    assert.deepEqual(running.upstreams.math.sessions.ended, running.upstreams.math.sessions.issued);
    assert.deepEqual(running.upstreams.kb.sessions.ended, running.upstreams.kb.sessions.issued);
  });
});

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; target?: string };
  ports?: (string | { target: number; published?: string | number })[];
  environment?: Record<string, string | null> | string[];
  volumes?: (string | { type: string; source: string; target: string })[];
}

/** `published:target` of every port a service publishes, whichever syntax the file used. */
function publishedPorts(service: ComposeService): string[] {
  return (service.ports ?? []).map((port) => (typeof port === "string" ? port : `${port.published}:${port.target}`));
}

function environmentOf(service: ComposeService): Record<string, string | null> {
  const env = service.environment ?? {};
  return Array.isArray(env) ? Object.fromEntries(env.map((entry) => [entry.split("=")[0]!, entry.slice(entry.indexOf("=") + 1)])) : env;
}

/** Where each volume is mounted from, by target path, as an absolute host path. */
function mountsOf(service: ComposeService, composeDir: string): Record<string, string> {
  return Object.fromEntries(
    (service.volumes ?? []).map((volume) => {
      if (typeof volume !== "string") return [volume.target, path.resolve(composeDir, volume.source)];
      const [source = "", target = ""] = volume.split(":");
      return [target, path.resolve(composeDir, source)];
    }),
  );
}

describe("examples/docker-compose", () => {
  const composeDir = example("docker-compose");
  const composeFile = path.join(composeDir, "docker-compose.yml");
  let services: Record<string, ComposeService>;

  before(async () => {
    // `docker compose config` validates and normalises the file where the Compose plugin exists;
    // elsewhere (as on machines without a Docker engine) the file is read as YAML.
    const hasCompose = spawnSync("docker", ["compose", "version"], { stdio: "ignore" }).status === 0;
    if (hasCompose) {
      const resolved = spawnSync("docker", ["compose", "-f", composeFile, "config", "--format", "json"], { encoding: "utf8" });
      assert.equal(resolved.status, 0, resolved.stderr);
      services = (JSON.parse(resolved.stdout) as { services: Record<string, ComposeService> }).services;
    } else {
      services = (parse(await readFile(composeFile, "utf8")) as { services: Record<string, ComposeService> }).services;
    }
  });

  it("has Redis, the demo upstream and the gateway, and only the gateway publishes a port", () => {
    assert.deepEqual(Object.keys(services).sort(), ["mcp-dummy", "mcp-gateway", "redis"]);
    const published = Object.fromEntries(Object.entries(services).map(([name, service]) => [name, publishedPorts(service)]));
    assert.deepEqual(published, { redis: [], "mcp-dummy": [], "mcp-gateway": ["8080:8080"] });
  });

  it("gives the gateway REDIS_URL=redis://redis:6379 and mounts config.yml at /config/config.yml", () => {
    const gateway = services["mcp-gateway"]!;
    assert.equal(environmentOf(gateway).REDIS_URL, "redis://redis:6379");
    assert.equal(mountsOf(gateway, composeDir)["/config/config.yml"], path.join(composeDir, "config.yml"));
  });

  it("builds both images from stages of the repository's node:20-slim Dockerfile that run the gateway and the demo upstream", async () => {
    const dockerfile = await readFile(path.join(REPO_ROOT, "Dockerfile"), "utf8");
    assert.match(dockerfile, /^ARG NODE_IMAGE=node:20-slim$/m);
    const stages = new Set([...dockerfile.matchAll(/^FROM \S+ AS (\S+)$/gm)].map(([, stage]) => stage!));
    for (const name of ["mcp-dummy", "mcp-gateway"]) {
      const build = services[name]!.build!;
      assert.equal(path.resolve(composeDir, build.context, build.dockerfile), path.join(REPO_ROOT, "Dockerfile"), name);
      assert.ok(build.target && stages.has(build.target), `${name} builds stage ${build.target}`);
    }
    const gatewayStage = dockerfile.slice(dockerfile.indexOf("AS gateway"));
    assert.match(gatewayStage, /^WORKDIR \/app$/m);
    assert.match(gatewayStage, /^COPY examples\/docker-compose\/src \.\/src$/m);
    assert.match(gatewayStage, /^CMD \["node", "src\/cli\.js", "start", "-c", "\/config\/config\.yml"\]$/m);
  });

  it("mounts the sectioned format's quick-start config, pointed at the mcp-dummy service", async () => {
    const mounted = parse(await readFile(path.join(composeDir, "config.yml"), "utf8")) as { upstreams: { url: string }[] };
    const sectioned = parse(await readFile(example("sectioned-config", "config.yml"), "utf8")) as { upstreams: { url: string }[] };
    assert.equal(mounted.upstreams[0]!.url, "http://mcp-dummy:9000/mcp");
    sectioned.upstreams[0]!.url = "http://mcp-dummy:9000/mcp";
    assert.deepEqual(mounted, sectioned);
  });

  describe("src/cli.js, in a layout mirroring the image (WORKDIR with src/ and node_modules/)", () => {
    let workdir: string;
    let validate: RunResult;
    let routes: RunResult;
    let health: RunResult;

    before(async () => {
      workdir = await mkdtemp(path.join(tmpdir(), "mcpgw-image-"));
      await cp(path.join(composeDir, "src"), path.join(workdir, "src"), { recursive: true });
      await symlink(path.join(REPO_ROOT, "node_modules"), path.join(workdir, "node_modules"), "dir");
      const cli = (args: string[]) => runNode("src/cli.js", args, { cwd: workdir });
      const gw = await startTestGateway();
      try {
        // Independent commands, run side by side: each is a cold Node start.
        [validate, routes, health] = await Promise.all([
          cli(["validate", "-c", path.join(composeDir, "config.yml")]),
          cli(["routes", "-c", path.join(composeDir, "config.yml")]),
          cli(["health", "--url", `${gw.baseUrl}/health`]),
        ]);
      } finally {
        await gw.close();
      }
    });
    after(() => rm(workdir, { recursive: true, force: true }));

    it("validate -c /config/config.yml accepts the mounted config and prints OK", () => {
      assert.deepEqual([validate.code, validate.stdout.trim()], [0, "OK"], validate.stderr);
    });

    it("routes -c /config/config.yml prints the upstream and the sectioned format's catch-all rule", () => {
      assert.equal(routes.code, 0, routes.stderr);
      assert.match(routes.stdout, /mcp-local {2}http:\/\/mcp-dummy:9000\/mcp/);
      assert.match(routes.stdout, /1\. method=\* -> mcp-local/);
    });

    it("health asks a running gateway and exits 0 when it is ok", () => {
      assert.equal(health.code, 0, health.stderr);
      assert.equal((JSON.parse(health.stdout) as { status: string }).status, "ok");
    });
  });
});

describe("examples/in-house-auth, installed next to a config and loaded by package name", () => {
  const SECRET = "acme-ci-secret-0123456789-0123456789";
  const ORIGIN = "http://localhost:3000";
  let upstream: Awaited<ReturnType<typeof startDemoUpstream>>;
  let gateway: SpawnedGateway;
  let dir: string;
  let validateWithoutSecret: Promise<RunResult>;

  /** POSTs `message` to /mcp, signed for the path the gateway sees, with `options.headers` on top. */
  async function signedPost(message: unknown, options: { secret?: string; headers?: Record<string, string> } = {}) {
    const body = JSON.stringify(message);
    const signature = signRequest({ clientId: "ci", secret: options.secret ?? SECRET, method: "POST", path: "/mcp", body });
    return fetch(gateway.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", origin: ORIGIN, ...signature, ...options.headers },
      body,
    });
  }

  before(async () => {
    upstream = await startDemoUpstream({ port: 0 });
    dir = await mkdtemp(path.join(tmpdir(), "mcpgw-inhouse-"));
    // As after `npm install mcp-gateway-plugin-signed-requests` in the user's project.
    await mkdir(path.join(dir, "node_modules"));
    await symlink(example("in-house-auth"), path.join(dir, "node_modules", "mcp-gateway-plugin-signed-requests"), "dir");
    await symlink(path.join(REPO_ROOT, "node_modules", "@mcp-gateway"), path.join(dir, "node_modules", "@mcp-gateway"), "dir");
    await writeFile(
      path.join(dir, "config.yml"),
      `server: { host: 127.0.0.1, port: 0, allowedOrigins: ["${ORIGIN}"] }
upstreams:
  - name: demo
    url: "${upstream.url}"
plugins:
  - name: mcp-gateway-plugin-signed-requests
    options:
      clients:
        - { clientId: "ci", secret: "\${ACME_CI_SECRET}", tenant: "acme", client: "ci-bot" }
  - name: "@mcp-gateway/plugin-auth-apikey"
    options:
      apiKeys: [{ id: "dev", key: "dev_key_1", tenant: "acme", client: "dev" }]
`,
    );
    const env = { ...process.env };
    delete env.ACME_CI_SECRET;
    // Started alongside the gateway (a cold Node start each); its test awaits it.
    validateWithoutSecret = runNode(CLI_BIN, ["validate", "-c", path.join(dir, "config.yml")], { env });
    gateway = await spawnGateway(path.join(dir, "config.yml"), { env: { ...process.env, ACME_CI_SECRET: SECRET } });
  });
  after(async () => {
    await gateway?.stop("SIGTERM");
    await validateWithoutSecret;
    await upstream?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const initialize = (id: number) => ({
    jsonrpc: "2.0",
    id,
    method: "initialize",
    params: { protocolVersion: "2025-03-26", capabilities: {}, clientInfo: { name: "ci", version: "1" } },
  });

  it("loads the package from the config's node_modules", async () => {
    const listening = await gateway.waitForLog("gateway listening");
    assert.deepEqual((listening.plugins as string[]).slice(0, 2), ["signed-requests@0.1.0", "auth-apikey@0.1.0"]);
  });

  it("serves a signed request: initialize, then a tool call in that session", async () => {
    const init = await signedPost(initialize(1));
    assert.equal(init.status, 200);
    assert.equal(((await init.json()) as { result: { serverInfo: { name: string } } }).result.serverInfo.name, "demo-upstream");
    const session = init.headers.get("mcp-session-id") ?? "";
    const call = await signedPost(
      { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "echo", arguments: { message: "hola" } } },
      { headers: { "mcp-session-id": session } },
    );
    assert.equal(call.status, 200);
    assert.deepEqual(((await call.json()) as { result: unknown }).result, { content: [{ type: "text", text: "hola" }] });
  });

  it("answers a bad signature 401 with -32001 and the Signature challenge", async () => {
    const response = await signedPost(initialize(3), { secret: "not-the-secret-0123456789-0123456789" });
    assert.equal(response.status, 401);
    assert.equal(response.headers.get("www-authenticate"), 'Signature realm="mcp-gateway", error="invalid_signature"');
    const body = (await response.json()) as { id: number; error: { code: number; data: { code: string } } };
    assert.deepEqual([body.id, body.error.code, body.error.data.code], [3, -32001, "MCPGW_ERR_UNAUTHENTICATED"]);
  });

  it("stands next to API keys: a key still works, and no credential gets both challenges", async () => {
    const headers = { "content-type": "application/json", accept: "application/json, text/event-stream", origin: ORIGIN };
    const withKey = await fetch(gateway.url, { method: "POST", headers: { ...headers, "x-api-key": "dev_key_1" }, body: JSON.stringify(initialize(4)) });
    assert.equal(withKey.status, 200);
    const anonymous = await fetch(gateway.url, { method: "POST", headers, body: JSON.stringify(initialize(5)) });
    assert.equal(anonymous.status, 401);
    const challenges = anonymous.headers.get("www-authenticate") ?? "";
    assert.match(challenges, /Signature realm="mcp-gateway"/);
    assert.match(challenges, /Bearer realm="mcp-gateway"/);
  });

  it("refuses to validate the config when the secret's environment variable is missing", async () => {
    const result = await validateWithoutSecret;
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /ACME_CI_SECRET/);
  });
});
