import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileGlobs, globError } from "../src/glob.js";

const matches = (pattern: string, value: string) => compileGlobs([pattern])(value);

describe("globs for MCP names", () => {
  it("lets * match any characters, slashes and leading dots included, as the sectioned format's catch-all expects", () => {
    for (const value of ["tools/call", "notifications/tools/list_changed", "file:///docs/a/b.md", ".hidden"]) {
      assert.ok(matches("*", value), value);
    }
  });

  it("matches the whole value, not a part of it", () => {
    assert.ok(matches("math.*", "math.add"));
    assert.ok(!matches("math.*", "xmath.add"));
    assert.ok(!matches("tools/call", "tools/call2"));
  });

  it("takes . and other regular-expression characters literally", () => {
    assert.ok(matches("math.add", "math.add"));
    assert.ok(!matches("math.add", "mathXadd"));
    assert.ok(matches("a+b(c)|$", "a+b(c)|$"));
  });

  it("supports ?, character sets, negated sets and {a,b} alternatives", () => {
    assert.ok(matches("v?", "v1") && !matches("v?", "v10"));
    assert.ok(matches("[a-c]x", "bx") && !matches("[a-c]x", "dx"));
    assert.ok(matches("[!a-c]x", "dx") && !matches("[!a-c]x", "ax"));
    assert.ok(matches("{tools,prompts}/list", "prompts/list") && !matches("{tools,prompts}/list", "resources/list"));
    assert.ok(matches("{a,{b,c}}.x", "c.x"));
  });

  it("takes a backslash-escaped character literally", () => {
    assert.ok(matches("a\\*", "a*"));
    assert.ok(!matches("a\\*", "ab"));
  });

  it("is case-sensitive", () => {
    assert.ok(!matches("Echo", "echo"));
  });

  it("matches when any pattern of a list matches, and an empty list matches nothing", () => {
    const either = compileGlobs(["echo", "math.*"]);
    assert.ok(either("echo") && either("math.add") && !either("rm"));
    assert.ok(!compileGlobs([])(""));
  });

  it("refuses empty patterns and unbalanced braces, naming the pattern, and accepts well-formed ones", () => {
    assert.match(globError("{a,b") ?? "", /glob "\{a,b" has a "\{" without "\}"/);
    assert.match(globError("a}") ?? "", /has a "\}" without "\{"/);
    assert.match(globError("") ?? "", /must not be empty/);
    for (const pattern of ["*", "tools/*", "{a,b}.x", "[!a-c]x", "a\\*"]) assert.equal(globError(pattern), undefined, pattern);
  });

  it("refuses the sets micromatch would read as a literal or as nothing, so a deny never fails open", () => {
    // Regression (issue 14): `admin_[*` and `[z-a]*` validated OK and then matched nothing.
    assert.match(globError("admin_[*") ?? "", /glob "admin_\[\*" has a "\[" without "\]"/);
    assert.match(globError("[z-a]*") ?? "", /reversed range "z-a"/);
    assert.match(globError("a]b") ?? "", /has a "\]" without "\["/);
    assert.match(globError("[[:bogus:]]") ?? "", /unknown character class/);
    assert.match(globError("[]") ?? "", /has a "\[" without "\]"/);
    assert.match(globError("x\\") ?? "", /lone/);
    assert.throws(() => compileGlobs(["ok", "[z-a]"]), /reversed range/);
    for (const pattern of ["[]a]x", "[a-]x", "[!]]", "[[:alpha:]]*", "[a\\]]", "admin_\\[*", "[a-a]"]) assert.equal(globError(pattern), undefined, pattern);
    assert.ok(matches("[]a]x", "]x") && matches("[a-]x", "-x") && matches("admin_\\[*", "admin_[x"));
  });
});
