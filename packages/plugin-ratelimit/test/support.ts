import { definePlugin, type McpCall, type Subject } from "@mcp-gateway/runtime";
import type { TestGateway, TestResponse } from "@mcp-gateway/runtime/testing";

/** An in-test auth plugin: the caller is whoever `x-tenant` / `x-client` say. */
export const headerAuth = definePlugin({
  name: "test-header-auth",
  version: "1.0.0",
  api: "^1",
  authenticates: true,
  setup(gateway) {
    gateway.hooks.onRequest.tapPromise({ stage: "AUTHN" }, async (ctx) => {
      const tenant = ctx.http.headers["x-tenant"];
      const client = ctx.http.headers["x-client"];
      if (typeof tenant === "string" && typeof client === "string") ctx.subject = { tenant, client };
    });
  },
});

export const caller = (tenant: string, client: string) => ({ "x-tenant": tenant, "x-client": client });

export const toolsList = (id: number) => ({ jsonrpc: "2.0", id, method: "tools/list", params: {} });
export const toolsCall = (id: number, name: string) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: {} } });

export interface ErrorBody {
  jsonrpc: "2.0";
  id: unknown;
  error: { code: number; message: string; data: { code: string; retryAfter?: number } };
}

export const errorOf = (response: TestResponse) => (response.body as ErrorBody).error;

/** Statuses of `count` POSTs of `message`, sent at once, spread over `gateways` in turn. */
export async function burst(gateways: readonly TestGateway[], count: number, message: (id: number) => unknown, headers = {}): Promise<number[]> {
  const responses = await Promise.all(Array.from({ length: count }, (_, id) => gateways[id % gateways.length]!.post(message(id), headers)));
  return responses.map((response) => response.status);
}

export const countOf = (statuses: readonly number[], status: number) => statuses.filter((each) => each === status).length;

/** Polls `probe` until it returns a value; bounded in time so a broken recovery fails the test. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** An McpCall as the runtime describes one message, for unit tests of the planner. */
export function call(method: string | undefined, extra: Partial<McpCall> = {}): McpCall {
  const kind = method === undefined ? "response" : "id" in extra ? "request" : "notification";
  return { kind, ...(method === undefined ? {} : { method }), targets: [], message: {}, ...extra };
}

export const subject: Subject = { tenant: "acme", client: "bot" };

/** A clock the memory store reads, moved by hand. */
export function manualClock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}
