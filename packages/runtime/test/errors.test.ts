import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { declareErrors, ERRORS, GatewayError, isGatewayError } from "../src/errors.js";
import { definePlugin } from "../src/plugin.js";

describe("the error registry", () => {
  it("makes an error of a runtime code with its status and JSON-RPC code", () => {
    const err = GatewayError.from("MCPGW_ERR_RATE_LIMITED", undefined, { headers: { "retry-after": "3" } });
    assert.deepEqual([err.status, err.jsonRpcCode, err.code, err.message], [429, -32029, "MCPGW_ERR_RATE_LIMITED", ERRORS.MCPGW_ERR_RATE_LIMITED.message]);
    assert.ok(isGatewayError(err));
  });

  it("refuses an unknown code and any status/code pair made with new", () => {
    assert.throws(() => GatewayError.from("ACME_ERR_NEVER_DECLARED"), /unknown error code "ACME_ERR_NEVER_DECLARED"/);
    const Unchecked = GatewayError as unknown as new (...args: unknown[]) => GatewayError;
    assert.throws(() => new Unchecked(403, "x", { code: "WHATEVER" }), /GatewayError\.from/);
  });

  it("lets a plugin declare namespaced codes, thrown by GatewayError.from once declared", () => {
    definePlugin({
      name: "hours",
      version: "1.0.0",
      api: "^1",
      errors: { HOURS_ERR_CLOSED: { status: 403, message: "Forbidden: outside office hours", meaning: "Calls outside 9 to 5.", fix: "Call in office hours." } },
      setup() {},
    });
    const err = GatewayError.from("HOURS_ERR_CLOSED");
    assert.deepEqual([err.status, err.jsonRpcCode, err.message], [403, -32003, "Forbidden: outside office hours"]);
  });

  it("refuses a code outside a namespace, the runtime's prefix, a status that is not an error, and one code declared twice differently", () => {
    const bad = (code: string, status = 400) => () => declareErrors("p", { [code]: { status, message: "m", meaning: "m", fix: "f" } });
    assert.throws(bad("NOT_NAMESPACED"), /must look like ACME_ERR_NAME/);
    assert.throws(bad("MCPGW_ERR_MINE"), /must look like ACME_ERR_NAME/);
    assert.throws(bad("P_ERR_OK", 200), /status from 400 to 599/);
    declareErrors("first", { SHARED_ERR_X: { status: 400, message: "m", meaning: "m", fix: "f" } });
    assert.throws(() => declareErrors("second", { SHARED_ERR_X: { status: 401, message: "m", meaning: "m", fix: "f" } }), /already declared by plugin "first"/);
  });

  it("relays an upstream's status only for a code that says so", () => {
    assert.equal(GatewayError.from("MCPGW_ERR_UPSTREAMS_REFUSED", undefined, { status: 409 }).status, 409);
    assert.equal(GatewayError.from("MCPGW_ERR_FORBIDDEN", undefined, { status: 200 }).status, 403);
  });

  it("recognises an error by its brand, not its name", () => {
    assert.equal(isGatewayError(Object.assign(new Error("x"), { name: "GatewayError", status: 403 })), false);
  });
});
