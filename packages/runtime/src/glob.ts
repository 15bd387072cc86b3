import micromatch from "micromatch";

/** Tests one value (a method, tool or prompt name, or resource URI) against compiled globs. */
export type Matcher = (value: string) => boolean;

/**
 * MCP names are not file paths: `*` must match across `/` (`method: "*"` matches `tools/call`,
 * `file:///*` matches `file:///docs/a.md`) and a leading `.` is not hidden. micromatch's bash
 * mode treats a single star as a globstar; `dot` stops dotfile rules. `?`, `[a-z]`, `{a,b}` and
 * `\x` work as usual. Matching is case-sensitive.
 */
const OPTIONS = Object.freeze({ bash: true, dot: true });

const NEVER: Matcher = () => false;

/**
 * Compiles a list of globs once (at plugin load) into one matcher: true when any pattern matches
 * the whole value. Never compile per request.
 */
export function compileGlobs(patterns: readonly string[]): Matcher {
  if (!patterns.length) return NEVER;
  const matchers = patterns.map((pattern) => micromatch.matcher(pattern, OPTIONS));
  if (matchers.length === 1) return matchers[0]!;
  return (value) => matchers.some((match) => match(value));
}
