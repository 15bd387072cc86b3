/** The fixtures `@mcp-gateway/runtime/testing` gives plugin authors, through the package entry they import. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { definePlugin, type Subject } from "@mcp-gateway/runtime";
import { callerHeaders, headerAuthPlugin, notification, rpc, startTestGateway, toolsCall, toolsList, waitFor, within, type TestGateway } from "@mcp-gateway/runtime/testing";

const TESTING_SRC = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "src", "testing");

/** Records the subject each request reaches `authorize` with. */
function subjectProbe() {
  const seen: (Subject | undefined)[] = [];
  const plugin = definePlugin({
    name: "subject-probe",
    version: "1.0.0",
    api: "^1",
    setup(gateway) {
      gateway.hooks.authorize.tapPromise(async (ctx) => void seen.push(ctx.subject));
    },
  });
  return { plugin, seen };
}

type ErrorBody = { error: { message: string; data: { code: string } } };

describe("testing: the modules", () => {
  it("import one another without a cycle", () => {
    const modules = readdirSync(TESTING_SRC).filter((file) => file.endsWith(".ts"));
    const imports = new Map(
      modules.map((file) => {
        const source = readFileSync(path.join(TESTING_SRC, file), "utf8");
        const targets = [...source.matchAll(/from "\.\/([^"]+)\.js"/g)].map((match) => `${match[1]}.ts`);
        return [file, targets] as const;
      }),
    );
    const visiting: string[] = [];
    const visit = (file: string) => {
      assert.ok(!visiting.includes(file), `import cycle: ${[...visiting, file].join(" -> ")}`);
      visiting.push(file);
      for (const target of imports.get(file) ?? []) visit(target);
      visiting.pop();
    };
    for (const file of modules) visit(file);
    assert.ok((imports.get("index.ts") ?? []).length > 3, "index.ts re-exports the helpers");
    for (const [file, targets] of imports) assert.ok(!targets.includes("index.ts"), `${file} imports the entry`);
  });
});

describe("testing: the docs", () => {
  it("name every helper of the entry, in docs/plugins.md's Testing section and the runtime README", async () => {
    const root = path.join(TESTING_SRC, "..", "..", "..", "..");
    const guide = readFileSync(path.join(root, "docs", "plugins.md"), "utf8").split("\n## Testing\n")[1]?.split("\n## ")[0] ?? "";
    const readme = readFileSync(path.join(root, "packages", "runtime", "README.md"), "utf8");
    const exported = Object.keys(await import("@mcp-gateway/runtime/testing"));
    assert.ok(exported.length > 5, exported.join(", "));
    for (const name of exported) {
      assert.ok(guide.includes(`${name}(`), `docs/plugins.md's Testing section does not show ${name}(…)`);
      assert.ok(readme.includes(name), `packages/runtime/README.md does not name ${name}`);
    }
  });
});

describe("testing: JSON-RPC builders", () => {
  it("serialise as a client sends them, jsonrpc, id, method, params in that order", () => {
    assert.equal(JSON.stringify(toolsList(1)), '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}');
    assert.equal(JSON.stringify(toolsCall("a", "math.add", { x: 1 })), '{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"math.add","arguments":{"x":1}}}');
    assert.equal(JSON.stringify(toolsCall(2, "echo")), '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{}}}');
    assert.equal(JSON.stringify(rpc(3, "prompts/get", { name: "p" })), '{"jsonrpc":"2.0","id":3,"method":"prompts/get","params":{"name":"p"}}');
    assert.equal(JSON.stringify(notification("notifications/initialized")), '{"jsonrpc":"2.0","method":"notifications/initialized"}');
  });
});

describe("testing: waitFor and within", () => {
  it("waitFor resolves with the first value the probe returns", async () => {
    let calls = 0;
    const value = await waitFor("the third probe", () => (++calls === 3 ? "ready" : undefined), { intervalMs: 1 });
    assert.equal(value, "ready");
    assert.equal(calls, 3);
  });

  it("waitFor rejects with a TimeoutError naming what never happened", async () => {
    await assert.rejects(waitFor("godot", () => undefined, { timeoutMs: 30, intervalMs: 5 }), { name: "TimeoutError", message: "timed out after 30 ms waiting for godot" });
  });

  it("waitFor passes on an error the probe throws, at once", async () => {
    const started = Date.now();
    await assert.rejects(
      waitFor("nothing", () => {
        throw new Error("probe broke");
      }),
      { message: "probe broke" },
    );
    assert.ok(Date.now() - started < 1_000);
  });

  it("within settles as the promise does, or rejects with a TimeoutError", async () => {
    assert.equal(await within(Promise.resolve(7), 1_000, "seven"), 7);
    await assert.rejects(within(Promise.reject(new Error("no")), 1_000, "a refusal"), { message: "no" });
    await assert.rejects(within(new Promise(() => undefined), 20, "the answer"), { name: "TimeoutError", message: "the answer: did not happen within 20 ms" });
  });
});

describe("testing: headerAuthPlugin", () => {
  const probe = subjectProbe();
  const open: TestGateway[] = [];
  const start = async (...auth: ReturnType<typeof headerAuthPlugin>[]) => {
    const gw = await startTestGateway({ plugins: [...auth.map((plugin) => ({ plugin })), { plugin: probe.plugin }] });
    open.push(gw);
    return gw;
  };
  before(() => void (probe.seen.length = 0));
  after(() => Promise.all(open.map((gw) => gw.close())));

  it("trusts x-tenant and x-client without credentials, and leaves a caller without them to the runtime's 401", async () => {
    const gw = await start(headerAuthPlugin());
    probe.seen.length = 0;
    assert.equal((await gw.post(toolsList(1), callerHeaders("acme", "bot"))).status, 200);
    assert.deepEqual(probe.seen, [{ tenant: "acme", client: "bot" }]);
    const anonymous = await gw.post(toolsList(2), { "x-tenant": "acme" });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers.get("www-authenticate"), null);
  });

  it("with credentials: a known one sets its subject, an unknown one is a 401, none gets the challenge", async () => {
    const gw = await start(
      headerAuthPlugin({
        name: "token-auth",
        from: ["x-api-key", { header: "authorization", scheme: "Token" }],
        credentials: { good: { tenant: "acme", client: "ci", id: "key-1" } },
        challenge: 'Token realm="test"',
        message: "Unauthorized: bad token",
      }),
    );
    probe.seen.length = 0;
    assert.equal((await gw.post(toolsList(1), { "x-api-key": "good" })).status, 200);
    assert.equal((await gw.post(toolsList(2), { authorization: "token good" })).status, 200, "the scheme is case-insensitive");
    assert.deepEqual(probe.seen, [
      { tenant: "acme", client: "ci", id: "key-1" },
      { tenant: "acme", client: "ci", id: "key-1" },
    ]);
    const unknown = await gw.post(toolsList(3), { authorization: "Token forged" });
    assert.equal(unknown.status, 401);
    assert.deepEqual([(unknown.body as ErrorBody).error.message, (unknown.body as ErrorBody).error.data.code], ["Unauthorized: bad token", "MCPGW_ERR_UNAUTHENTICATED"]);
    for (const headers of [{}, { authorization: "Bearer good" }] as Record<string, string>[]) {
      const challenged = await gw.post(toolsList(4), headers);
      assert.equal(challenged.status, 401, JSON.stringify(headers));
      assert.equal(challenged.headers.get("www-authenticate"), 'Token realm="test"', "another scheme is no credential of this kind");
    }
  });

  it('with unknown: "pass" leaves an unknown credential to the next plugin, and never overrides one that identified the caller', async () => {
    const first = headerAuthPlugin({ name: "first-auth", from: ["x-first"], credentials: { one: { tenant: "t1", client: "c1" } }, unknown: "pass" });
    const second = headerAuthPlugin({ name: "second-auth", from: ["x-second"], credentials: { two: { tenant: "t2", client: "c2" } } });
    const gw = await start(first, second);
    probe.seen.length = 0;
    assert.equal((await gw.post(toolsList(1), { "x-first": "nope", "x-second": "two" })).status, 200);
    assert.equal((await gw.post(toolsList(2), { "x-first": "one", "x-second": "forged" })).status, 200);
    assert.deepEqual(probe.seen, [
      { tenant: "t2", client: "c2" },
      { tenant: "t1", client: "c1" },
    ]);
    assert.equal((await gw.post(toolsList(3), { "x-second": "forged" })).status, 401);
  });
});
