import { definePlugin, GatewayError, STAGES } from "@mcp-gateway/runtime";
import { headerAuthPlugin, waitFor, type TestGateway } from "@mcp-gateway/runtime/testing";

export const API_KEY = "sk-live-0123456789abcdef";

/** An in-test API key plugin: one key, read from `x-api-key` or `Authorization: Bearer`. */
export const keyAuth = headerAuthPlugin({
  name: "test-key-auth",
  from: ["x-api-key", { header: "authorization", scheme: "Bearer" }],
  credentials: { [API_KEY]: { tenant: "acme", client: "bot", id: "key-1" } },
  message: "Unauthorized: unknown API key",
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
      await waitFor(`${count} requests to reach onResponse`, () => (seen >= count ? true : undefined), { timeoutMs: ms, intervalMs: 10 });
    },
  };
}

export const auditLines = (gw: Pick<TestGateway, "logs">) => gw.logs.filter((line) => line.msg === "audit");

export const authed = { "x-api-key": API_KEY };
