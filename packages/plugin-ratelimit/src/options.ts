import { globError, z } from "@mcp-gateway/runtime/plugin";

const rpm = z.number().positive().describe("Calls per minute a bucket refills at");

const limit = z
  .union([
    rpm,
    z.strictObject({
      rpm,
      burst: z.number().int().positive().optional().describe("Capacity of this bucket (calls admitted at once); defaults to the top-level burst, else rpm"),
    }),
  ])
  .describe("A limit: calls per minute, or { rpm, burst }");

/**
 * The sectioned format's `rateLimit` section (`keyPrefix`, `defaultRpm`, `byMethod`) is accepted unchanged;
 * the other options are additions with defaults.
 */
export const optionsSchema = z.strictObject({
  keyPrefix: z
    .string()
    .min(1)
    .default("mcp-gateway")
    .describe("First part of every bucket key (<keyPrefix>:rate:<tenant>:<client>:<method>); RATE_LIMIT_KEY_PREFIX overrides it"),
  defaultRpm: rpm.default(600).describe("Calls per minute per tenant, client and MCP method, unless byMethod names the method"),
  byMethod: z
    .record(z.string().min(1), limit)
    .default({})
    .describe('Per-method limits by exact MCP method name, e.g. { "tools/call": 120 }'),
  byTool: z
    .record(z.string().min(1), limit)
    .superRefine((byTool, ctx) => {
      for (const glob of Object.keys(byTool)) {
        const error = globError(glob);
        if (error) ctx.addIssue({ code: "custom", path: [glob], message: error });
      }
    })
    .default({})
    .describe("Extra per-tool limits for tools/call: tool-name glob (MCP-name globs: * ? [a-z] {a,b}) → limit; the first matching glob in written order applies, to each tool name separately"),
  burst: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("Capacity of every bucket that sets no burst of its own; without it a bucket holds one minute's allowance (its rpm)"),
  failOpen: z
    .boolean()
    .default(false)
    .describe("When the Redis store is unreachable at runtime, let calls through (logged) instead of answering 503"),
}).describe("Token buckets per tenant, client and MCP method (and tool), in memory or shared through Redis (REDIS_URL)");

export type RateLimitOptions = z.output<typeof optionsSchema>;
export type RateLimitOptionsInput = z.input<typeof optionsSchema>;
