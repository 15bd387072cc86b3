import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import { ANONYMOUS, definePlugin, GatewayError, type Outcome, type PluginApi, type PluginDefinition, type Subject, type TapOptions } from "@mcp-gateway/runtime";
import { headerAuthPlugin, startTestGateway, toolsCall, toolsList, within } from "@mcp-gateway/runtime/testing";
import { readEvents, startRawUpstream, type RawUpstream, type Responder } from "../fixtures/raw-upstream.ts";
import { REPO_ROOT } from "../helpers/spawn-gateway.ts";

interface ErrorBody {
  id: unknown;
  error: { code: number; message: string; data: { code: string } };
}

function testPlugin(name: string, setup: (gateway: PluginApi) => void, extra: Pick<PluginDefinition, "authenticates" | "errors"> = {}) {
  return definePlugin({ name, version: "1.0.0", api: "^1", ...extra, setup });
}

/** A plugin whose taps on onRequest and authorize append `hook:name` to `trace`. */
function tracer(name: string, trace: string[], options: TapOptions = {}) {
  return testPlugin(name, (gateway) => {
    gateway.hooks.onRequest.tapPromise(options, async () => void trace.push(`onRequest:${name}`));
    gateway.hooks.authorize.tapPromise(options, async () => void trace.push(`authorize:${name}`));
  });
}

/** Collects `ctx.outcome` of every request, which onResponse sees after the client has its answer. */
function outcomeRecorder() {
  const outcomes: Outcome[] = [];
  let arrived: (() => void) | undefined;
  const plugin = testPlugin("outcome-recorder", (gateway) => {
    gateway.hooks.onResponse.tapPromise(async (ctx) => {
      outcomes.push(ctx.outcome!);
      arrived?.();
    });
  });
  async function at(index: number): Promise<Outcome> {
    while (outcomes.length <= index) await new Promise<void>((resolve) => (arrived = resolve));
    return outcomes[index]!;
  }
  return {
    plugin,
    /** How many outcomes have been seen so far. */
    count: () => outcomes.length,
    at: (index: number) => within(at(index), 5_000, `onResponse sees request #${index + 1}`),
  };
}

describe("tap order", () => {
  it("runs taps in stage order across plugins (AUTHN, POLICY, LIMIT, then OBSERVE), whatever the config order", async () => {
    const trace: string[] = [];
    const gw = await startTestGateway({
      plugins: [
        { plugin: tracer("observe", trace, { stage: "OBSERVE" }) },
        { plugin: tracer("limit", trace, { stage: "LIMIT" }) },
        { plugin: tracer("policy", trace, { stage: "POLICY" }) },
        { plugin: tracer("authn", trace, { stage: "AUTHN" }) },
      ],
    });
    try {
      assert.equal((await gw.post(toolsList(1))).status, 200);
      assert.deepEqual(trace, [
        "onRequest:authn",
        "onRequest:policy",
        "onRequest:limit",
        "onRequest:observe",
        "authorize:authn",
        "authorize:policy",
        "authorize:limit",
        "authorize:observe",
      ]);
    } finally {
      await gw.close();
    }
  });

  it("keeps config order within a stage, except that `before` moves a tap ahead of the plugin it names", async () => {
    const trace: string[] = [];
    const gw = await startTestGateway({
      plugins: [
        { plugin: tracer("alpha", trace) },
        { plugin: tracer("beta", trace) },
        { plugin: tracer("gamma", trace, { before: "alpha" }) },
      ],
    });
    try {
      await gw.post(toolsList(1));
      assert.deepEqual(trace.filter((entry) => entry.startsWith("onRequest:")), ["onRequest:gamma", "onRequest:alpha", "onRequest:beta"]);
    } finally {
      await gw.close();
    }
  });

  it("moves every tap of a plugin when its inline entry overrides the stage", async () => {
    const trace: string[] = [];
    const early = testPlugin("early", (gateway) => {
      gateway.hooks.onRequest.tapPromise({ stage: "AUTHN" }, async () => void trace.push("onRequest:early"));
      gateway.hooks.authorize.tapPromise(async () => void trace.push("authorize:early"));
    });
    const gw = await startTestGateway({
      plugins: [{ plugin: early, stage: "OBSERVE" }, { plugin: tracer("other", trace) }],
    });
    try {
      await gw.post(toolsList(1));
      assert.deepEqual(trace, ["onRequest:other", "onRequest:early", "authorize:other", "authorize:early"]);
    } finally {
      await gw.close();
    }
  });

  describe("a config entry's stage override", () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), "mcpgw-hooks-"));
      const runtime = pathToFileURL(path.join(REPO_ROOT, "packages/runtime/dist/index.js")).href;
      // A plugin file next to the config, as an in-house plugin would be; it leaves its mark in ctx.state.
      await writeFile(
        path.join(dir, "stamp.mjs"),
        `import { definePlugin } from ${JSON.stringify(runtime)};
export default definePlugin({
  name: "stamp",
  version: "2.0.0",
  api: "^1",
  setup(gateway) {
    gateway.hooks.onRequest.tapPromise({ stage: "AUTHN" }, async (ctx) => {
      (ctx.state.trace ??= []).push("stamp");
    });
  },
});
`,
      );
    });
    after(() => rm(dir, { recursive: true, force: true }));

    it("moves the taps of a plugin loaded from a file next to the config", async () => {
      const traces: unknown[] = [];
      const inline = testPlugin("inline", (gateway) => {
        gateway.hooks.onRequest.tapPromise(async (ctx) => void ((ctx.state.trace ??= []) as string[]).push("inline"));
        gateway.hooks.authorize.tapPromise(async (ctx) => void traces.push(ctx.state.trace));
      });
      const configFile = path.join(dir, "mcp-gateway.config.json");
      const start = (stage?: "OBSERVE") =>
        startTestGateway({ configFile, config: { plugins: [stage ? { name: "./stamp.mjs", stage } : "./stamp.mjs"] }, plugins: [{ plugin: inline }] });
      for (const stage of [undefined, "OBSERVE"] as const) {
        const gw = await start(stage);
        try {
          assert.equal((await gw.post(toolsList(1))).status, 200);
        } finally {
          await gw.close();
        }
      }
      assert.deepEqual(traces, [
        ["stamp", "inline"],
        ["inline", "stamp"],
      ]);
    });
  });

  it("refuses to start when a `before` names a plugin that does not tap that hook", async () => {
    const auth = testPlugin("auth", (gateway) => gateway.hooks.onRequest.tapPromise(async () => undefined));
    const sneaky = testPlugin("sneaky", (gateway) => gateway.hooks.authorize.tapPromise({ before: "auth" }, async () => undefined));
    await assert.rejects(startTestGateway({ plugins: [{ plugin: auth }, { plugin: sneaky }] }), (err: Error & { code?: string }) => {
      assert.equal(err.code, "MCPGW_ERR_HOOK_BEFORE_UNKNOWN");
      assert.match(err.message, /"sneaky"/);
      assert.match(err.message, /authorize/);
      assert.match(err.message, /"auth"/);
      return true;
    });
  });
});

describe("errors thrown by taps", () => {
  const SECRET = "sk-live-7f3a9c";
  const recorder = outcomeRecorder();
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  before(async () => {
    const gatekeeper = testPlugin(
      "gatekeeper",
      (gateway) => {
        gateway.hooks.authorize.tapPromise(async (ctx) => {
          const tool = ctx.calls[0]?.toolName;
          if (tool === "limited") {
            throw GatewayError.from("TEST_ERR_LIMITED", undefined, {
              headers: { "retry-after": "7", "ratelimit-remaining": "0" },
              cause: new Error(`bucket for key ${SECRET} is empty`),
            });
          }
          if (tool === "broken") throw new Error(`cannot reach postgres://admin:${SECRET}@db`);
        });
      },
      { errors: { TEST_ERR_LIMITED: { status: 429, message: "Too many calls", meaning: "The test's own limit.", fix: "Call less." } } },
    );
    gw = await startTestGateway({ plugins: [{ plugin: gatekeeper }, { plugin: recorder.plugin }] });
  });
  after(() => gw.close());

  it("maps a GatewayError to its status, JSON-RPC code, error code and extra headers, and reveals nothing secret", async () => {
    const response = await gw.post(toolsCall(5, "limited"), { "x-api-key": SECRET });
    assert.equal(response.status, 429);
    assert.equal(response.headers.get("retry-after"), "7");
    assert.equal(response.headers.get("ratelimit-remaining"), "0");
    const body = response.body as ErrorBody;
    assert.equal(body.id, 5);
    assert.equal(body.error.code, -32029);
    assert.equal(body.error.message, "Too many calls");
    assert.equal(body.error.data.code, "TEST_ERR_LIMITED");
    assert.doesNotMatch(response.text, new RegExp(SECRET));
    assert.doesNotMatch(response.text, /stack|cause/);
  });

  it("answers a plain Error from a tap with 500, -32603 and MCPGW_ERR_PLUGIN_FAILED, naming the plugin but not the error", async () => {
    const response = await gw.post(toolsCall(6, "broken"));
    assert.equal(response.status, 500);
    const body = response.body as ErrorBody;
    assert.equal(body.id, 6);
    assert.equal(body.error.code, -32603);
    assert.equal(body.error.data.code, "MCPGW_ERR_PLUGIN_FAILED");
    assert.match(body.error.message, /gatekeeper/);
    assert.doesNotMatch(response.text, /postgres|7f3a9c/);
  });

  it("shows onResponse served requests and rejected ones, with the plugin and hook that rejected", async () => {
    const seen = recorder.count();
    assert.equal((await gw.post(toolsCall(7, "allowed"))).status, 200);
    const served = await recorder.at(seen);
    assert.equal(served.kind, "served");
    assert.equal(served.statusCode, 200);

    assert.equal((await gw.post(toolsCall(8, "limited"))).status, 429);
    const rejected = await recorder.at(seen + 1);
    assert.equal(rejected.kind, "rejected");
    assert.equal(rejected.statusCode, 429);
    assert.equal(rejected.errorCode, "TEST_ERR_LIMITED");
    assert.equal(rejected.jsonRpcErrorCode, -32029);
    assert.equal(rejected.plugin, "gatekeeper");
    assert.equal(rejected.hook, "authorize");
  });
});

describe("authentication", () => {
  /** An auth plugin that accepts `credential` in `header`, and otherwise offers its challenge. */
  const authPlugin = (name: string, header: string, credential: string, challenge: string) =>
    headerAuthPlugin({ name, from: [header], credentials: { [credential]: { tenant: "acme", client: name } }, challenge });

  it("answers 401 with every challenge the auth plugins offered when none identified the caller", async () => {
    const gw = await startTestGateway({
      plugins: [
        { plugin: authPlugin("bearer-auth", "x-token", "good-token", 'Bearer realm="mcp"') },
        { plugin: authPlugin("key-auth", "x-key", "good-key", 'ApiKey realm="mcp"') },
      ],
    });
    try {
      const response = await gw.post(toolsList(9));
      assert.equal(response.status, 401);
      assert.equal(response.headers.get("www-authenticate"), 'Bearer realm="mcp", ApiKey realm="mcp"');
      const body = response.body as ErrorBody;
      assert.equal(body.id, 9);
      assert.equal(body.error.code, -32001);
      assert.equal(body.error.data.code, "MCPGW_ERR_UNAUTHENTICATED");
      assert.equal(gw.upstream!.requests.length, 0);

      const accepted = await gw.post(toolsList(10), { "x-key": "good-key" });
      assert.equal(accepted.status, 200);
    } finally {
      await gw.close();
    }
  });

  it("gives every caller the anonymous subject when no auth plugin is configured", async () => {
    const subjects: (Subject | undefined)[] = [];
    const watcher = testPlugin("subject-watcher", (gateway) => gateway.hooks.authorize.tapPromise(async (ctx) => void subjects.push(ctx.subject)));
    const gw = await startTestGateway({ plugins: [{ plugin: watcher }] });
    try {
      assert.equal((await gw.post(toolsList(11))).status, 200);
      assert.deepEqual(subjects, [{ tenant: "anonymous", client: "anonymous" }]);
      assert.equal(subjects[0], ANONYMOUS);
    } finally {
      await gw.close();
    }
  });
});

describe("result transforms", () => {
  const tools = [{ name: "search" }, { name: "admin.drop" }];
  const hideAdmin = testPlugin("hide-admin", (gateway) => {
    gateway.hooks.transformResult.for("tools/list").tapPromise(async (result) => {
      const { tools: listed } = result as { tools: { name: string }[] };
      return { tools: listed.filter((tool) => !tool.name.startsWith("admin.")) };
    });
  });
  const answerTools =
    (asStream: boolean): Responder =>
    (exchange) => {
      const { id, method } = exchange.message as { id: number; method: string };
      const response = { jsonrpc: "2.0", id, result: method === "tools/list" ? { tools } : { content: [], method } };
      if (!asStream) return exchange.json(200, response);
      const stream = exchange.sse();
      stream.send({ jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "listing" } });
      stream.send(response);
      stream.end();
    };
  let upstream: RawUpstream;
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  before(async () => {
    upstream = await startRawUpstream();
    gw = await startTestGateway({ config: { upstreams: [{ name: "raw", url: upstream.url }] }, plugins: [{ plugin: hideAdmin }] });
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  it("rewrites the tools/list result the client gets from a JSON response", async () => {
    upstream.respondWith(answerTools(false));
    const response = await gw.post(toolsList(12));
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { jsonrpc: "2.0", id: 12, result: { tools: [{ name: "search" }] } });
    assert.equal(response.headers.get("content-length"), String(Buffer.byteLength(response.text)));
  });

  it("rewrites the tools/list result inside an event stream and passes the other events through", async () => {
    upstream.respondWith(answerTools(true));
    const response = await fetch(gw.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify(toolsList(13)),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "text/event-stream");
    const events = readEvents(response);
    assert.deepEqual(await events.next(), { jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "listing" } });
    assert.deepEqual(await events.next(), { jsonrpc: "2.0", id: 13, result: { tools: [{ name: "search" }] } });
    assert.equal(await within(events.ended, 5_000, "the transformed stream ends"), "end");
  });

  it("leaves the results of other methods untouched", async () => {
    upstream.respondWith(answerTools(false));
    const response = await gw.post(toolsCall(14, "search"));
    assert.deepEqual(response.body, { jsonrpc: "2.0", id: 14, result: { content: [], method: "tools/call" } });
  });
});
