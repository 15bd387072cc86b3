import type { CallFacts, SubjectPolicy } from "./match-policy.js";

interface ListSpec {
  /** The array in the result. */
  key: string;
  /** The field of each item that names it. */
  field: string;
  /** The call that would use the item. */
  use(name: string): CallFacts;
}

/**
 * Discovery follows policy: a list shows exactly what the caller could then call. Resource
 * templates are checked by their `uriTemplate` text against the resource globs, so
 * `file:///docs/*` keeps `file:///docs/{name}` and a deny of `secret://*` drops `secret://{id}`.
 */
export const LISTS: Readonly<Record<string, ListSpec>> = {
  "tools/list": { key: "tools", field: "name", use: (toolName) => ({ kind: "request", method: "tools/call", toolName }) },
  "prompts/list": { key: "prompts", field: "name", use: (promptName) => ({ kind: "request", method: "prompts/get", promptName }) },
  "resources/list": { key: "resources", field: "uri", use: (resourceUri) => ({ kind: "request", method: "resources/read", resourceUri }) },
  "resources/templates/list": {
    key: "resourceTemplates",
    field: "uriTemplate",
    use: (resourceUri) => ({ kind: "request", method: "resources/read", resourceUri }),
  },
};

/** The list result with the items the caller may not use removed; other results unchanged. */
export function filterListResult(method: string, result: unknown, policy: SubjectPolicy): unknown {
  const spec = Object.hasOwn(LISTS, method) ? LISTS[method] : undefined;
  if (!spec || typeof result !== "object" || result === null) return result;
  const items = (result as Record<string, unknown>)[spec.key];
  if (!Array.isArray(items)) return result;
  const visible = items.filter((item: unknown) => {
    const name = (item as Record<string, unknown> | null)?.[spec.field];
    // An item policy cannot name is one it cannot allow.
    return typeof name === "string" && policy.denial(spec.use(name)) === undefined;
  });
  // Nothing hidden: the same result, so the runtime can send the upstream's bytes unchanged.
  return visible.length === items.length ? result : { ...result, [spec.key]: visible };
}
