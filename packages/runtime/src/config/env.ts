const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export interface PlaceholderIssue {
  path: (string | number)[];
  variable: string;
}

/**
 * Replaces `${NAME}` in every string of a parsed config with the environment's value.
 * A missing or empty variable is an issue at that path: a secret must never resolve to "".
 */
export function resolvePlaceholders(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  issues: PlaceholderIssue[],
  path: (string | number)[] = [],
): unknown {
  if (typeof value === "string") {
    if (!value.includes("${")) return value;
    return value.replace(PLACEHOLDER, (_match, name: string) => {
      const resolved = env[name];
      if (resolved === undefined || resolved === "") {
        issues.push({ path, variable: name });
        return "";
      }
      return resolved;
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => resolvePlaceholders(item, env, issues, [...path, index]));
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = resolvePlaceholders(item, env, issues, [...path, key]);
    return out;
  }
  return value;
}
