import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { filterListResult } from "../src/filter-lists.js";
import { compilePolicy } from "../src/match-policy.js";
import { optionsSchema } from "../src/options.js";

const rules = compilePolicy(
  optionsSchema.parse({
    rules: [
      {
        allow: { methods: ["tools/call", "prompts/get", "resources/read"], tools: ["echo", "math.*"], prompts: ["review"], resources: ["fixture://public/*"] },
        deny: { tools: ["math.div*"] },
      },
    ],
  }),
).forSubject({ tenant: "t", client: "c" });

describe("discovery lists follow policy", () => {
  it("keeps only the tools the caller may call, with every other field intact", () => {
    const result = { tools: [{ name: "echo", inputSchema: {} }, { name: "math.add" }, { name: "math.divide" }, { name: "rm" }], nextCursor: "n" };
    assert.deepEqual(filterListResult("tools/list", result, rules), { tools: [{ name: "echo", inputSchema: {} }, { name: "math.add" }], nextCursor: "n" });
  });

  it("keeps only the prompts the caller may get", () => {
    assert.deepEqual(filterListResult("prompts/list", { prompts: [{ name: "review" }, { name: "internal" }] }, rules), { prompts: [{ name: "review" }] });
  });

  it("keeps only the resources the caller may read", () => {
    const result = { resources: [{ uri: "fixture://public/readme", name: "readme" }, { uri: "fixture://private/keys", name: "keys" }] };
    assert.deepEqual(filterListResult("resources/list", result, rules), { resources: [{ uri: "fixture://public/readme", name: "readme" }] });
  });

  it("keeps resource templates whose uriTemplate the resource globs match", () => {
    const result = { resourceTemplates: [{ uriTemplate: "fixture://public/{name}" }, { uriTemplate: "fixture://private/{name}" }] };
    assert.deepEqual(filterListResult("resources/templates/list", result, rules), { resourceTemplates: [{ uriTemplate: "fixture://public/{name}" }] });
  });

  it("drops items it cannot name, and leaves other results and other methods alone", () => {
    assert.deepEqual(filterListResult("tools/list", { tools: [{ title: "no name" }, null, { name: "echo" }] }, rules), { tools: [{ name: "echo" }] });
    assert.deepEqual(filterListResult("tools/list", { resultType: "input_required" }, rules), { resultType: "input_required" });
    assert.deepEqual(filterListResult("tools/call", { tools: [{ name: "rm" }] }, rules), { tools: [{ name: "rm" }] });
  });

  it("shows nothing when the method that would use the items is not allowed", () => {
    const none = compilePolicy(optionsSchema.parse({ rules: [{ allow: { methods: ["tools/list"], tools: ["*"] } }] })).forSubject({ tenant: "t", client: "c" });
    assert.deepEqual(filterListResult("tools/list", { tools: [{ name: "echo" }] }, none), { tools: [] });
  });
});
