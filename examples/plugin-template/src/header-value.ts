/**
 * The plugin's logic, kept apart from the hooks: no HTTP and no gateway, so its unit tests run in
 * milliseconds. Types come from `@mcp-gateway/runtime/plugin`, which loads no server stack.
 */
import type { Subject } from "@mcp-gateway/runtime/plugin";

/** What a value template may say: `{tenant}`, `{client}` and `{id}` (the credential's id). */
export const PLACEHOLDERS = ["tenant", "client", "id"] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** The placeholders of `template` this plugin does not know, in order, for an option error. */
export function unknownPlaceholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1]!).filter((name) => !(PLACEHOLDERS as readonly string[]).includes(name));
}

/**
 * Compiles a value template once, at load, into the function each request calls. Control
 * characters a subject could carry are dropped: a header value cannot hold them.
 */
export function compileHeaderValue(template: string): (subject: Subject) => string {
  const parts = template.split(PLACEHOLDER);
  // split() with a capture group alternates text and placeholder names: text, name, text, …
  return (subject) =>
    parts
      .map((part, index) => (index % 2 === 0 ? part : (subject[part as Placeholder] ?? "")))
      .join("")
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f]/g, "");
}
