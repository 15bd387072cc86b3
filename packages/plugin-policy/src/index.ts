import { createRequire } from "node:module";
import { ANONYMOUS, definePlugin, GatewayError } from "@mcp-gateway/runtime/plugin";
import { filterListResult, LIST_METHODS } from "./filter-lists.js";
import { compilePolicy } from "./match-policy.js";
import { optionsSchema } from "./options.js";

const pkg = createRequire(import.meta.url)("../package.json") as { version: string };

export { optionsSchema, type PolicyOptions } from "./options.js";
export { compilePolicy, type Policy, type SubjectPolicy } from "./match-policy.js";

/**
 * The sectioned format's policy engine: allow/deny globs per tenant and client, deny beating allow, every
 * call of a batch checked. Discovery lists are filtered to what the caller may use.
 */
export default definePlugin({
  name: "policy",
  version: pkg.version,
  api: "^1",
  options: optionsSchema,
  setup(gateway, options) {
    const policy = compilePolicy(options);

    gateway.hooks.authorize.tapPromise({ stage: "POLICY" }, async (ctx) => {
      // The runtime always sets a subject before authorize; if it ever did not, decide as for anyone.
      const rules = policy.forSubject(ctx.subject ?? ANONYMOUS);
      for (const call of ctx.calls) {
        const reason = rules.denial(call);
        if (reason) throw GatewayError.from("MCPGW_ERR_FORBIDDEN", `Forbidden: ${reason}`);
      }
    });

    if (!options.filterLists) return;
    for (const method of LIST_METHODS) {
      gateway.hooks.transformResult.for(method).tapPromise(async (result, ctx) => {
        return filterListResult(method, result, policy.forSubject(ctx.subject ?? ANONYMOUS));
      });
    }
  },
});
