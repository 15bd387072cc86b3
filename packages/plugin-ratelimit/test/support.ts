import type { McpCall, Subject } from "@mcp-gateway/runtime";
import type { TestGateway, TestResponse } from "@mcp-gateway/runtime/testing";

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
