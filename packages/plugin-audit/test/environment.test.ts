import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { auditsEnvironment, resolveEnvironment } from "../src/environment.ts";
import { optionsSchema } from "../src/options.ts";

describe("audit environment", () => {
  it("is MCP_GATEWAY_ENV, then NODE_ENV, then development", () => {
    assert.equal(resolveEnvironment({ MCP_GATEWAY_ENV: "staging", NODE_ENV: "production" }), "staging");
    assert.equal(resolveEnvironment({ NODE_ENV: "production" }), "production");
    assert.equal(resolveEnvironment({}), "development");
  });

  it("skips a variable that is set but empty", () => {
    assert.equal(resolveEnvironment({ MCP_GATEWAY_ENV: "", NODE_ENV: "test" }), "test");
  });

  it("is audited when listed, or when the list holds *", () => {
    assert.equal(auditsEnvironment(["production", "staging"], "staging"), true);
    assert.equal(auditsEnvironment(["production", "staging"], "development"), false);
    assert.equal(auditsEnvironment(["*"], "anything"), true);
  });
});

describe("audit options", () => {
  it("accept the sectioned format's audit section unchanged, defaulting to every environment on the gateway's logger", () => {
    assert.deepEqual(optionsSchema.parse({ enabled: true, environments: ["production", "staging"] }), {
      enabled: true,
      environments: ["production", "staging"],
      destination: "logger",
    });
    assert.deepEqual(optionsSchema.parse({}), { enabled: true, environments: ["*"], destination: "logger" });
  });

  it("refuse unknown keys, an empty environment list and a destination without a file", () => {
    assert.equal(optionsSchema.safeParse({ enable: true }).success, false);
    assert.equal(optionsSchema.safeParse({ environments: [] }).success, false);
    assert.equal(optionsSchema.safeParse({ destination: { path: "audit.log" } }).success, false);
  });

  it("describe every field", () => {
    for (const [key, field] of Object.entries(optionsSchema.shape)) assert.ok(field.description, `${key} has no description`);
  });
});
