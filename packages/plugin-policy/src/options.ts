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

/** A scope token (RFC 6749 §3.3): printable ASCII without space, `"` or `\`. */
const scopeToken = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, "expected a scope token: printable ASCII without spaces, quotes or backslashes");

export const ruleSchema = z.strictObject({
  subject: z
    .strictObject({
      tenant: glob.optional().describe("Tenant glob; omitted matches every tenant"),
      client: glob.optional().describe("Client glob; omitted matches every client"),
      scope: glob
        .optional()
        .describe("Scope glob: the rule applies to callers holding a matching scope (subject.claims.scope, as auth-oauth sets it); omitted matches every caller"),
    })
    .default({})
    .describe("Whom the rule applies to; omitted or {} applies to every caller"),
  allow: permissionsSchema.optional().describe("What the rule allows"),
  deny: permissionsSchema.optional().describe("What the rule denies; a deny beats any allow"),
});

export const scopeRequirementSchema = z
  .strictObject({
    scope: z
      .union([scopeToken, z.array(scopeToken).min(1)])
      .describe("The scope (or scopes, all of them) a call naming what follows needs"),
    methods: globs("MCP methods that need the scope"),
    tools: globs("tool names whose tools/call needs the scope"),
    resources: globs("resource URIs whose use needs the scope"),
    prompts: globs("prompt names whose use needs the scope"),
  })
  .refine((requirement) => [requirement.methods, requirement.tools, requirement.resources, requirement.prompts].some((list) => list?.length), {
    message: "name at least one of methods, tools, resources or prompts",
  });

export const optionsSchema = z
  .strictObject({
    default: z.enum(["deny", "allow"]).default("deny").describe("Decision for what no matching rule allows or denies"),
    rules: z.array(ruleSchema).default([]).describe("Rules; every rule whose subject matches the caller applies (they merge)"),
    requireScopes: z
      .array(scopeRequirementSchema)
      .default([])
      .describe(
        "Scopes calls need whatever the rules allow: a call whose method, tool, resource or prompt an entry names is refused (403 with a Bearer insufficient_scope challenge when the auth plugin offers one) unless the caller holds the entry's scopes",
      ),
    filterLists: z
      .boolean()
      .default(true)
      .describe("Filter tools/list, prompts/list, resources/list and resources/templates/list to what the caller may use"),
  })
  .describe("Allow or deny MCP calls per tenant, client and scope, with glob patterns");

export type PolicyOptions = z.output<typeof optionsSchema>;
export type PolicyRule = z.output<typeof ruleSchema>;
export type ScopeRequirement = z.output<typeof scopeRequirementSchema>;
