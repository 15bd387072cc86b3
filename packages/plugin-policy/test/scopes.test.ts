/**
 * Policy by scope: rules whose subject names a scope, and `requireScopes` ("tools/call admin_*
 * needs mcp:admin" as config). Scopes come from `subject.claims.scope`, as auth-oauth sets it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { describeMessage, type Subject } from "@mcp-gateway/runtime";
import { definePlugin } from "@mcp-gateway/runtime/plugin";
import { startTestGateway, type TestGateway } from "@mcp-gateway/runtime/testing";
import policy from "../src/index.js";
import { filterListResult } from "../src/filter-lists.js";
import { compilePolicy, scopesOf, type CallFacts } from "../src/match-policy.js";
import { optionsSchema } from "../src/options.js";

const policyOf = (options: unknown) => compilePolicy(optionsSchema.parse(options));
const request = (method: string, params?: Record<string, unknown>): CallFacts => describeMessage({ jsonrpc: "2.0", id: 1, method, ...(params ? { params } : {}) });
const tool = (name: string) => request("tools/call", { name });
const holding = (...scope: string[]): Subject => ({ tenant: "acme", client: "cli", claims: { scope } });

/** The issue's example: mcp:tools to use tools, and admin_* also needs mcp:admin. */
const ADMIN_POLICY = {
  default: "deny",
  rules: [{ subject: { scope: "mcp:tools" }, allow: { methods: ["initialize", "tools/list", "tools/call"], tools: ["*"] } }],
  requireScopes: [{ scope: "mcp:admin", tools: ["admin_*"] }],
};

describe("policy options with scopes", () => {
  const issue = (input: unknown) => {
    const result = optionsSchema.safeParse(input);
    return result.success ? undefined : { path: result.error.issues[0]!.path, message: result.error.issues[0]!.message };
  };

  it("accept a scope glob in a rule's subject and scope requirements", () => {
    const options = optionsSchema.parse(ADMIN_POLICY);
    assert.equal(options.rules[0]!.subject.scope, "mcp:tools");
    assert.deepEqual(options.requireScopes, [{ scope: "mcp:admin", tools: ["admin_*"] }]);
    assert.deepEqual(optionsSchema.parse({}).requireScopes, []);
    assert.equal(issue({ requireScopes: [{ scope: ["a", "b"], methods: ["resources/*"], prompts: ["p"] }] }), undefined);
  });

  it("refuse malformed ones, naming the path", () => {
    assert.deepEqual(issue({ rules: [{ subject: { scope: "mcp:{tools" } }] })?.path, ["rules", 0, "subject", "scope"]);
    assert.deepEqual(issue({ rules: [{ subject: { scopes: "mcp:tools" } }] })?.path, ["rules", 0, "subject"]);
    assert.deepEqual(issue({ requireScopes: [{ scope: "mcp admin", tools: ["x"] }] })?.path.slice(0, 3), ["requireScopes", 0, "scope"]);
    assert.deepEqual(issue({ requireScopes: [{ scope: [], tools: ["x"] }] })?.path.slice(0, 3), ["requireScopes", 0, "scope"]);
    assert.match(issue({ requireScopes: [{ scope: "mcp:admin" }] })!.message, /name at least one of methods, tools, resources or prompts/);
    assert.match(issue({ requireScopes: [{ scope: "mcp:admin", tools: [] }] })!.message, /at least one/);
    assert.deepEqual(issue({ requireScopes: [{ scope: "mcp:admin", tool: ["x"] }] })?.path, ["requireScopes", 0]);
    assert.deepEqual(issue({ requireScopes: [{ scope: "a", tools: ["x{"] }] })?.path, ["requireScopes", 0, "tools", 0]);
  });

  it("stop the gateway at load when malformed", async () => {
    await assert.rejects(startTestGateway({ plugins: [{ plugin: policy, options: { requireScopes: [{ scope: "x" }] } }] }), { code: "MCPGW_ERR_PLUGIN_OPTIONS" });
  });
});

describe("policy decisions by scope", () => {
  it("reads scopes from claims.scope, a list or a space-separated string", () => {
    assert.deepEqual(scopesOf(holding("a", "b")), ["a", "b"]);
    assert.deepEqual(scopesOf({ tenant: "t", client: "c", claims: { scope: "a  b" } }), ["a", "b"]);
    assert.deepEqual(scopesOf({ tenant: "t", client: "c" }), []);
    assert.deepEqual(scopesOf({ tenant: "t", client: "c", claims: { scope: 42 } }), []);
  });

  it("applies a rule naming a scope only to callers holding a matching one", () => {
    const rules = policyOf({ rules: [{ subject: { scope: "mcp:*" }, allow: { methods: ["tools/list"] } }] });
    assert.equal(rules.forSubject(holding("mcp:read")).denial(request("tools/list")), undefined);
    assert.equal(rules.forSubject(holding("other")).denial(request("tools/list")), 'method "tools/list" is not allowed for acme/cli');
    assert.notEqual(rules.forSubject({ tenant: "acme", client: "cli" }).denial(request("tools/list")), undefined, "a subject without scopes");
  });

  it("makes tools/call admin_* need mcp:admin, naming the scope and asking for every scope the call needs", () => {
    const rules = policyOf(ADMIN_POLICY);
    const user = rules.forSubject(holding("mcp:tools"));
    assert.equal(user.decide(tool("echo")), undefined);
    assert.deepEqual(user.decide(tool("admin_purge")), { reason: 'tool "admin_purge" needs scope mcp:admin, which acme/cli does not hold', scopes: ["mcp:admin"] });
    assert.equal(rules.forSubject(holding("mcp:tools", "mcp:admin")).decide(tool("admin_purge")), undefined);
    // The requirement does not grant anything: mcp:admin alone is not mcp:tools.
    assert.deepEqual(rules.forSubject(holding("mcp:admin")).decide(tool("admin_purge")), { reason: 'method "tools/call" is not allowed for acme/cli' });
  });

  it("joins every requirement a call meets, and needs all scopes of a list", () => {
    const rules = policyOf({
      default: "allow",
      requireScopes: [
        { scope: ["files:read", "files:write"], methods: ["resources/subscribe"] },
        { scope: "secrets", resources: ["secret://*"] },
      ],
    });
    const reader = rules.forSubject(holding("files:read"));
    assert.deepEqual(reader.decide(request("resources/subscribe", { uri: "secret://a" }))?.scopes, ["files:read", "files:write", "secrets"]);
    assert.match(reader.decide(request("resources/subscribe", { uri: "file:///a" }))!.reason, /method "resources\/subscribe" needs scope files:write,/);
    assert.equal(rules.forSubject(holding("files:read", "files:write")).decide(request("resources/subscribe", { uri: "file:///a" })), undefined);
    assert.equal(reader.decide(request("resources/read", { uri: "file:///a" })), undefined);
  });

  it("lets notifications and responses through whatever the requirements", () => {
    const rules = policyOf({ default: "allow", requireScopes: [{ scope: "x", methods: ["*"] }] }).forSubject(holding());
    assert.equal(rules.decide(describeMessage({ jsonrpc: "2.0", method: "notifications/initialized" })), undefined);
    assert.equal(rules.decide(describeMessage({ jsonrpc: "2.0", id: 1, result: {} })), undefined);
    assert.notEqual(rules.decide(request("ping")), undefined);
  });

  it("keeps one caller's decisions apart by the scopes it holds", () => {
    const rules = policyOf(ADMIN_POLICY);
    for (let round = 0; round < 3; round++) {
      assert.equal(rules.forSubject(holding("mcp:tools", "mcp:admin")).denial(tool("admin_x")), undefined);
      assert.notEqual(rules.forSubject(holding("mcp:tools")).denial(tool("admin_x")), undefined);
      assert.notEqual(rules.forSubject(holding("mcp:tools mcp:admin")).denial(tool("admin_x")), undefined, "one scope with a space is not two scopes");
    }
    for (let index = 0; index < 2_500; index++) rules.forSubject(holding("mcp:tools", `s${index}`));
    assert.equal(rules.forSubject(holding("mcp:tools", "mcp:admin")).denial(tool("admin_x")), undefined);
  });

  it("hides from tools/list what the caller's scopes do not reach", () => {
    const tools = { tools: [{ name: "echo" }, { name: "admin_purge" }] };
    const rules = policyOf(ADMIN_POLICY);
    assert.deepEqual(filterListResult("tools/list", tools, rules.forSubject(holding("mcp:tools"))), { tools: [{ name: "echo" }] });
    assert.equal(filterListResult("tools/list", tools, rules.forSubject(holding("mcp:tools", "mcp:admin"))), tools);
  });

  it("decides as before for a policy that names no scope", () => {
    const rules = policyOf({ rules: [{ subject: { tenant: "acme" }, allow: { methods: ["tools/list"] } }] });
    assert.equal(rules.forSubject(holding("anything")).decide(request("tools/list")), undefined);
    assert.deepEqual(rules.forSubject(holding()).decide(request("ping")), { reason: 'method "ping" is not allowed for acme/cli' });
  });
});

describe("policy by scope through a gateway", () => {
  const SCOPE_CHALLENGE = Symbol.for("mcp-gateway.scope-challenge");
  /** An auth plugin standing in for auth-oauth: `Authorization: Scopes a b` gives those scopes; `x-challenge: yes` offers a challenge. */
  const scopedAuth = definePlugin({
    name: "scoped-auth",
    version: "1.0.0",
    api: "^1",
    authenticates: true,
    setup(gateway) {
      gateway.hooks.onRequest.tapPromise({ stage: "AUTHN" }, async (ctx) => {
        const header = ctx.http.headers.authorization ?? "";
        if (!header.startsWith("Scopes")) return;
        ctx.subject = { tenant: "acme", client: "cli", claims: { scope: header.slice("Scopes".length).trim().split(" ").filter(Boolean) } };
        if (ctx.http.headers["x-challenge"] === "yes") {
          ctx.state[SCOPE_CHALLENGE] = (scopes: readonly string[]) => `Bearer error="insufficient_scope", scope="${scopes.join(" ")}", resource_metadata="https://gw.test/.well-known/oauth-protected-resource/mcp"`;
        }
      });
    },
  });
  const call = (id: number, name: string) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: {} } });
  type ErrorBody = { id: unknown; error: { code: number; message: string; data: { code: string; requiredScopes?: string[] } } };

  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ plugins: [{ plugin: scopedAuth }, { plugin: policy, options: ADMIN_POLICY }] });
  });
  after(() => gw?.close());

  it("lets a caller with the scopes through", async () => {
    assert.equal((await gw.post(call(1, "admin_purge"), { authorization: "Scopes mcp:tools mcp:admin" })).status, 200);
    assert.equal((await gw.post(call(2, "echo"), { authorization: "Scopes mcp:tools" })).status, 200);
  });

  it("answers a missing scope 403 with the auth plugin's insufficient_scope challenge naming it", async () => {
    const response = await gw.post(call(3, "admin_purge"), { authorization: "Scopes mcp:tools", "x-challenge": "yes" });
    assert.equal(response.status, 403);
    assert.equal(response.headers.get("www-authenticate"), 'Bearer error="insufficient_scope", scope="mcp:admin", resource_metadata="https://gw.test/.well-known/oauth-protected-resource/mcp"');
    const body = response.body as ErrorBody;
    assert.equal(body.id, 3);
    assert.equal(body.error.code, -32003);
    assert.equal(body.error.data.code, "MCPGW_ERR_FORBIDDEN");
    assert.deepEqual(body.error.data.requiredScopes, ["mcp:admin"]);
    assert.equal(body.error.message, 'Forbidden: tool "admin_purge" needs scope mcp:admin, which acme/cli does not hold');
  });

  it("answers without a challenge when no auth plugin offers one", async () => {
    const response = await gw.post(call(4, "admin_purge"), { authorization: "Scopes mcp:tools" });
    assert.equal(response.status, 403);
    assert.equal(response.headers.get("www-authenticate"), null);
    assert.deepEqual((response.body as ErrorBody).error.data.requiredScopes, ["mcp:admin"]);
  });

  it("keeps a plain denial free of scope details", async () => {
    const response = await gw.post(call(5, "echo"), { authorization: "Scopes mcp:admin", "x-challenge": "yes" });
    assert.equal(response.status, 403);
    assert.equal(response.headers.get("www-authenticate"), null);
    assert.deepEqual((response.body as ErrorBody).error.data, { code: "MCPGW_ERR_FORBIDDEN", requestId: response.headers.get("x-request-id") });
  });
});
