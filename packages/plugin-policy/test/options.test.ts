import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startTestGateway } from "@mcp-gateway/runtime/testing";
import policy from "../src/index.js";
import { optionsSchema } from "../src/options.js";

describe("policy options", () => {
  it("accept the sectioned format's policy section and default to deny with list filtering on", () => {
    const options = optionsSchema.parse({ rules: [{ subject: { tenant: "client", client: "local-dev" }, allow: { methods: ["initialize"], tools: ["*"] } }] });
    assert.equal(options.default, "deny");
    assert.equal(options.filterLists, true);
  });

  it("reject a malformed glob, naming its path", () => {
    const result = optionsSchema.safeParse({ rules: [{ allow: { tools: ["ok", "math.{add"] } }] });
    assert.equal(result.success, false);
    assert.deepEqual(result.error!.issues[0]!.path, ["rules", 0, "allow", "tools", 1]);
    assert.match(result.error!.issues[0]!.message, /glob "math\.\{add" has a "\{" without "\}"/);
  });

  it("reject a misspelt list or an unknown default", () => {
    assert.deepEqual(optionsSchema.safeParse({ rules: [{ allow: { tool: ["x"] } }] }).error?.issues[0]?.path, ["rules", 0, "allow"]);
    assert.deepEqual(optionsSchema.safeParse({ default: "permit" }).error?.issues[0]?.path, ["default"]);
  });

  it("name the sectioned format's policy section in a load error", async () => {
    await assert.rejects(
      startTestGateway({ config: { policy: { default: "deny", rules: [{ deny: { methods: "tools/call" } }] }, audit: { enabled: false } } }),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, "MCPGW_ERR_PLUGIN_OPTIONS");
        assert.match(err.message, /plugin "policy" declared in .* at policy: policy\.rules\[0\]\.deny\.methods: /);
        return true;
      },
    );
  });

  it("compile when the plugin is set up, so a bad pattern never reaches a request", async () => {
    await assert.rejects(startTestGateway({ plugins: [{ plugin: policy, options: { rules: [{ subject: { client: "team-{a" } }] } }] }), {
      code: "MCPGW_ERR_PLUGIN_OPTIONS",
    });
  });
});
