/**
 * Live config reload (issue 20): under load nothing fails or is dropped, a broken config changes
 * nothing, streams and sessions survive, old plugins close after their last request, and the
 * triggers (POST /reload, --watch with a rename) work on the real CLI.
 */
import assert from "node:assert/strict";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { definePlugin, parseConfig, z, type GatewayConfig } from "@mcp-gateway/runtime";
import { postJsonRpc, rpc, startEchoUpstream, startTestGateway, toolsCall, toolsList, waitFor, within, type EchoUpstream, type TestGateway } from "@mcp-gateway/runtime/testing";
import { startLegacyServer, type LegacyServer } from "../fixtures/legacy-server.ts";
import { startRawUpstream, type RawUpstream, type SseWriter } from "../fixtures/raw-upstream.ts";
import { connectLegacyClient, firstText } from "../helpers/sdk-clients.ts";
import { spawnGateway } from "../helpers/spawn-gateway.ts";
import { JSON_ONLY, LEGACY_STDIO, openSession, stdioUpstream } from "../helpers/stdio.ts";

const CONFIG_FILE = path.join(process.cwd(), "(reload test)");
const parse = (raw: Record<string, unknown>): GatewayConfig => parseConfig({ server: { host: "127.0.0.1", port: 0 }, ...raw }, CONFIG_FILE, process.env);
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const apiKeys = (...keys: string[]) => ["auth-apikey", { apiKeys: keys.map((key, index) => ({ id: `k${index}`, key, tenant: "t", client: key })) }];
const textOf = (body: unknown) => (body as { result: { content: { text: string }[] } }).result.content[0]!.text;

describe("reloading under load", () => {
  let legacy: LegacyServer;
  let echo: EchoUpstream;
  let gateway: TestGateway;
  // The SDK client's session lives on the legacy server (the first upstream); raw tools/list calls go to the echo upstream.
  const base = () => ({ upstreams: [{ name: "legacy", url: legacy.url }, { name: "echo", url: echo.url }], federation: { enabled: false } });
  const toEcho = { match: { method: "tools/list" }, upstream: "echo" };

  before(async () => {
    legacy = await startLegacyServer();
    echo = await startEchoUpstream();
    gateway = await startTestGateway({ config: { ...base(), plugins: [apiKeys("key-0"), ["router", { rules: [toEcho] }]] } as never });
  });
  after(async () => {
    await gateway?.close();
    await echo?.close();
    await legacy?.close();
  });

  it("20 reloads (keys, routes, plugins added and removed, two broken) drop or fail no call of an SDK client loop and raw calls", async () => {
    const failures: string[] = [];
    let calls = 0;
    let running = true;
    // Raw calls, about 200 a second from four loops, with the key every config keeps.
    const raw = Array.from({ length: 4 }, async (_, loop) => {
      while (running) {
        const started = Date.now();
        const response = await postJsonRpc(gateway.url, toolsList(`${loop}-${calls}`), { ...JSON_ONLY, ...bearer("key-0") }).catch((err: Error) => ({ status: 0, text: err.message }));
        calls++;
        if (response.status !== 200) failures.push(`raw: ${response.status} ${response.text}`);
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, 20 - (Date.now() - started))));
      }
    });
    // An SDK client in a session of the legacy server, calling all along.
    const { client, close } = await connectLegacyClient(gateway.url, { headers: bearer("key-0") });
    const sdk = (async () => {
      while (running) {
        try {
          const text = firstText(await client.callTool({ name: "echo", arguments: { message: "loop" } }));
          if (text !== "loop") failures.push(`sdk: answered ${text}`);
          calls++;
        } catch (err) {
          failures.push(`sdk: ${(err as Error).message}`);
        }
      }
    })();

    const results: boolean[] = [];
    try {
      for (let round = 1; round <= 20; round++) {
        // Spread over a few seconds of load, not back to back.
        await new Promise((resolve) => setTimeout(resolve, 100));
        const broken = round === 7 || round === 14;
        const rules = [toEcho, ...(round % 2 ? [{ match: { tool: "other" }, upstream: "echo" }] : [])];
        const plugins: unknown[] = [apiKeys("key-0", `key-${round}`), ["router", { rules }]];
        if (round % 3 === 0) plugins.push(["audit", { environments: ["*"] }]);
        if (broken) plugins.push(["policy", { default: "maybe" }]);
        const result = await gateway.gateway.reload(parse({ ...base(), plugins }));
        results.push(result.ok);
        const fresh = await postJsonRpc(gateway.url, toolsList(`fresh-${round}`), { ...JSON_ONLY, ...bearer(`key-${round}`) });
        if (broken) {
          assert.equal(result.ok, false, `round ${round}: the broken config was refused`);
          assert.equal(fresh.status, 401, `round ${round}: the broken config's key does not work`);
          assert.match(gateway.gateway.reloadState.lastError?.message ?? "", /policy/);
        } else {
          assert.equal(result.ok, true, `round ${round}: ${JSON.stringify(result)}`);
          assert.equal(fresh.status, 200, `round ${round}: the new key works as soon as the reload answers`);
        }
        if (round > 1) {
          const previous = await postJsonRpc(gateway.url, toolsList(`old-${round}`), { ...JSON_ONLY, ...bearer(`key-${round - 1}`) });
          // A refused config leaves the last one serving, its key with it; a good one replaces it.
          assert.equal(previous.status, broken ? 200 : 401, `round ${round}: key-${round - 1}`);
        }
      }
    } finally {
      running = false;
      await Promise.all([...raw, sdk]);
      await close();
    }
    assert.deepEqual(failures, [], `${failures.length} of ${calls} calls failed`);
    assert.ok(calls > 300, `only ${calls} calls ran during the reloads`);
    assert.equal(results.filter((ok) => !ok).length, 2);
    assert.equal(gateway.gateway.reloadState.reloads, 18);
  });
});

describe("a reload keeps what did not change", () => {
  it("holds 200 event streams across 5 reloads, and ends cleanly the streams of an upstream the reload removed", async () => {
    const writers: SseWriter[] = [];
    const answer = (exchange: { message: unknown; json(status: number, body: unknown): void }) => exchange.json(200, { jsonrpc: "2.0", id: (exchange.message as { id?: unknown }).id, result: {} });
    const streams: RawUpstream = await startRawUpstream((exchange) => (exchange.method === "GET" ? void writers.push(exchange.sse()) : answer(exchange)));
    const doomed: RawUpstream = await startRawUpstream((exchange) => (exchange.method === "GET" ? void exchange.sse() : answer(exchange)));
    const config = (audit: boolean) =>
      parse({
        upstreams: [{ name: "streams", url: streams.url }, { name: "doomed", url: doomed.url }],
        federation: { enabled: false },
        plugins: audit ? [["audit", { environments: ["*"] }]] : [],
      });
    const gateway = await startTestGateway({ config: { upstreams: [{ name: "streams", url: streams.url }, { name: "doomed", url: doomed.url }], federation: { enabled: false } } });
    const readers: { received: string; ended: boolean }[] = [];
    const controllers: AbortController[] = [];
    try {
      for (let i = 0; i < 200; i++) {
        const controller = new AbortController();
        controllers.push(controller);
        const response = await fetch(gateway.url, { headers: { accept: "text/event-stream", "mcp-session-id": `s${i}` }, signal: controller.signal });
        assert.equal(response.status, 200);
        const reader = { received: "", ended: false };
        readers.push(reader);
        void (async () => {
          const decoder = new TextDecoder();
          try {
            for await (const chunk of response.body!) reader.received += decoder.decode(chunk as Uint8Array, { stream: true });
          } catch {
            // aborted at the end of the test
          }
          reader.ended = true;
        })();
      }
      await waitFor("200 streams reached the upstream", () => (writers.length === 200 ? true : undefined));
      for (let round = 0; round < 5; round++) assert.equal((await gateway.gateway.reload(config(round % 2 === 0))).ok, true);
      for (const writer of writers) writer.send({ jsonrpc: "2.0", method: "notifications/tools/list_changed" });
      await waitFor("every stream got the event sent after the reloads", () => (readers.every((reader) => reader.received.includes("list_changed")) ? true : undefined));
      assert.equal(readers.filter((reader) => reader.ended).length, 0, "no stream ended");

      // A stream to an upstream the next config removes ends, as a finished response; the others stay.
      const toDoomed = parse({ upstreams: [{ name: "doomed", url: doomed.url }, { name: "streams", url: streams.url }], federation: { enabled: false } });
      assert.equal((await gateway.gateway.reload(toDoomed)).ok, true);
      const doomedStream = await fetch(gateway.url, { headers: { accept: "text/event-stream" } });
      assert.equal(doomedStream.status, 200);
      const ended = (async () => {
        for await (const chunk of doomedStream.body!) void chunk;
      })();
      await waitFor("the stream reached the upstream about to be removed", () => (doomed.exchanges.some((exchange) => exchange.method === "GET") ? true : undefined));
      assert.equal((await gateway.gateway.reload(parse({ upstreams: [{ name: "streams", url: streams.url }], federation: { enabled: false } }))).ok, true);
      await within(ended, 5_000, "the stream to the removed upstream ended without an error");
      assert.equal(readers.filter((reader) => reader.ended).length, 0, "the streams to the upstream that stayed are still open");
    } finally {
      for (const controller of controllers) controller.abort();
      await gateway.close();
      await streams.close();
      await doomed.close();
    }
  });

  it("keeps a stdio upstream's processes and sessions, and rate-limit buckets of unchanged limits", async () => {
    const limits = (rpm: number) => ["ratelimit", { defaultRpm: 10_000, byTool: { whoami: { rpm, burst: 1 } } }];
    const config = (rpm: number, audit: boolean) => parse({ upstreams: [stdioUpstream("files", LEGACY_STDIO)], plugins: [limits(rpm), ...(audit ? [["audit", { environments: ["*"] }]] : [])] });
    const gateway = await startTestGateway({ config: { upstreams: [stdioUpstream("files", LEGACY_STDIO)], plugins: [limits(1)] } as never });
    try {
      const session = await openSession(gateway.url);
      const whoami = () => postJsonRpc(gateway.url, toolsCall(2, "whoami"), { ...JSON_ONLY, "mcp-session-id": session });
      const first = await whoami();
      assert.equal(first.status, 200);
      const pid = (JSON.parse(textOf(first.body)) as { pid: number }).pid;
      assert.equal((await gateway.gateway.reload(config(1, true))).ok, true);
      assert.equal((await whoami()).status, 429, "the bucket of an unchanged limit carried over: still empty");
      assert.equal((await postJsonRpc(gateway.url, toolsCall(3, "echo", { message: "x" }), { ...JSON_ONLY, "mcp-session-id": session })).status, 200, "the session's process lives on");
      assert.equal((await gateway.gateway.reload(config(2, false))).ok, true);
      const later = await whoami();
      assert.equal(later.status, 200, "a changed limit starts with fresh buckets");
      assert.equal((JSON.parse(textOf(later.body)) as { pid: number }).pid, pid, "the same process");
    } finally {
      await gateway.close();
    }
  });

  it("keeps federated sessions sealed with the key the process generated (no federation.sessionKeys)", async () => {
    const legacy = await startLegacyServer();
    const other = await startLegacyServer();
    const upstreams = [{ name: "legacy", url: legacy.url }, { name: "other", url: other.url, prefix: "other" }];
    const gateway = await startTestGateway({ config: { upstreams, federation: {} } });
    try {
      const { client, close } = await connectLegacyClient(gateway.url);
      try {
        assert.equal(firstText(await client.callTool({ name: "echo", arguments: { message: "before" } })), "before");
        assert.equal((await gateway.gateway.reload(parse({ upstreams, federation: {}, plugins: [["audit", { environments: ["*"] }]] }))).ok, true);
        assert.equal(firstText(await client.callTool({ name: "echo", arguments: { message: "after" } })), "after", "the federated session outlived the reload");
      } finally {
        await close();
      }
    } finally {
      await gateway.close();
      await legacy.close();
      await other.close();
    }
  });

  it("runs the old plugins' close taps after their last request, not before", async () => {
    const raw = await startRawUpstream(() => undefined);
    const events: string[] = [];
    let built = 0;
    const tracker = definePlugin({
      name: "tracker",
      version: "1.0.0",
      api: "^1",
      options: z.strictObject({}),
      setup(api) {
        const generation = ++built;
        api.hooks.close.tapPromise(async () => void events.push(`close ${generation}`));
      },
    });
    const gateway = await startTestGateway({ config: { upstreams: [{ name: "raw", url: raw.url }] }, plugins: [{ plugin: tracker }] });
    try {
      const slow = postJsonRpc(gateway.url, rpc(1, "tools/call", { name: "slow" }), JSON_ONLY);
      const exchange = await raw.exchange(0);
      // Inline plugins are set up anew by every reload, like the config's: the new config has its own tracker.
      assert.equal((await gateway.gateway.reload(parse({ upstreams: [{ name: "raw", url: raw.url }] }))).ok, true);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(events.length, 0, "the old config's plugins are not closed while its request runs");
      events.push("answered");
      exchange.json(200, { jsonrpc: "2.0", id: 1, result: {} });
      assert.equal((await slow).status, 200, "the request that began before the reload finished on the old config");
      await waitFor("the old plugins closed", () => (events.includes("close 1") ? true : undefined));
      assert.deepEqual(events, ["answered", "close 1"]);
    } finally {
      await gateway.close();
      await raw.close();
    }
  });
});

describe("reload triggers on the real CLI", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "mcpgw-reload-"));
  let echo: EchoUpstream;
  before(async () => {
    echo = await startEchoUpstream();
  });
  after(async () => {
    await echo?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const yaml = (key: string, extra = "") =>
    [
      "server: { host: 127.0.0.1, port: 0 }",
      "admin: { port: 0, token: reload-token-0123456789 }",
      `upstreams: [{ name: echo, url: "${echo.url}" }]`,
      "plugins:",
      `  - [auth-apikey, { apiKeys: [{ key: ${key}, tenant: t, client: c }] }]`,
      extra,
      "",
    ].join("\n");

  it("--watch reloads when the file is replaced by a rename; POST /reload answers a broken config with 422 and changes nothing", async () => {
    const file = path.join(dir, "gateway.yaml");
    writeFileSync(file, yaml("first-key"));
    const gw = await spawnGateway(file, { args: ["--watch"] });
    try {
      const admin = `http://${String((await gw.waitForLog("admin listening")).address)}`;
      assert.equal((await postJsonRpc(gw.url, toolsList(1), { ...JSON_ONLY, ...bearer("first-key") })).status, 200);
      // As editors and Kubernetes do: a new file renamed over the old one.
      writeFileSync(`${file}.tmp`, yaml("second-key"));
      renameSync(`${file}.tmp`, file);
      await gw.waitForLog("config reloaded", 10_000);
      assert.equal((await postJsonRpc(gw.url, toolsList(2), { ...JSON_ONLY, ...bearer("second-key") })).status, 200);
      assert.equal((await postJsonRpc(gw.url, toolsList(3), { ...JSON_ONLY, ...bearer("first-key") })).status, 401);

      assert.equal((await fetch(`${admin}/reload`, { method: "POST" })).status, 401);
      writeFileSync(file, yaml("third-key", "  - [policy, { default: maybe }]"));
      const refused = await fetch(`${admin}/reload`, { method: "POST", headers: { authorization: "Bearer reload-token-0123456789" } });
      assert.equal(refused.status, 422);
      const body = (await refused.json()) as { status: string; problems: string[] };
      assert.equal(body.status, "error");
      assert.match(body.problems.join("\n"), /plugins\[1\].*default/);
      assert.equal((await postJsonRpc(gw.url, toolsList(4), { ...JSON_ONLY, ...bearer("second-key") })).status, 200, "the running config is untouched");
      assert.equal((await postJsonRpc(gw.url, toolsList(5), { ...JSON_ONLY, ...bearer("third-key") })).status, 401);
      const metrics = await (await fetch(`${admin}/metrics`, { headers: { authorization: "Bearer reload-token-0123456789" } })).text();
      assert.match(metrics, /^mcp_gateway_config_reloads_total\{result="ok"\} 1$/m);
      assert.match(metrics, /^mcp_gateway_config_reloads_total\{result="error"\} [12]$/m, "the refused config (the watcher may have tried it too)");
    } finally {
      await gw.stop();
    }
  });
});
