import { globSchema as glob, z } from "@mcp-gateway/runtime/plugin";

export const matchSchema = z
  .strictObject({
    method: glob.optional().describe("Glob for the MCP method, e.g. tools/call, resources/*, *"),
    tool: glob.optional().describe("Glob for the tool name (params.name); only tools/call requests match"),
    resource: glob
      .optional()
      .describe("Glob for the resource URI; matches resources/read, subscribe and unsubscribe (params.uri) and completions of a ref/resource"),
    prompt: glob.optional().describe("Glob for the prompt name; matches prompts/get (params.name) and completions of a ref/prompt"),
  })
  .superRefine((match, ctx) => {
    const named = (["tool", "resource", "prompt"] as const).filter((key) => match[key] !== undefined);
    if (named.length > 1) {
      ctx.addIssue({ code: "custom", message: `${named.join(" and ")} apply to different methods, so this rule could never match; split it` });
    }
  });

export const ruleSchema = z.strictObject({
  match: matchSchema.describe("What the request must match; every given field must match, {} matches everything"),
  upstream: z.string().min(1).describe("Name of the upstream (from upstreams) that serves a matching request"),
});

export const optionsSchema = z
  .strictObject({
    rules: z.array(ruleSchema).default([]).describe("Routing rules, first match wins; no match goes to the first upstream"),
  })
  .describe("Route each request to an upstream by MCP method, tool, resource or prompt");

export type RouterOptions = z.output<typeof optionsSchema>;
export type RouteRule = z.output<typeof ruleSchema>;
