import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { candidateIds } from "../src/plugin-loader.js";

describe("plugin name resolution", () => {
  it("expands a shorthand to the official scope, then the community prefix, then the bare name", () => {
    assert.deepEqual(candidateIds("auth-apikey"), ["@mcp-gateway/plugin-auth-apikey", "mcp-gateway-plugin-auth-apikey", "auth-apikey"]);
  });
  it("expands a scoped shorthand inside its scope", () => {
    assert.deepEqual(candidateIds("@acme/sso"), ["@acme/mcp-gateway-plugin-sso", "@acme/sso"]);
  });
  it("keeps full package names and relative paths as they are", () => {
    assert.deepEqual(candidateIds("@mcp-gateway/plugin-policy"), ["@mcp-gateway/plugin-policy"]);
    assert.deepEqual(candidateIds("mcp-gateway-plugin-x"), ["mcp-gateway-plugin-x"]);
    assert.deepEqual(candidateIds("./plugins/sso.js"), ["./plugins/sso.js"]);
  });
});
