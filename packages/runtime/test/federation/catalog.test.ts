import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CatalogCache, ownerOfUri, templatePattern } from "../../src/federation/catalog.js";

const owners = (entries: [string, string][]) => new Map(entries.map(([name, upstream]) => [name, { upstream, originalName: name }]));

describe("CatalogCache", () => {
  it("returns what it learned for a scope and kind until it expires or is invalidated", () => {
    const cache = new CatalogCache(60_000);
    cache.set("s1", "tools", owners([["add", "math"]]));
    assert.equal(cache.get("s1", "tools")?.owners.get("add")?.upstream, "math");
    assert.equal(cache.get("s2", "tools"), undefined);
    assert.equal(cache.get("s1", "prompts"), undefined);
    cache.invalidate("s1");
    assert.equal(cache.get("s1", "tools"), undefined);
  });

  it("does not keep an incomplete listing, but still returns it for the call at hand", () => {
    const cache = new CatalogCache(60_000);
    const entry = cache.set("s1", "tools", owners([["add", "math"]]), false);
    assert.equal(entry.owners.get("add")?.upstream, "math");
    assert.equal(cache.get("s1", "tools"), undefined);
  });

  it("keeps nothing with a TTL of 0", () => {
    const cache = new CatalogCache(0);
    cache.set("s1", "tools", owners([["add", "math"]]));
    assert.equal(cache.get("s1", "tools"), undefined);
  });
});

describe("resource ownership", () => {
  it("turns URI templates into patterns: {var} is one segment, {+var} anything", () => {
    assert.ok(templatePattern("kb://articles/{slug}").test("kb://articles/onboarding"));
    assert.ok(!templatePattern("kb://articles/{slug}").test("kb://articles/a/b"));
    assert.ok(templatePattern("file:///{+path}").test("file:///etc/hosts"));
    assert.ok(!templatePattern("mem://a.b/{x}").test("mem://aXb/1"), "literal dots are literal");
  });

  it("prefers an exact resource, then the first matching template", () => {
    const cache = new CatalogCache(60_000);
    const resources = cache.set("s", "resources", owners([["kb://articles/faq", "kb"]]));
    const templates = cache.set("s", "resourceTemplates", owners([["kb://articles/{slug}", "archive"], ["kb://{+rest}", "other"]]));
    assert.deepEqual(ownerOfUri("kb://articles/faq", resources, templates), { upstream: "kb", originalName: "kb://articles/faq" });
    assert.deepEqual(ownerOfUri("kb://articles/new", resources, templates), { upstream: "archive", originalName: "kb://articles/new" });
    assert.deepEqual(ownerOfUri("kb://x/y", resources, templates), { upstream: "other", originalName: "kb://x/y" });
    assert.equal(ownerOfUri("other://x", resources, templates), undefined);
  });
});
