import { compileGlobs, type McpCall, type Subject } from "@mcp-gateway/runtime/plugin";
import type { RateLimitOptions } from "./options.js";
import type { BucketRequest } from "./token-bucket.js";

interface Limit {
  rpm: number;
  capacity: number;
  refillPerMs: number;
}

type LimitInput = RateLimitOptions["defaultRpm"] | RateLimitOptions["byMethod"][string];

function toLimit(input: LimitInput, defaultBurst: number | undefined): Limit {
  const { rpm, burst } = typeof input === "number" ? { rpm: input, burst: undefined } : input;
  return { rpm, capacity: burst ?? defaultBurst ?? rpm, refillPerMs: rpm / 60_000 };
}

/** Turns the options into a function from (subject, calls) to the buckets a request draws from. */
export interface LimitPlanner {
  plan(subject: Subject, calls: readonly McpCall[]): BucketRequest[];
}

/**
 * Compiles limits and globs once. Every request or notification of a batch costs one token of
 * its `<tenant>:<client>:<method>` bucket; a `tools/call` whose tool matches a `byTool` glob also
 * costs one token of that tool's bucket. Responses the client posts back are not counted.
 */
export function compileLimits(options: RateLimitOptions, keyPrefix: string): LimitPlanner {
  const fallback = toLimit(options.defaultRpm, options.burst);
  const byMethod = new Map(Object.entries(options.byMethod).map(([method, input]) => [method, toLimit(input, options.burst)]));
  const byTool = Object.entries(options.byTool).map(([glob, input]) => ({ matches: compileGlobs([glob]), limit: toLimit(input, options.burst) }));

  return {
    plan(subject, calls) {
      const base = `${keyPrefix}:rate:${subject.tenant}:${subject.client}:`;
      const buckets = new Map<string, BucketRequest>();
      const add = (key: string, limit: Limit, label: string) => {
        const existing = buckets.get(key);
        if (existing) existing.cost += 1;
        else buckets.set(key, { key, rpm: limit.rpm, capacity: limit.capacity, refillPerMs: limit.refillPerMs, cost: 1, label });
      };
      for (const call of calls) {
        if (call.method === undefined) continue;
        add(base + call.method, byMethod.get(call.method) ?? fallback, call.method);
        if (call.toolName === undefined) continue;
        const tool = byTool.find((entry) => entry.matches(call.toolName!));
        if (tool) add(`${base}${call.method}:${call.toolName}`, tool.limit, `tool "${call.toolName}"`);
      }
      return [...buckets.values()];
    },
  };
}
