import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createChallenges, metadataPaths, metadataUrlFor } from "../src/challenges.js";

describe("metadata URLs and challenges", () => {
  it("inserts the well-known path between origin and path (RFC 9728 §3.1)", () => {
    assert.equal(metadataUrlFor("https://gw.example.com/mcp"), "https://gw.example.com/.well-known/oauth-protected-resource/mcp");
    assert.equal(metadataUrlFor("https://gw.example.com"), "https://gw.example.com/.well-known/oauth-protected-resource");
    assert.equal(metadataUrlFor("https://gw.example.com:8443/a/mcp/"), "https://gw.example.com:8443/.well-known/oauth-protected-resource/a/mcp");
  });

  it("serves the bare path, the endpoint's and the resource's, once each", () => {
    assert.deepEqual(metadataPaths("https://gw.example.com/mcp", "/mcp"), ["/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"]);
    assert.deepEqual(metadataPaths("https://gw.example.com/public/mcp", "/mcp"), [
      "/.well-known/oauth-protected-resource",
      "/.well-known/oauth-protected-resource/mcp",
      "/.well-known/oauth-protected-resource/public/mcp",
    ]);
    assert.deepEqual(metadataPaths("https://gw.example.com", "/"), ["/.well-known/oauth-protected-resource"]);
  });

  it("builds the 401, 400 and 403 challenges of the MCP spec", () => {
    const challenges = createChallenges("https://gw.example.com/mcp", ["mcp:tools"]);
    const metadata = 'resource_metadata="https://gw.example.com/.well-known/oauth-protected-resource/mcp"';
    assert.equal(challenges.missing, `Bearer ${metadata}, scope="mcp:tools"`);
    assert.equal(challenges.invalid, `Bearer ${metadata}, scope="mcp:tools", error="invalid_token"`);
    assert.match(challenges.badRequest, /error="invalid_request"/);
    assert.equal(challenges.insufficientScope(["mcp:tools", "mcp:admin"]), `Bearer error="insufficient_scope", scope="mcp:tools mcp:admin", ${metadata}`);
    assert.equal(createChallenges("https://gw.example.com/mcp", []).missing, `Bearer ${metadata}`);
  });
});
