import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { HOOK_KINDS } from "@mcp-gateway/runtime";

const read = (file: string) => readFileSync(new URL(`../../docs/${file}`, import.meta.url), "utf8");

describe("documentation stays complete", () => {
  it("docs/hooks.md has a section with a Kind row for every hook", () => {
    const doc = read("hooks.md");
    for (const [hook, kind] of Object.entries(HOOK_KINDS)) {
      const section = doc.split(`\n## ${hook}\n`)[1];
      assert.ok(section, `docs/hooks.md has no "## ${hook}" section`);
      assert.match(section.split("\n## ")[0]!, /\| Kind \|/, `the ${hook} section has no Kind row`);
      assert.ok(section.includes(kind.split("<")[0]!), `the ${hook} section does not name its kind ${kind}`);
      assert.match(section.split("\n## ")[0]!, /When a tap throws/, `the ${hook} section does not say what happens when a tap throws`);
    }
  });

});
