// Unit tests of the plugin's logic and options: no gateway, no HTTP.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileHeaderValue, unknownPlaceholders } from "../src/header-value.js";
import { optionsSchema } from "../src/options.js";

describe("tenant-header value", () => {
  it("replaces {tenant}, {client} and {id} with the caller's subject", () => {
    const valueFor = compileHeaderValue("{tenant}/{client}/{id}");
    assert.equal(valueFor({ tenant: "acme", client: "ci", id: "key-1" }), "acme/ci/key-1");
  });

  it("writes nothing for a subject without an id, and keeps other text as it is", () => {
    assert.equal(compileHeaderValue("tenant={tenant};key={id}")({ tenant: "acme", client: "ci" }), "tenant=acme;key=");
  });

  it("drops control characters a subject could carry", () => {
    assert.equal(compileHeaderValue("{tenant}")({ tenant: "ac\r\nme", client: "ci" }), "acme");
  });

  it("names the placeholders it does not know", () => {
    assert.deepEqual(unknownPlaceholders("{tenant}-{user}-{}"), ["user", ""]);
  });
});

describe("tenant-header options", () => {
  it("default to x-mcp-tenant: {tenant}", () => {
    assert.deepEqual(optionsSchema.parse({}), { header: "x-mcp-tenant", value: "{tenant}" });
  });

  it("refuse an unknown placeholder, a header name that is not lower-case, and unknown options", () => {
    const issues = (options: unknown) => optionsSchema.safeParse(options).error?.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`) ?? [];
    assert.deepEqual(issues({ value: "{user}" }), ["value: unknown placeholder {user} (known: {tenant}, {client}, {id})"]);
    assert.deepEqual(issues({ header: "X-Tenant" }), ["header: expected a lower-case header name"]);
    assert.equal(issues({ headers: "x-tenant" }).length, 1);
  });
});
