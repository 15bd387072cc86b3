import assert from "node:assert/strict";
import { SECTIONED_POLICY } from "./sectioned-policy.ts";
import { describe, it } from "node:test";
import { describeMessage } from "@mcp-gateway/runtime";
import { compilePolicy, type CallFacts } from "../src/match-policy.js";
import { optionsSchema } from "../src/options.js";

const policyOf = (options: unknown) => compilePolicy(optionsSchema.parse(options));
const LOCAL_DEV = { tenant: "client", client: "local-dev" };

/** A call as the runtime describes it from the message a client sends. */
const request = (method: string, params?: Record<string, unknown>): CallFacts => describeMessage({ jsonrpc: "2.0", id: 1, method, ...(params ? { params } : {}) });
const tool = (name: string) => request("tools/call", { name });

const SECTIONED = SECTIONED_POLICY;

describe("policy decisions", () => {
  it("allows what the sectioned format's example allows", () => {
    const rules = policyOf(SECTIONED).forSubject(LOCAL_DEV);
    assert.equal(rules.denial(request("initialize")), undefined);
    assert.equal(rules.denial(tool("echo")), undefined);
    assert.equal(rules.denial(request("resources/read", { uri: "file:///etc/hosts" })), undefined);
    assert.equal(rules.denial(request("prompts/get", { name: "review" })), undefined);
  });

  it("denies by default what no rule allows, saying what and for whom", () => {
    const rules = policyOf(SECTIONED).forSubject(LOCAL_DEV);
    assert.equal(rules.denial(request("logging/setLevel")), 'method "logging/setLevel" is not allowed for client/local-dev');
    assert.equal(policyOf(SECTIONED).forSubject({ tenant: "other", client: "local-dev" }).denial(request("initialize")), 'method "initialize" is not allowed for other/local-dev');
  });

  it("keeps each caller's merged rules apart, also past the number of callers it keeps", () => {
    const policy = policyOf({ rules: [{ subject: { tenant: "acme" }, allow: { methods: ["tools/list"] } }] });
    const acme = policy.forSubject({ tenant: "acme", client: "bot" });
    assert.equal(policy.forSubject({ tenant: "acme", client: "bot" }), acme, "the same caller's rules are reused");
    // Callers whose tenant and client would read the same if joined stay apart.
    assert.equal(policy.forSubject({ tenant: "acme", client: "x\ny" }).denial(request("tools/list")), undefined);
    assert.notEqual(policy.forSubject({ tenant: "acme\nx", client: "y" }).denial(request("tools/list")), undefined);
    for (let i = 0; i < 2_500; i++) {
      const tenant = i % 2 ? "acme" : `other-${i}`;
      const allowed = policy.forSubject({ tenant, client: `c${i}` }).denial(request("tools/list")) === undefined;
      assert.equal(allowed, tenant === "acme", `${tenant}/c${i}`);
    }
    assert.equal(policy.forSubject({ tenant: "acme", client: "bot" }).denial(request("tools/list")), undefined);
  });

  it("lets a deny beat an allow, within a rule and across rules", () => {
    assert.equal(policyOf(SECTIONED).forSubject(LOCAL_DEV).denial(tool("rm")), 'tool "rm" is denied for client/local-dev');
    const across = policyOf({
      rules: [
        { allow: { methods: ["*"], tools: ["*"] } },
        { subject: { tenant: "client" }, deny: { methods: ["tools/call"] } },
      ],
    });
    assert.equal(across.forSubject(LOCAL_DEV).denial(tool("echo")), 'method "tools/call" is denied for client/local-dev');
    assert.equal(across.forSubject({ tenant: "acme", client: "x" }).denial(tool("echo")), undefined);
  });

  it("needs the method and the tool allowed when the default is deny", () => {
    const methodOnly = policyOf({ rules: [{ allow: { methods: ["tools/call"] } }] }).forSubject(LOCAL_DEV);
    assert.equal(methodOnly.denial(tool("echo")), 'tool "echo" is not allowed for client/local-dev');
    const toolOnly = policyOf({ rules: [{ allow: { tools: ["echo"] } }] }).forSubject(LOCAL_DEV);
    assert.equal(toolOnly.denial(tool("echo")), 'method "tools/call" is not allowed for client/local-dev');
  });

  it("merges every rule whose subject matches: allows join and denies join", () => {
    const policy = policyOf({
      rules: [
        { subject: { tenant: "client" }, allow: { methods: ["tools/call"] } },
        { subject: { client: "local-dev" }, allow: { tools: ["echo"] } },
        { subject: { client: "someone-else" }, allow: { tools: ["rm"] } },
      ],
    });
    const rules = policy.forSubject(LOCAL_DEV);
    assert.equal(rules.denial(tool("echo")), undefined);
    assert.equal(rules.denial(tool("rm")), 'tool "rm" is not allowed for client/local-dev');
  });

  it("matches a subject by tenant and client globs; an omitted field or subject matches anyone", () => {
    const policy = policyOf({
      rules: [
        { subject: { tenant: "acme", client: "ci-*" }, allow: { methods: ["tools/list"] } },
        { allow: { methods: ["initialize"] } },
      ],
    });
    assert.equal(policy.forSubject({ tenant: "acme", client: "ci-nightly" }).denial(request("tools/list")), undefined);
    assert.match(policy.forSubject({ tenant: "acme", client: "dev" }).denial(request("tools/list")) ?? "", /not allowed/);
    assert.match(policy.forSubject({ tenant: "acme-2", client: "ci-x" }).denial(request("tools/list")) ?? "", /not allowed/);
    assert.equal(policy.forSubject({ tenant: "anyone", client: "at-all" }).denial(request("initialize")), undefined);
  });

  it("allows what nothing denies when the default is allow", () => {
    const rules = policyOf({ default: "allow", rules: [{ deny: { tools: ["danger.*"], methods: ["logging/*"] } }] }).forSubject(LOCAL_DEV);
    assert.equal(rules.denial(tool("echo")), undefined);
    assert.equal(rules.denial(request("completion/complete", { ref: { type: "ref/prompt", name: "p" }, argument: { name: "a", value: "" } })), undefined);
    assert.equal(rules.denial(tool("danger.rm")), 'tool "danger.rm" is denied for client/local-dev');
    assert.equal(rules.denial(request("logging/setLevel")), 'method "logging/setLevel" is denied for client/local-dev');
  });

  it("lets responses and notifications from the client pass: they are not methods to allowlist", () => {
    const rules = policyOf({ default: "deny" }).forSubject(LOCAL_DEV);
    assert.equal(rules.denial({ kind: "notification", method: "notifications/initialized", targets: [] }), undefined);
    assert.equal(rules.denial({ kind: "notification", method: "notifications/cancelled", targets: [] }), undefined);
    assert.equal(rules.denial({ kind: "response", targets: [] }), undefined);
  });

  it("checks the resource of reads and subscriptions, and the prompt of prompts/get", () => {
    const rules = policyOf({
      rules: [{ allow: { methods: ["resources/*", "prompts/get"], resources: ["file:///docs/*"], prompts: ["review"] } }],
    }).forSubject(LOCAL_DEV);
    assert.equal(rules.denial(request("resources/read", { uri: "file:///docs/a/b.md" })), undefined);
    assert.equal(rules.denial(request("resources/read", { uri: "file:///etc/passwd" })), 'resource "file:///etc/passwd" is not allowed for client/local-dev');
    assert.match(rules.denial(request("resources/subscribe", { uri: "file:///etc/passwd" })) ?? "", /resource "file:\/\/\/etc\/passwd"/);
    assert.equal(rules.denial(request("prompts/get", { name: "review" })), undefined);
    assert.equal(rules.denial(request("prompts/get", { name: "leak" })), 'prompt "leak" is not allowed for client/local-dev');
  });

  it("checks every resource a modern subscriptions/listen asks updates for", () => {
    const rules = policyOf({ rules: [{ allow: { methods: ["subscriptions/listen"], resources: ["file:///docs/*"] } }] }).forSubject(LOCAL_DEV);
    const listen = (resourceSubscriptions: string[]) =>
      request("subscriptions/listen", { notifications: { resourceSubscriptions } });
    assert.equal(rules.denial(listen(["file:///docs/a"])), undefined);
    assert.equal(rules.denial(listen(["file:///docs/a", "file:///secret"])), 'resource "file:///secret" is not allowed for client/local-dev');
  });

  it("checks the prompt or resource a completion/complete refers to", () => {
    // Regression (issue 14): with only `review` allowed, completing the arguments of `internal` was allowed.
    const rules = policyOf({ rules: [{ allow: { methods: ["*"], prompts: ["review"], resources: ["file:///docs/*"] } }] }).forSubject(LOCAL_DEV);
    const complete = (ref: unknown) => request("completion/complete", { ref, argument: { name: "a", value: "" } });
    assert.equal(rules.denial(complete({ type: "ref/prompt", name: "review" })), undefined);
    assert.equal(rules.denial(complete({ type: "ref/prompt", name: "internal" })), 'prompt "internal" is not allowed for client/local-dev');
    assert.equal(rules.denial(complete({ type: "ref/resource", uri: "file:///docs/{name}" })), undefined);
    assert.equal(rules.denial(complete({ type: "ref/resource", uri: "secret://{id}" })), 'resource "secret://{id}" is not allowed for client/local-dev');
    assert.equal(rules.denial(complete({ type: "ref/other", name: "review" })), "completion/complete without a prompt or resource ref is not allowed");
    assert.equal(rules.denial(complete(undefined)), "completion/complete without a prompt or resource ref is not allowed");
  });

  it("decides on methods named like Object.prototype members instead of crashing", () => {
    // Regression: a plain-object lookup of "constructor" found Object's constructor and threw (500).
    const rules = policyOf({ default: "allow" }).forSubject(LOCAL_DEV);
    assert.equal(rules.denial(request("constructor")), undefined);
    assert.equal(rules.denial(request("__proto__")), undefined);
    assert.equal(policyOf({}).forSubject(LOCAL_DEV).denial(request("toString")), 'method "toString" is not allowed for client/local-dev');
  });

  it("refuses a named call without the name, even when everything is allowed", () => {
    const rules = policyOf({ default: "allow" }).forSubject(LOCAL_DEV);
    assert.equal(rules.denial(request("tools/call")), "tools/call without a tool name is not allowed");
    assert.equal(rules.denial(request("resources/read")), "resources/read without a resource uri is not allowed");
    assert.equal(rules.denial(request("prompts/get")), "prompts/get without a prompt name is not allowed");
  });
});
