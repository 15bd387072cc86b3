import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TargetKind } from "@mcp-gateway/runtime";
import { checkUpstreams, compileRouter, describeRoutes, type CallFacts } from "../src/match-route.js";
import { optionsSchema } from "../src/options.js";

const rulesOf = (rules: unknown) => optionsSchema.parse({ rules }).rules;
const routerOf = (rules: unknown) => compileRouter(rulesOf(rules));

const request = (method: string, names: Partial<CallFacts> = {}): CallFacts => ({ kind: "request", method, ...names });
const named = (method: string, kind: TargetKind, name: string) => request(method, { target: { kind, name } });
const tool = (name: string) => named("tools/call", "tool", name);

/** The sectioned format README's three-upstream example. */
const SECTIONED_ROUTING = [
  { match: { method: "tools/call", tool: "math.*" }, upstream: "mcp-math" },
  { match: { method: "tools/call", tool: "kb.*" }, upstream: "mcp-kb" },
  { match: { method: "tools/call", tool: "reports.*" }, upstream: "mcp-reports" },
  { match: { method: "*" }, upstream: "mcp-reports" },
];

describe("routing rules", () => {
  it("routes the sectioned format's example: tools by name prefix, everything else to the catch-all", () => {
    const router = routerOf(SECTIONED_ROUTING);
    assert.equal(router.route([tool("math.add")]), "mcp-math");
    assert.equal(router.route([tool("kb.search")]), "mcp-kb");
    assert.equal(router.route([tool("reports.weekly")]), "mcp-reports");
    assert.equal(router.route([tool("other")]), "mcp-reports");
    assert.equal(router.route([request("tools/list")]), "mcp-reports");
    assert.equal(router.route([request("initialize")]), "mcp-reports");
  });

  it("takes the first matching rule, not the most specific one", () => {
    const router = routerOf([
      { match: { method: "tools/*" }, upstream: "first" },
      { match: { method: "tools/call", tool: "echo" }, upstream: "second" },
    ]);
    assert.equal(router.route([tool("echo")]), "first");
  });

  it("returns nothing when no rule matches, so the runtime uses the first upstream", () => {
    assert.equal(routerOf([{ match: { method: "prompts/*" }, upstream: "p" }]).route([tool("echo")]), undefined);
    assert.equal(routerOf([]).route([tool("echo")]), undefined);
  });

  it("applies tool, resource and prompt rules to every call naming a target of that kind", () => {
    const router = routerOf([
      { match: { tool: "*" }, upstream: "tools" },
      { match: { resource: "kb://*" }, upstream: "kb" },
      { match: { prompt: "review" }, upstream: "prompts" },
    ]);
    assert.equal(router.route([tool("anything")]), "tools");
    assert.equal(router.route([request("tools/list")]), undefined);
    assert.equal(router.route([named("resources/read", "resource", "kb://doc/1")]), "kb");
    assert.equal(router.route([named("resources/subscribe", "resource", "kb://doc/1")]), "kb");
    assert.equal(router.route([named("completion/complete", "resource", "kb://doc/{id}")]), "kb");
    assert.equal(router.route([named("resources/read", "resource", "file:///x")]), undefined);
    assert.equal(router.route([named("prompts/get", "prompt", "review")]), "prompts");
    assert.equal(router.route([named("completion/complete", "prompt", "review")]), "prompts");
    assert.equal(router.route([named("completion/complete", "prompt", "other")]), undefined);
    assert.equal(router.route([request("prompts/list")]), undefined);
  });

  it("does not match a name rule when the call carries no name", () => {
    assert.equal(routerOf([{ match: { tool: "*" }, upstream: "tools" }]).route([request("tools/call")]), undefined);
  });

  it("routes a batch by its first request, and a body of notifications by the first one", () => {
    const router = routerOf([
      { match: { method: "tools/call", tool: "math.*" }, upstream: "math" },
      { match: { method: "notifications/*" }, upstream: "notes" },
    ]);
    const batch = [{ kind: "notification", method: "notifications/progress" }, tool("math.add"), tool("other")] as CallFacts[];
    assert.equal(router.route(batch), "math");
    assert.equal(router.route([tool("other"), tool("math.add")]), undefined);
    assert.equal(router.route([{ kind: "notification", method: "notifications/initialized" }]), "notes");
  });

  it("sends a request with no method to match (GET, DELETE, responses) to the first catch-all rule", () => {
    const router = routerOf(SECTIONED_ROUTING);
    assert.equal(router.route([]), "mcp-reports");
    assert.equal(router.route([{ kind: "response" }]), "mcp-reports");
    assert.equal(routerOf([{ match: {}, upstream: "all" }]).route([]), "all");
    assert.equal(routerOf([{ match: { method: "tools/*" }, upstream: "t" }]).route([]), undefined);
  });
});

describe("routing rules against the configured upstreams", () => {
  it("accepts rules that name configured upstreams", () => {
    assert.doesNotThrow(() => checkUpstreams(rulesOf(SECTIONED_ROUTING), ["mcp-math", "mcp-kb", "mcp-reports"]));
  });

  it("names the first rule with an unknown upstream, and the known ones", () => {
    assert.throws(() => checkUpstreams(rulesOf(SECTIONED_ROUTING), ["mcp-math", "mcp-reports"]), {
      name: "UnknownUpstreamError",
      message: 'unknown upstream "mcp-kb" (known: mcp-math, mcp-reports)',
      optionPath: ["rules", 1, "upstream"],
    });
  });
});

describe("routes table", () => {
  it("describes each rule's given match fields in order, an empty match as method=*", () => {
    assert.deepEqual(describeRoutes(rulesOf([...SECTIONED_ROUTING.slice(0, 1), { match: {}, upstream: "all" }])), [
      { match: { method: "tools/call", tool: "math.*" }, upstream: "mcp-math" },
      { match: { method: "*" }, upstream: "all" },
    ]);
  });
});
