import { definePlugin, GatewayError, STAGES } from "@mcp-gateway/runtime";
import type { TestGateway } from "@mcp-gateway/runtime/testing";

export const API_KEY = "sk-live-0123456789abcdef";

/** An in-test API key plugin: one key, read from `x-api-key` or `Authorization: Bearer`. */
export const keyAuth = definePlugin({
  name: "test-key-auth",
  version: "1.0.0",
  api: "^1",
  authenticates: true,
  setup(gateway) {
    gateway.hooks.onRequest.tapPromise({ stage: "AUTHN" }, async (ctx) => {
      const header = ctx.http.headers["x-api-key"] ?? ctx.http.headers.authorization?.replace(/^Bearer /, "");
      if (header === undefined) return;
      if (header !== API_KEY) throw GatewayError.from("MCPGW_ERR_UNAUTHENTICATED", "Unauthorized: unknown API key");
      ctx.subject = { tenant: "acme", client: "bot", id: "key-1" };
    });
  },
});

/** Rejects tools/call of the tool named "forbidden" with 403, the way a policy plugin would. */
export const denyForbidden = definePlugin({
  name: "test-deny",
  version: "1.0.0",
  api: "^1",
  setup(gateway) {
    gateway.hooks.authorize.tapPromise({ stage: "POLICY" }, async (ctx) => {
      if (ctx.calls.some((call) => call.toolName === "forbidden")) throw GatewayError.from("MCPGW_ERR_FORBIDDEN", "Forbidden: tool not allowed");
    });
  },
});

/** Throws 429 for tools/call of the tool named "limited", the way a rate limiter would. */
export const limitLimited = definePlugin({
  name: "test-limit",
  version: "1.0.0",
  api: "^1",
  setup(gateway) {
    gateway.hooks.authorize.tapPromise({ stage: "LIMIT" }, async (ctx) => {
      if (ctx.calls.some((call) => call.toolName === "limited")) {
        throw GatewayError.from("MCPGW_ERR_RATE_LIMITED", undefined, { headers: { "retry-after": "30" } });
      }
    });
  },
});

/**
 * Counts requests whose `onResponse` has run. Its tap sits after audit's, and taps of a parallel
 * hook start in order, so once it has seen a request, audit has written (or skipped) its record.
 */
export function createObserver() {
  let seen = 0;
  const plugin = definePlugin({
    name: "test-observer",
    version: "1.0.0",
    api: "^1",
    setup(gateway) {
      gateway.hooks.onResponse.tapPromise({ stage: STAGES.OBSERVE + 1 }, async () => {
        seen += 1;
      });
    },
  });
  return {
    plugin,
    /** Resolves once `count` requests have finished their `onResponse`; bounded in time. */
    async settled(count: number, ms = 10_000): Promise<void> {
      const deadline = Date.now() + ms;
      while (seen < count) {
        if (Date.now() > deadline) throw new Error(`only ${seen} of ${count} requests reached onResponse within ${ms} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}

export const auditLines = (gw: Pick<TestGateway, "logs">) => gw.logs.filter((line) => line.msg === "audit");

export const toolsCall = (id: number, name: string, args: Record<string, unknown> = {}) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name, arguments: args },
});
export const toolsList = (id: number) => ({ jsonrpc: "2.0", id, method: "tools/list", params: {} });
export const authed = { "x-api-key": API_KEY };
