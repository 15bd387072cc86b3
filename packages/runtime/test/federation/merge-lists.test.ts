import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mergeLists } from "../../src/federation/merge-lists.js";

const tools = (...names: string[]) => ({ tools: names.map((name) => ({ name, description: `${name} tool`, inputSchema: { type: "object" } })) });
const names = (items: Record<string, unknown>[], key = "name") => items.map((item) => item[key]);

describe("merging list results across upstreams", () => {
  it("keeps upstream config order, then each upstream's own order, with names unchanged by default", () => {
    const merged = mergeLists("tools", [
      { upstream: "math", result: tools("add", "sub") },
      { upstream: "kb", result: tools("search", "fetch") },
    ]);
    assert.deepEqual(names(merged.items), ["add", "sub", "search", "fetch"]);
    assert.deepEqual(merged.owners.get("search"), { upstream: "kb", originalName: "search" });
    assert.deepEqual(merged.collisions, []);
    assert.deepEqual(merged.partial, []);
  });

  it("passes items through untouched apart from the renamed key", () => {
    const merged = mergeLists("tools", [{ upstream: "math", prefix: "m", result: tools("add") }]);
    assert.deepEqual(merged.items, [{ name: "m.add", description: "add tool", inputSchema: { type: "object" } }]);
  });

  it("applies a per-upstream prefix with the default '.' or a configured separator, and maps back to the original name", () => {
    const listings = [
      { upstream: "math", prefix: "calc", result: tools("add") },
      { upstream: "kb", result: tools("search") },
    ];
    assert.deepEqual(names(mergeLists("tools", listings).items), ["calc.add", "search"]);
    const merged = mergeLists("tools", listings, { separator: "__" });
    assert.deepEqual(names(merged.items), ["calc__add", "search"]);
    assert.deepEqual(merged.owners.get("calc__add"), { upstream: "math", originalName: "add" });
  });

  it("under 'reject' (the default), keeps the first upstream's item and reports each dropped duplicate", () => {
    const merged = mergeLists("tools", [
      { upstream: "a", result: tools("search", "x") },
      { upstream: "b", result: tools("search", "y") },
      { upstream: "c", result: tools("search") },
    ]);
    assert.deepEqual(names(merged.items), ["search", "x", "y"]);
    assert.deepEqual(merged.owners.get("search"), { upstream: "a", originalName: "search" });
    assert.deepEqual(merged.collisions, [
      { name: "search", keptBy: "a", upstream: "b" },
      { name: "search", keptBy: "a", upstream: "c" },
    ]);
  });

  it("under 'prefix', renames only the later duplicates with their upstream's name, so the first keeps its name", () => {
    const merged = mergeLists("tools", [{ upstream: "a", result: tools("search", "x") }, { upstream: "b", result: tools("search", "y") }], {
      collisions: "prefix",
    });
    assert.deepEqual(names(merged.items), ["search", "x", "b.search", "y"]);
    assert.deepEqual(merged.owners.get("b.search"), { upstream: "b", originalName: "search" });
    assert.deepEqual(merged.collisions, [{ name: "search", keptBy: "a", upstream: "b", renamedTo: "b.search" }]);
  });

  it("under 'prefix', drops a duplicate whose prefixed name is itself taken, and reports it", () => {
    const merged = mergeLists("tools", [{ upstream: "a", result: tools("search", "b.search") }, { upstream: "b", result: tools("search") }], {
      collisions: "prefix",
    });
    assert.deepEqual(names(merged.items), ["search", "b.search"]);
    assert.deepEqual(merged.owners.get("b.search"), { upstream: "a", originalName: "b.search" });
    assert.deepEqual(merged.collisions, [{ name: "search", keptBy: "a", upstream: "b" }]);
  });

  it("treats a duplicate inside one upstream's list like any other collision", () => {
    const merged = mergeLists("tools", [{ upstream: "a", result: tools("dup", "dup") }]);
    assert.deepEqual(names(merged.items), ["dup"]);
    assert.deepEqual(merged.collisions, [{ name: "dup", keptBy: "a", upstream: "a" }]);
  });

  it("reports a failing upstream in `partial` and still merges the others", () => {
    const down = new Error("connect ECONNREFUSED");
    const merged = mergeLists("tools", [
      { upstream: "a", result: tools("x") },
      { upstream: "b", error: down },
      { upstream: "c", result: tools("z") },
    ]);
    assert.deepEqual(names(merged.items), ["x", "z"]);
    assert.deepEqual(merged.partial, [{ upstream: "b", error: down }]);
  });

  it("reports an upstream whose result lacks the list array as partial, and skips items without their key", () => {
    const merged = mergeLists("tools", [
      { upstream: "a", result: { prompts: [] } },
      { upstream: "b", result: null },
      { upstream: "c", result: { tools: [{ name: "ok" }, { description: "nameless" }, null, { name: 7 }] } },
    ]);
    assert.deepEqual(names(merged.items), ["ok"]);
    assert.deepEqual(
      merged.partial.map((entry) => [entry.upstream, String(entry.error)]),
      [
        ["a", 'Error: result has no "tools" array'],
        ["b", 'Error: result has no "tools" array'],
      ],
    );
  });

  it("keys prompts by name, resources by uri and resource templates by uriTemplate", () => {
    const prompts = mergeLists("prompts", [{ upstream: "a", prefix: "p", result: { prompts: [{ name: "greet" }] } }]);
    assert.deepEqual(names(prompts.items), ["p.greet"]);

    const resources = mergeLists("resources", [
      { upstream: "a", result: { resources: [{ uri: "file:///a.md", name: "same" }] } },
      { upstream: "b", result: { resources: [{ uri: "file:///b.md", name: "same" }, { uri: "file:///a.md", name: "other" }] } },
    ]);
    assert.deepEqual(names(resources.items, "uri"), ["file:///a.md", "file:///b.md"]);
    assert.deepEqual(resources.collisions, [{ name: "file:///a.md", keptBy: "a", upstream: "b" }]);

    const templates = mergeLists("resourceTemplates", [
      { upstream: "a", result: { resourceTemplates: [{ uriTemplate: "file:///{path}", name: "files" }] } },
      { upstream: "b", result: { resourceTemplates: [{ uriTemplate: "file:///{path}", name: "files" }] } },
    ], { collisions: "prefix" });
    assert.deepEqual(names(templates.items, "uriTemplate"), ["file:///{path}", "b.file:///{path}"]);
    assert.deepEqual(templates.owners.get("b.file:///{path}"), { upstream: "b", originalName: "file:///{path}" });
  });
});
