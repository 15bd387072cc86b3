import { createRequire } from "node:module";
import { ANONYMOUS, definePlugin, GatewayError } from "@mcp-gateway/runtime/plugin";
import { filterListResult, LIST_METHODS } from "./filter-lists.js";
import { compilePolicy } from "./match-policy.js";
import { optionsSchema } from "./options.js";

const pkg = createRequire(import.meta.url)("../package.json") as { version: string };

export { optionsSchema, type PolicyOptions } from "./options.js";
export { compilePolicy, scopesOf, type Denial, type Policy, type SubjectPolicy } from "./match-policy.js";

/**
 * Where an auth plugin leaves, for a request it authenticated, how to build its Bearer
 * `insufficient_scope` challenge (`(scopes, description?) => string`); auth-oauth does. A call
 * refused for a missing scope is answered with it, so MCP clients step up (docs/auth.md).
 */
const SCOPE_CHALLENGE = Symbol.for("mcp-gateway.scope-challenge");
type ScopeChallenge = (scopes: readonly string[], description?: string) => string;

/**
 * The sectioned format's policy engine: allow/deny globs per tenant and client, deny beating allow, every
 * call of a batch checked. Discovery lists are filtered to what the caller may use. Rules may also
 * match the caller's scopes, and `requireScopes` says which calls need which scope.
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
        const denied = rules.decide(call);
        if (!denied) continue;
        if (!denied.scopes) throw GatewayError.from("MCPGW_ERR_FORBIDDEN", `Forbidden: ${denied.reason}`);
        const challenge = ctx.state[SCOPE_CHALLENGE] as ScopeChallenge | undefined;
        throw GatewayError.from("MCPGW_ERR_FORBIDDEN", `Forbidden: ${denied.reason}`, {
          data: { requiredScopes: denied.scopes },
          ...(typeof challenge === "function" ? { headers: { "www-authenticate": challenge(denied.scopes) } } : {}),
        });
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
