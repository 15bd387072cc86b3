import { LISTS, type ListSpec } from "@mcp-gateway/runtime/plugin";
import type { CallFacts, SubjectPolicy } from "./match-policy.js";

/** The list methods policy filters, from the runtime's table of MCP methods. */
export const LIST_METHODS: readonly string[] = [...LISTS.values()].map((spec) => spec.method);

const BY_METHOD: ReadonlyMap<string, ListSpec> = new Map([...LISTS.values()].map((spec) => [spec.method, spec.list]));

/** The call that would use a listed item: `tools/call` of a tool, `resources/read` of a resource or template. */
function use(list: ListSpec, name: string): CallFacts {
  return { kind: "request", method: list.usedBy, targets: [{ kind: list.of, name }] };
}

/**
 * Discovery follows policy: a list shows exactly what the caller could then call. Resource
 * templates are checked by their `uriTemplate` text against the resource globs, so
 * `file:///docs/*` keeps `file:///docs/{name}` and a deny of `secret://*` drops `secret://{id}`.
 * The list result with the items the caller may not use removed; other results unchanged.
 */
export function filterListResult(method: string, result: unknown, policy: SubjectPolicy): unknown {
  const list = BY_METHOD.get(method);
  if (!list || typeof result !== "object" || result === null) return result;
  const items = (result as Record<string, unknown>)[list.field];
  if (!Array.isArray(items)) return result;
  const visible = items.filter((item: unknown) => {
    const name = (item as Record<string, unknown> | null)?.[list.key];
    // An item policy cannot name is one it cannot allow.
    return typeof name === "string" && policy.denial(use(list, name)) === undefined;
  });
  // Nothing hidden: the same result, so the runtime can send the upstream's bytes unchanged.
  return visible.length === items.length ? result : { ...result, [list.field]: visible };
}
