import type { McpCall, RouteDescription, TargetKind } from "@mcp-gateway/runtime/plugin";
import { compileGlobs, type Matcher } from "@mcp-gateway/runtime/plugin";
import type { RouteRule } from "./options.js";

export type CallFacts = Pick<McpCall, "kind" | "method" | "target">;

interface CompiledRule {
  readonly test: (call: CallFacts) => boolean;
  /** Matches whatever the request is: no name constraint and no method, or a method of only `*`. */
  readonly catchAll: boolean;
  readonly upstream: string;
}

export interface RouteOptions {
  /**
   * Federation routes a named call to the upstream owning the name; only rules that say more
   * than "everything" (a name, or a method) should override that.
   */
  skipCatchAll?: boolean;
}

export interface Router {
  /** Upstream for a request's calls, or undefined to let the runtime decide. */
  route(calls: readonly CallFacts[], options?: RouteOptions): string | undefined;
}

/** Thrown at setup for a rule naming an upstream that is not configured; `optionPath` points at it. */
export class UnknownUpstreamError extends Error {
  override readonly name = "UnknownUpstreamError";
  readonly optionPath: (string | number)[];
  constructor(index: number, upstream: string, known: readonly string[]) {
    super(`unknown upstream "${upstream}" (known: ${known.join(", ")})`);
    this.optionPath = ["rules", index, "upstream"];
  }
}

const compileOne = (pattern: string | undefined): Matcher | undefined => (pattern === undefined ? undefined : compileGlobs([pattern]));

/**
 * A name constraint holds for calls that name a target of that kind: a `tool` rule matches
 * tools/call, a `prompt` rule prompts/get and a completion of that prompt, a `resource` rule
 * resources/read, subscribe and unsubscribe and a completion of that resource, so every call
 * about one name reaches the upstream that serves it.
 */
function named(matcher: Matcher | undefined, kind: TargetKind) {
  return (call: CallFacts) => !matcher || (call.target?.kind === kind && matcher(call.target.name));
}

function compileRule(rule: RouteRule): CompiledRule {
  const { method, tool, resource, prompt } = rule.match;
  const methodMatcher = compileOne(method);
  const checks = [
    (call: CallFacts) => !methodMatcher || (call.method !== undefined && methodMatcher(call.method)),
    named(compileOne(tool), "tool"),
    named(compileOne(resource), "resource"),
    named(compileOne(prompt), "prompt"),
  ];
  return {
    test: (call) => checks.every((check) => check(call)),
    catchAll: tool === undefined && resource === undefined && prompt === undefined && (method === undefined || /^\*+$/.test(method)),
    upstream: rule.upstream,
  };
}

/** The first request decides a batch; a body of notifications only, the first notification. */
function deciding(calls: readonly CallFacts[]): CallFacts | undefined {
  return calls.find((call) => call.kind === "request") ?? calls.find((call) => call.kind === "notification");
}

/**
 * Compiles the rules once, at load. First match wins. A request with no method to match
 * (GET event stream, DELETE, a POST of responses only) takes the first catch-all rule.
 */
export function compileRouter(rules: readonly RouteRule[]): Router {
  const compiled = rules.map(compileRule);
  const catchAll = compiled.find((rule) => rule.catchAll)?.upstream;
  return {
    route(calls, options = {}) {
      const call = deciding(calls);
      if (!call) return catchAll;
      return compiled.find((rule) => !(options.skipCatchAll && rule.catchAll) && rule.test(call))?.upstream;
    },
  };
}

/** Throws UnknownUpstreamError for the first rule naming an upstream not in `known`. */
export function checkUpstreams(rules: readonly RouteRule[], known: readonly string[]): void {
  const names = new Set(known);
  rules.forEach((rule, index) => {
    if (!names.has(rule.upstream)) throw new UnknownUpstreamError(index, rule.upstream, known);
  });
}

/** The rules as `mcp-gateway routes` prints them; an empty match is written `method=*`. */
export function describeRoutes(rules: readonly RouteRule[]): RouteDescription[] {
  return rules.map(({ match, upstream }) => {
    const given = Object.fromEntries(Object.entries(match).filter((entry): entry is [string, string] => entry[1] !== undefined));
    return { match: Object.keys(given).length ? given : { method: "*" }, upstream };
  });
}
