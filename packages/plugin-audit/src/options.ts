import { z } from "@mcp-gateway/runtime/plugin";

/**
 * The sectioned format's `audit` section (`enabled`, `environments`) is accepted unchanged;
 * `destination` is an addition with a default.
 */
export const optionsSchema = z.strictObject({
  enabled: z.boolean().default(true).describe("Write audit records; false turns the plugin off"),
  environments: z
    .array(z.string().min(1))
    .min(1)
    .default(["*"])
    .describe('Environments that get audit records, e.g. ["production", "staging"]; ["*"] means every environment. The environment is MCP_GATEWAY_ENV, else NODE_ENV, else "development"'),
  destination: z
    .union([
      z.literal("logger").describe("The gateway's logger: pino JSON lines on stdout, next to the other logs"),
      z.strictObject({
        file: z.string().min(1).describe("File that receives the records as pino JSON lines; relative paths resolve from the config file's directory"),
      }),
    ])
    .default("logger")
    .describe('Where records go: "logger" (default) or { file: "path" }'),
}).describe("One audit record per request, whatever its outcome (see docs/audit.md)");

export type AuditOptions = z.output<typeof optionsSchema>;
export type AuditOptionsInput = z.input<typeof optionsSchema>;
