import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileGlobs } from "@mcp-gateway/runtime";
import { optionsSchema } from "../src/options.js";

describe("router options", () => {
  it("accept the sectioned format's routing list as rules", () => {
    const options = optionsSchema.parse({ rules: [{ match: { method: "tools/call", tool: "math.*" }, upstream: "mcp-math" }, { match: { method: "*" }, upstream: "x" }] });
    assert.equal(options.rules.length, 2);
  });

  it("reject a rule naming two of tool, resource and prompt, which could never match", () => {
    const result = optionsSchema.safeParse({ rules: [{ match: { tool: "a", prompt: "b" }, upstream: "x" }] });
    assert.deepEqual(result.error?.issues.map((issue) => [issue.path, issue.message]), [[["rules", 0, "match"], "tool and prompt apply to different methods, so this rule could never match; split it"]]);
  });

  it("reject malformed globs, misspelt match fields and a missing upstream, naming their paths", () => {
    const paths = (rules: unknown) => optionsSchema.safeParse({ rules }).error?.issues.map((issue) => issue.path.join("."));
    assert.deepEqual(paths([{ match: { method: "tools/{call" }, upstream: "x" }]), ["rules.0.match.method"]);
    assert.deepEqual(paths([{ match: { tools: "x" }, upstream: "x" }]), ["rules.0.match"]);
    assert.deepEqual(paths([{ match: {} }]), ["rules.0.upstream"]);
  });

  it("use globs where * crosses slashes, so method: \"*\" matches every method", () => {
    const any = compileGlobs(["*"]);
    assert.ok(any("tools/call") && any("notifications/tools/list_changed") && any("initialize"));
    assert.ok(compileGlobs(["reports.*"])("reports.weekly/2024"));
  });
});
