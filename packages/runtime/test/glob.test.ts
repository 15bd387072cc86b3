import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileGlobs } from "../src/glob.js";

describe("globs for MCP names", () => {
  it("let * cross slashes, as method and URI patterns need", () => {
    assert.ok(compileGlobs(["*"])("tools/call"));
    assert.ok(compileGlobs(["file:///*"])("file:///docs/a.md"));
    assert.ok(compileGlobs(["notifications/*"])("notifications/tools/list_changed"));
  });

  it("treat dots literally and leading dots as ordinary", () => {
    assert.ok(compileGlobs(["math.*"])("math.add"));
    assert.equal(compileGlobs(["math.*"])("math/add"), false);
    assert.ok(compileGlobs(["*"])(".hidden"));
  });

  it("match when any pattern of the list matches, and never for an empty list", () => {
    const match = compileGlobs(["kb.*", "{a,b}.x", "t?ols"]);
    assert.ok(match("kb.search") && match("b.x") && match("tools"));
    assert.equal(match("reports.daily"), false);
    assert.equal(compileGlobs([])("anything"), false);
  });

  it("are case-sensitive", () => {
    assert.equal(compileGlobs(["Echo"])("echo"), false);
  });
});
