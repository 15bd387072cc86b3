import micromatch from "micromatch";
import { z } from "zod";

/** Tests one value (a method, tool or prompt name, or resource URI) against compiled globs. */
export type Matcher = (value: string) => boolean;

/**
 * MCP names are not file paths: `*` must match across `/` (`method: "*"` matches `tools/call`,
 * `file:///*` matches `file:///docs/a.md`) and a leading `.` is not hidden. micromatch's bash
 * mode treats a single star as a globstar; `dot` stops dotfile rules. `?`, `[a-z]`, `{a,b}` and
 * `\x` work as usual. Matching is case-sensitive.
 */
const OPTIONS = Object.freeze({ bash: true, dot: true, posix: true });

const NEVER: Matcher = () => false;

/**
 * Compiles a list of globs once (at plugin load) into one matcher: true when any pattern matches
 * the whole value. Never compile per request. The patterns become one anchored RegExp, tested
 * directly: micromatch's own matcher allocates a state object on every test. As in micromatch, a
 * value equal to a pattern matches it.
 */
export function compileGlobs(patterns: readonly string[]): Matcher {
  if (!patterns.length) return NEVER;
  const literal = new Set(patterns);
  const any = new RegExp(patterns.map((pattern) => `(?:${micromatch.makeRe(pattern, OPTIONS).source})`).join("|"));
  return (value) => literal.has(value) || any.test(value);
}

/** Why a pattern cannot be compiled, or undefined when it can. */
export function globError(pattern: string): string | undefined {
  if (!pattern) return "glob must not be empty";
  // micromatch reads an unbalanced brace as a literal; in a policy that is almost always a typo.
  let depth = 0;
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index];
    if (char === "\\") index++;
    else if (char === "{") depth++;
    else if (char === "}" && --depth < 0) return `glob "${pattern}" has a "}" without "{"`;
  }
  if (depth > 0) return `glob "${pattern}" has a "{" without "}"`;
  try {
    new RegExp(micromatch.makeRe(pattern, OPTIONS).source);
    return undefined;
  } catch (err) {
    return `glob "${pattern}" is invalid: ${(err as Error).message}`;
  }
}

/** A glob option in a plugin's schema: checked at load, so a bad pattern names its config path. */
export const globSchema = z.string().superRefine((pattern, ctx) => {
  const error = globError(pattern);
  if (error) ctx.addIssue({ code: "custom", message: error });
});
