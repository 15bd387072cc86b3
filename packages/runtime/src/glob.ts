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
  // Options are checked at load (globSchema); this catches a plugin compiling patterns it never validated.
  assertGlobs(patterns);
  const literal = new Set(patterns);
  const any = new RegExp(patterns.map((pattern) => `(?:${micromatch.makeRe(pattern, OPTIONS).source})`).join("|"));
  return (value) => literal.has(value) || any.test(value);
}

const POSIX_CLASSES = new Set(["alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct", "space", "upper", "word", "xdigit"]);

/**
 * Checks one `[...]` set starting at `open`; returns the index of its `]`, or why it is malformed.
 * A `]` first in the set (after an optional `!` or `^`) is a literal, as in POSIX.
 */
function checkSet(pattern: string, open: number): number | string {
  let index = open + 1;
  if (pattern[index] === "!" || pattern[index] === "^") index++;
  const first = index;
  let previous: string | undefined;
  for (; index < pattern.length; index++) {
    let char = pattern[index]!;
    if (char === "]" && index > first) return index;
    if (char === "[" && pattern[index + 1] === ":") {
      const end = pattern.indexOf(":]", index + 2);
      if (end === -1) return `has an unclosed "[:" class`;
      const name = pattern.slice(index + 2, end);
      if (!POSIX_CLASSES.has(name)) return `has an unknown character class "[:${name}:]"`;
      index = end + 1;
      previous = undefined;
      continue;
    }
    if (char === "\\") {
      if (index + 1 >= pattern.length) break;
      char = pattern[++index]!;
    } else if (char === "-" && previous !== undefined && index + 1 < pattern.length && pattern[index + 1] !== "]") {
      let end = pattern[++index]!;
      if (end === "\\" && index + 1 < pattern.length) end = pattern[++index]!;
      if (end < previous) return `has a reversed range "${previous}-${end}", which matches nothing`;
      previous = undefined;
      continue;
    }
    previous = char;
  }
  return `has a "[" without "]"`;
}

/** Why a pattern cannot be compiled, or undefined when it can. */
export function globError(pattern: string): string | undefined {
  if (!pattern) return "glob must not be empty";
  // micromatch reads an unbalanced bracket or brace as a literal and a reversed range as a set
  // that matches nothing; in a deny list that fails open, so each is refused.
  let depth = 0;
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index];
    if (char === "\\") {
      if (index + 1 >= pattern.length) return `glob "${pattern}" ends with a lone "\\"`;
      index++;
    } else if (char === "[") {
      const end = checkSet(pattern, index);
      if (typeof end === "string") return `glob "${pattern}" ${end}`;
      index = end;
    } else if (char === "]") return `glob "${pattern}" has a "]" without "["`;
    else if (char === "{") depth++;
    else if (char === "}" && --depth < 0) return `glob "${pattern}" has a "}" without "{"`;
  }
  if (depth > 0) return `glob "${pattern}" has a "{" without "}"`;
  let source: string;
  try {
    source = micromatch.makeRe(pattern, OPTIONS).source;
    new RegExp(source);
  } catch (err) {
    return `glob "${pattern}" is invalid: ${(err as Error).message}`;
  }
  // micromatch's way of writing "nothing": a pattern that can never match is never intended.
  if (source === "$^") return `glob "${pattern}" matches nothing`;
  return undefined;
}

/** Checks every pattern of a list, naming the first that is malformed (for code outside a zod schema). */
export function assertGlobs(patterns: readonly string[]): void {
  for (const pattern of patterns) {
    const error = globError(pattern);
    if (error) throw new TypeError(error);
  }
}

/** A glob option in a plugin's schema: checked at load, so a bad pattern names its config path. */
export const globSchema = z.string().superRefine((pattern, ctx) => {
  const error = globError(pattern);
  if (error) ctx.addIssue({ code: "custom", message: error });
});
