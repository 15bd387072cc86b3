import { globSchema as glob, z } from "@mcp-gateway/runtime/plugin";

const globs = (what: string) => z.array(glob).optional().describe(`Glob patterns for ${what}`);

const permissionsSchema = z.strictObject({
  methods: globs("MCP methods, e.g. tools/call, resources/*"),
  tools: globs("tool names of tools/call (params.name)"),
  resources: globs(
    "resource URIs (or URI templates) a call names: resources/read, subscribe and unsubscribe (params.uri), a completion's ref/resource, a listen's resourceSubscriptions",
  ),
  prompts: globs("prompt names a call names: prompts/get (params.name), a completion's ref/prompt"),
});

export const ruleSchema = z.strictObject({
  subject: z
    .strictObject({
      tenant: glob.optional().describe("Tenant glob; omitted matches every tenant"),
      client: glob.optional().describe("Client glob; omitted matches every client"),
    })
    .default({})
    .describe("Whom the rule applies to; omitted or {} applies to every caller"),
  allow: permissionsSchema.optional().describe("What the rule allows"),
  deny: permissionsSchema.optional().describe("What the rule denies; a deny beats any allow"),
});

export const optionsSchema = z
  .strictObject({
    default: z.enum(["deny", "allow"]).default("deny").describe("Decision for what no matching rule allows or denies"),
    rules: z.array(ruleSchema).default([]).describe("Rules; every rule whose subject matches the caller applies (they merge)"),
    filterLists: z
      .boolean()
      .default(true)
      .describe("Filter tools/list, prompts/list, resources/list and resources/templates/list to what the caller may use"),
  })
  .describe("Allow or deny MCP calls per tenant and client, with glob patterns");

export type PolicyOptions = z.output<typeof optionsSchema>;
export type PolicyRule = z.output<typeof ruleSchema>;
