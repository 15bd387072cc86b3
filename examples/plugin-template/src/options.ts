import { z } from "@mcp-gateway/runtime/plugin";
import { PLACEHOLDERS, unknownPlaceholders } from "./header-value.js";

/**
 * The options, validated when the gateway loads the plugin. Every field has a `.describe()` (the
 * README's options table says the same) and its default here, not in `setup`. `z` is the
 * runtime's: never import zod yourself.
 */
export const optionsSchema = z
  .strictObject({
    header: z
      .string()
      .regex(/^[a-z0-9-]+$/, "expected a lower-case header name")
      .default("x-mcp-tenant")
      .describe("Request header that tells the upstream who is calling"),
    value: z
      .string()
      .min(1)
      .superRefine((template, ctx) => {
        const unknown = unknownPlaceholders(template);
        if (unknown.length) {
          const known = PLACEHOLDERS.map((name) => `{${name}}`).join(", ");
          ctx.addIssue({ code: "custom", message: `unknown placeholder ${unknown.map((name) => `{${name}}`).join(", ")} (known: ${known})` });
        }
      })
      .default("{tenant}")
      .describe("What the header says: {tenant}, {client} and {id} are replaced with the caller's subject"),
  })
  .describe("Tells the upstream which tenant is calling, in a request header");

export type TenantHeaderOptions = z.output<typeof optionsSchema>;
