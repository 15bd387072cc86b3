import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as modern from "@modelcontextprotocol/core";
import * as legacy from "@modelcontextprotocol/sdk/types.js";
import { describeMessage } from "../src/mcp/messages.js";
import { METHODS, methodSpec } from "../src/mcp/methods.js";

type Schema = { options?: readonly unknown[] };

/** The method literals of a union of request or notification schemas (zod 3 in SDK 1.x, zod 4 in 2.x). */
function methodsOf(schema: unknown): string[] {
  return ((schema as Schema).options ?? []).map((option) => {
    const method = (option as { shape: { method: { value?: string; _def?: { value?: string } } } }).shape.method;
    const value = method.value ?? method._def?.value;
    assert.equal(typeof value, "string", "every member of the union has a literal method");
    return value!;
  });
}

const UNIONS = ["ClientRequestSchema", "ClientNotificationSchema", "ServerRequestSchema", "ServerNotificationSchema"] as const;

describe("the table of MCP methods", () => {
  for (const [era, sdk] of [
    ["legacy (SDK 1.x)", legacy],
    ["modern (SDK 2.x)", modern],
  ] as const) {
    it(`knows every method of the ${era} schemas, with the right message kind`, () => {
      for (const union of UNIONS) {
        const expected = union.endsWith("RequestSchema") ? "request" : "notification";
        for (const method of methodsOf((sdk as Record<string, unknown>)[union])) {
          const spec = METHODS.get(method);
          assert.ok(spec, `${method} (${era} ${union}) is missing from mcp/methods.ts`);
          assert.equal(spec.message, expected, `${method} is a ${expected}`);
        }
      }
    });
  }

  it("answers nothing for inherited property names", () => {
    assert.equal(methodSpec("__proto__"), undefined);
    assert.equal(methodSpec("constructor"), undefined);
  });

  it("reads every target where its method carries it", () => {
    const call = (method: string, params: Record<string, unknown>) => describeMessage({ jsonrpc: "2.0", id: 1, method, params });
    assert.deepEqual(call("tools/call", { name: "echo" }).target, { kind: "tool", name: "echo" });
    assert.deepEqual(call("prompts/get", { name: "review" }).target, { kind: "prompt", name: "review" });
    for (const method of ["resources/read", "resources/subscribe", "resources/unsubscribe"]) {
      assert.deepEqual(call(method, { uri: "file:///a" }).target, { kind: "resource", name: "file:///a" }, method);
    }
    const prompt = call("completion/complete", { ref: { type: "ref/prompt", name: "internal" }, argument: { name: "a", value: "" } });
    assert.deepEqual(prompt.target, { kind: "prompt", name: "internal" });
    assert.equal(prompt.promptName, "internal");
    const resource = call("completion/complete", { ref: { type: "ref/resource", uri: "file:///{path}" }, argument: { name: "path", value: "" } });
    assert.equal(resource.resourceUri, "file:///{path}");
    const listen = call("subscriptions/listen", { notifications: { resourceSubscriptions: ["file:///a", "file:///b"] } });
    assert.deepEqual(listen.targets, [
      { kind: "resource", name: "file:///a" },
      { kind: "resource", name: "file:///b" },
    ]);
    assert.equal(listen.target, undefined, "a listen names many resources, so it has no single target to route by");
  });

  it("reads no target from a name of the wrong type or a ref of an unknown type", () => {
    const call = (method: string, params: Record<string, unknown>) => describeMessage({ jsonrpc: "2.0", id: 1, method, params });
    assert.deepEqual(call("tools/call", { name: 42 }).targets, []);
    assert.deepEqual(call("completion/complete", { ref: { type: "ref/tool", name: "x" } }).targets, []);
    assert.deepEqual(call("completion/complete", { ref: "ref/prompt" }).targets, []);
  });
});
