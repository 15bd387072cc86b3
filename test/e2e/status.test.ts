/**
 * The status page on the admin listener, as an operator meets it: /status.json after real SDK
 * traffic (a live upstream and a dead one), the page in a real headless Chromium (content,
 * refresh, no console errors, a screenshot), the `mcp-gateway status` CLI, and what it must never
 * show: keys, tokens, upstream credentials, env values.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { startTestGateway, type TestGateway } from "@mcp-gateway/runtime/testing";
import type { GatewayStatus } from "../../packages/runtime/src/observability/status.ts";
import { startLegacyServer, type LegacyServer } from "../fixtures/legacy-server.ts";
import { connectLegacyClient, type LegacyClient } from "../helpers/sdk-clients.ts";
import { chromiumSkipReason, launchChromium } from "../helpers/browser.ts";
import { REPO_ROOT } from "../helpers/spawn-gateway.ts";

const exec = promisify(execFile);
const BIN = path.join(REPO_ROOT, "packages/runtime/bin/mcp-gateway.js");
const ADMIN_TOKEN = "status-admin-token-0123456789";
const API_KEY = "status-api-key-secret-42";
const UPSTREAM_SECRET = "upstream-header-secret-77";
const URL_PASSWORD = "url-password-secret-88";
const URL_TOKEN = "url-query-token-secret-99";
const SECRETS = [ADMIN_TOKEN, API_KEY, UPSTREAM_SECRET, URL_PASSWORD, URL_TOKEN];
const BEARER = { authorization: `Bearer ${ADMIN_TOKEN}` };
/** The page's document, typed as much as these tests read it (they compile without the DOM library). */
interface InPage {
  document: { querySelector(selector: string): { textContent: string | null } | null; documentElement: { scrollWidth: number; clientWidth: number } };
}
const basic = (password: string) => ({ authorization: `Basic ${Buffer.from(`operator:${password}`).toString("base64")}` });

/** A port nothing listens on: bound, then released. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function statusJson(gateway: TestGateway): Promise<GatewayStatus> {
  const response = await fetch(`${gateway.gateway.adminUrl}/status.json`, { headers: BEARER });
  assert.equal(response.status, 200);
  return (await response.json()) as GatewayStatus;
}

describe("the status page on the admin listener", () => {
  let legacy: LegacyServer;
  let gateway: TestGateway;
  let client: LegacyClient;
  let config: Record<string, unknown>;

  before(async () => {
    legacy = await startLegacyServer();
    const dead = await deadPort();
    config = {
      admin: { port: 0, token: ADMIN_TOKEN },
      upstreams: [
        { name: "legacy", url: legacy.url, headers: { "x-upstream-secret": UPSTREAM_SECRET } },
        { name: "down", url: `http://gw:${URL_PASSWORD}@127.0.0.1:${dead}/mcp?token=${URL_TOKEN}`, timeoutMs: 2_000 },
      ],
      federation: { enabled: false },
      plugins: [
        ["auth-apikey", { apiKeys: [{ id: "ops", key: API_KEY, tenant: "acme", client: "ops" }] }],
        ["router", { rules: [{ match: { tool: "broken_*" }, upstream: "down" }] }],
      ],
    };
    gateway = await startTestGateway({ config, configFile: path.join(REPO_ROOT, "status-test.config.yml") });
    client = await connectLegacyClient(gateway.url, { headers: { "x-api-key": API_KEY } });
    for (let i = 0; i < 5; i++) await client.client.callTool({ name: "echo", arguments: { message: `hello ${i}` } });
    // The dead upstream, three times: a streak of failures.
    for (let i = 0; i < 3; i++) await assert.rejects(client.client.callTool({ name: "broken_tool", arguments: {} }));
    // A caller without a key: an error for the traffic figures, nothing for any upstream.
    await gateway.post({ jsonrpc: "2.0", id: 1, method: "tools/list" });
  });
  after(async () => {
    await client?.close();
    await gateway?.close();
    await legacy?.close();
  });

  it("is behind the admin token: 401 with Bearer and Basic challenges; Bearer or Basic (token as password) let in", async () => {
    for (const path of ["/", "/status.json", "/status.js", "/status.css"]) {
      for (const headers of [{}, basic("wrong-password-0123456789"), { authorization: "Basic !!!" }, { authorization: `Basic ${Buffer.from(ADMIN_TOKEN).toString("base64")}` }] as Record<string, string>[]) {
        const response = await fetch(`${gateway.gateway.adminUrl}${path}`, { headers });
        assert.equal(response.status, 401, `${path} with ${JSON.stringify(headers)}`);
        assert.match(response.headers.get("www-authenticate") ?? "", /^Bearer realm="mcp-gateway admin", Basic realm="mcp-gateway admin"/);
      }
    }
    assert.equal((await fetch(`${gateway.gateway.adminUrl}/status.json`, { headers: BEARER })).status, 200);
    assert.equal((await fetch(`${gateway.gateway.adminUrl}/status.json`, { headers: basic(ADMIN_TOKEN) })).status, 200);
  });

  it("is not on the public listener", async () => {
    for (const path of ["/", "/status.json", "/status.js"]) assert.equal((await fetch(`${gateway.baseUrl}${path}`)).status, 404, path);
  });

  it("answers /status.json with version, config, plugins in hook order, upstreams and routes", async () => {
    const status = await statusJson(gateway);
    assert.match(status.version, /^\d+\.\d+\.\d+/);
    assert.equal(status.configFile, path.join(REPO_ROOT, "status-test.config.yml"));
    assert.ok(Date.now() - Date.parse(status.loadedAt) < 120_000);
    assert.equal(status.lastError, null);
    assert.deepEqual(
      status.plugins.map((plugin) => plugin.name),
      ["auth-apikey", "router"],
    );
    assert.ok(status.plugins.every((plugin) => /^\d+\.\d+\.\d+/.test(plugin.version)));
    assert.deepEqual(status.plugins[0]!.hooks, ["onRequest"]);
    assert.deepEqual(status.hooks.find((hook) => hook.hook === "route")?.taps.map((tap) => tap.plugin), ["router"]);
    assert.deepEqual(status.routes.rules, [{ match: "tool=broken_*", upstream: "down" }]);
    assert.equal(status.routes.fallback, "legacy");
    assert.equal(status.routes.federation, null);
  });

  it("counts each upstream's last minute: the live one up with its calls and latency, the dead one failing", async () => {
    const status = await statusJson(gateway);
    const live = status.upstreams.find((upstream) => upstream.name === "legacy")!;
    const down = status.upstreams.find((upstream) => upstream.name === "down")!;
    assert.equal(live.state, "up");
    // initialize, notifications/initialized, tools/list? and five calls: at least the calls.
    assert.ok(live.calls >= 5, `legacy calls: ${live.calls}`);
    assert.equal(live.errors, 0);
    assert.ok(live.p50Ms !== null && live.p50Ms > 0 && live.p99Ms! >= live.p50Ms, JSON.stringify(live));
    assert.equal(down.state, "failing");
    assert.equal(down.calls, 3);
    assert.equal(down.errors, 3);
    assert.match(down.lastFailure?.code ?? "", /^MCPGW_ERR_UPSTREAM/);
    assert.equal(down.target, `http://127.0.0.1:${new URL(down.target).port}/mcp`, "the URL without its credentials and query");
    // Traffic: every request, the unauthenticated one an error.
    assert.ok(status.traffic.perSecond > 0);
    assert.ok(status.traffic.errorRate > 0 && status.traffic.errorRate < 1, String(status.traffic.errorRate));
    assert.equal(status.traffic.series.requests.length, 90);
    assert.ok(status.traffic.series.requests.at(-1)! > 0 || status.traffic.series.requests.at(-2)! > 0);
  });

  it("never shows a secret: keys, tokens, upstream headers and URL credentials", async () => {
    const texts = await Promise.all(
      ["/status.json", "/"].map(async (path) => (await fetch(`${gateway.gateway.adminUrl}${path}`, { headers: BEARER })).text()),
    );
    for (const text of texts) for (const secret of SECRETS) assert.ok(!text.includes(secret), `the status shows ${secret}`);
  });

  it("shows the last failed reload until a good one, and counts reloads", async () => {
    const before = await statusJson(gateway);
    const broken = await gateway.gateway.reload({ ...gateway.gateway.config, plugins: [["router", { rules: [{ match: { tool: "[z-a]" }, upstream: "down" }] }]] } as never);
    assert.equal(broken.ok, false);
    const failed = await statusJson(gateway);
    assert.match(failed.lastError?.message ?? "", /router/);
    assert.equal(failed.loadedAt, before.loadedAt, "the running config stays");
    const good = await gateway.gateway.reload(gateway.gateway.config);
    assert.equal(good.ok, true);
    const reloaded = await statusJson(gateway);
    assert.equal(reloaded.lastError, null);
    assert.equal(reloaded.reloads, before.reloads + 1);
    assert.equal(reloaded.upstreams.find((upstream) => upstream.name === "down")?.state, "failing", "figures outlive a reload");
  });

  describe("mcp-gateway status", () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), "mcpgw-status-"));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it("prints the summary from --admin-url with MCP_GATEWAY_ADMIN_TOKEN", async () => {
      const { stdout } = await exec(process.execPath, [BIN, "status", "--admin-url", gateway.gateway.adminUrl!], {
        env: { PATH: process.env.PATH, NO_COLOR: "1", MCP_GATEWAY_ADMIN_TOKEN: ADMIN_TOKEN },
        timeout: 30_000,
      });
      assert.match(stdout, /^mcp-gateway \d+\.\d+\.\d+, up /);
      assert.match(stdout, /^ {2}legacy +up +\d+ +0 +[\d.]+ ms/m);
      assert.match(stdout, /^ {2}down +failing +3 +3 /m);
      assert.match(stdout, /1\. tool=broken_\* -> down/);
      assert.match(stdout, /Plugins: auth-apikey@\S+, router@\S+/);
      for (const secret of SECRETS) assert.ok(!stdout.includes(secret));
    });

    it("finds the listener and its token (an ${ENV} placeholder) in the config", async () => {
      const file = path.join(dir, "config.yml");
      const port = new URL(gateway.gateway.adminUrl!).port;
      await writeFile(file, `admin:\n  port: ${port}\n  token: \${STATUS_ADMIN_TOKEN}\nupstreams:\n  - name: x\n    url: http://127.0.0.1:1/mcp\n`);
      const { stdout } = await exec(process.execPath, [BIN, "status", "-c", file], { env: { PATH: process.env.PATH, NO_COLOR: "1", STATUS_ADMIN_TOKEN: ADMIN_TOKEN }, timeout: 30_000 });
      assert.match(stdout, /down +failing/);
    });

    it("says what is wrong, and exits 1: no token, no admin section, nothing listening", async () => {
      const noToken = await exec(process.execPath, [BIN, "status", "--admin-url", gateway.gateway.adminUrl!], { env: { PATH: process.env.PATH }, timeout: 30_000 }).catch((err: { code: number; stderr: string }) => err);
      assert.equal((noToken as { code: number }).code, 1);
      assert.match((noToken as { stderr: string }).stderr, /wants the admin token: set MCP_GATEWAY_ADMIN_TOKEN/);
      const file = path.join(dir, "no-admin.yml");
      await writeFile(file, "upstreams:\n  - name: x\n    url: http://127.0.0.1:1/mcp\n");
      const noAdmin = await exec(process.execPath, [BIN, "status", "-c", file], { env: { PATH: process.env.PATH }, timeout: 30_000 }).catch((err: { code: number; stderr: string }) => err);
      assert.equal((noAdmin as { code: number }).code, 1);
      assert.match((noAdmin as { stderr: string }).stderr, /no admin listener \(admin\.port\) to ask/);
      const nothing = await exec(process.execPath, [BIN, "status", "--admin-url", `http://127.0.0.1:${await deadPort()}`], { env: { PATH: process.env.PATH }, timeout: 30_000 }).catch(
        (err: { code: number; stderr: string }) => err,
      );
      assert.equal((nothing as { code: number }).code, 1);
      assert.match((nothing as { stderr: string }).stderr, /cannot reach the admin listener at http:\/\/127\.0\.0\.1:\d+\/status\.json: .*ECONNREFUSED/);
    });
  });

  describe("in a real browser (headless Chromium)", { skip: chromiumSkipReason() }, () => {
    it("shows the figures, refreshes itself as traffic moves them, with no console error; saves a screenshot", async () => {
      const browser = await launchChromium();
      try {
        // The browser logs in as a person would: Basic, the token as password.
        const context = await browser.newContext({ httpCredentials: { username: "operator", password: ADMIN_TOKEN }, viewport: { width: 1100, height: 900 } });
        const page = await context.newPage();
        const problems: string[] = [];
        page.on("console", (message) => {
          if (message.type() === "error" || message.type() === "warning") problems.push(`${message.type()}: ${message.text()}`);
        });
        page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
        page.on("requestfailed", (request) => problems.push(`requestfailed: ${request.url()}`));
        const response = await page.goto(`${gateway.gateway.adminUrl}/?refresh=1`);
        assert.equal(response?.status(), 200);
        assert.match(response?.headers()["content-security-policy"] ?? "", /default-src 'self'/);
        assert.match(await page.textContent("h1") ?? "", /mcp-gateway \d+\.\d+\.\d+/);
        assert.equal(await page.getAttribute('tr[data-upstream="down"]', "data-state"), "failing");
        assert.equal(await page.getAttribute('tr[data-upstream="legacy"]', "data-state"), "up");
        assert.match((await page.textContent("#routes")) ?? "", /tool=broken_\*\s*→\s*down/);
        assert.match((await page.textContent("#plugins")) ?? "", /auth-apikey@/);
        const callsBefore = Number(await page.textContent('tr[data-upstream="legacy"] .calls'));

        // More traffic: the page, refreshing itself every second, shows it without a reload.
        for (let i = 0; i < 7; i++) await client.client.callTool({ name: "echo", arguments: { message: `again ${i}` } });
        // A function, not a string: the page's CSP (rightly) forbids evaluating strings in it.
        await page.waitForFunction((least) => Number((globalThis as unknown as InPage).document.querySelector('tr[data-upstream="legacy"] .calls')?.textContent) >= least, callsBefore + 7, { timeout: 10_000 });
        assert.match((await page.textContent(".updated")) ?? "", /^updated /);
        for (const secret of SECRETS) assert.ok(!(await page.content()).includes(secret), `the page shows ${secret}`);

        const dir = path.join(REPO_ROOT, "test-results");
        await mkdir(dir, { recursive: true });
        await page.screenshot({ path: path.join(dir, "status-page.png"), fullPage: true });
        // A phone's width: the tables scroll within themselves, the page does not.
        await page.setViewportSize({ width: 390, height: 844 });
        const overflow = await page.evaluate(() => {
          const { documentElement } = (globalThis as unknown as InPage).document;
          return documentElement.scrollWidth - documentElement.clientWidth;
        });
        assert.ok(overflow <= 1, `the page is ${overflow}px wider than a phone`);
        await page.screenshot({ path: path.join(dir, "status-page-phone.png"), fullPage: true });
        assert.deepEqual(problems, []);
      } finally {
        await browser.close();
      }
    });
  });
});
