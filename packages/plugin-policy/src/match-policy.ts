import type { McpCall, Subject } from "@mcp-gateway/runtime/plugin";
import { compileGlobs, methodSpec, targetLabel, type Matcher } from "@mcp-gateway/runtime/plugin";
import type { PolicyOptions, PolicyRule, ScopeRequirement } from "./options.js";

/** The MCP facts policy decides on (a subset of the runtime's McpCall). */
export type CallFacts = Pick<McpCall, "kind" | "method" | "targets">;

/** What a rule's allow/deny lists name. */
type Target = "method" | "tool" | "resource" | "prompt";
type Permissions = Record<Target, Matcher>;
type Verdict = "allowed" | "denied" | "default";

interface CompiledRule {
  readonly tenant: Matcher;
  readonly client: Matcher;
  /** Undefined: the rule applies whatever scopes the caller holds. */
  readonly scope: Matcher | undefined;
  readonly allow: Permissions;
  readonly deny: Permissions;
}

interface CompiledRequirement {
  readonly scopes: readonly string[];
  readonly names: Permissions;
}

/** Why a call is refused; `scopes` when holding those scopes would let it through (requireScopes). */
export interface Denial {
  readonly reason: string;
  /** Every scope the call needs (held or not): what a Bearer insufficient_scope challenge asks for. */
  readonly scopes?: readonly string[];
}

export interface SubjectPolicy {
  /** Why the call is refused, or undefined when it may proceed. */
  denial(call: CallFacts): string | undefined;
  /** The same decision, with the scopes the call needs when a missing scope refused it. */
  decide(call: CallFacts): Denial | undefined;
}

export interface Policy {
  /** The rules whose subject matches, merged, for deciding on this caller's calls. */
  forSubject(subject: Subject): SubjectPolicy;
}

const ANY: Matcher = () => true;

/** Callers whose merged rules are kept; past it the cache starts over (subjects may be unbounded). */
const SUBJECTS_KEPT = 1_000;

function compilePermissions(permissions: PolicyRule["allow"]): Permissions {
  return {
    method: compileGlobs(permissions?.methods ?? []),
    tool: compileGlobs(permissions?.tools ?? []),
    resource: compileGlobs(permissions?.resources ?? []),
    prompt: compileGlobs(permissions?.prompts ?? []),
  };
}

function compileRule(rule: PolicyRule): CompiledRule {
  return {
    tenant: rule.subject.tenant === undefined ? ANY : compileGlobs([rule.subject.tenant]),
    client: rule.subject.client === undefined ? ANY : compileGlobs([rule.subject.client]),
    scope: rule.subject.scope === undefined ? undefined : compileGlobs([rule.subject.scope]),
    allow: compilePermissions(rule.allow),
    deny: compilePermissions(rule.deny),
  };
}

function compileRequirement(requirement: ScopeRequirement): CompiledRequirement {
  return {
    scopes: typeof requirement.scope === "string" ? [requirement.scope] : [...new Set(requirement.scope)],
    names: compilePermissions(requirement),
  };
}

const NO_SCOPES: readonly string[] = Object.freeze([]);

/**
 * The scopes a subject holds, by the convention auth plugins follow (docs/auth.md):
 * `claims.scope` as a list of strings; a space-separated string (OAuth's own form) is read too.
 */
export function scopesOf(subject: Subject): readonly string[] {
  const scope = subject.claims?.scope;
  if (Array.isArray(scope)) return scope.filter((value): value is string => typeof value === "string");
  if (typeof scope === "string") return scope.split(" ").filter(Boolean);
  return NO_SCOPES;
}

/**
 * Compiles the options once, at load: every glob becomes a matcher, so a request only runs
 * them. The decision, for a caller:
 *
 * 0. `requireScopes` first: a call whose method, tool, resource or prompt an entry names needs
 *    that entry's scopes; without them it is refused, naming the scopes (so the auth plugin's
 *    insufficient_scope challenge can ask for them), whatever the rules say.
 * 1. The rules that apply are every rule whose `subject` matches (tenant and client globs, and
 *    a scope glob one of the caller's scopes must match; an omitted field matches anyone).
 *    They merge: their allow lists join, their deny lists join.
 * 2. A value (method, tool name, resource URI, prompt name) is denied when any applicable deny
 *    list matches it, else allowed when any allow list matches it, else `default` decides.
 * 3. A request passes when its method passes and every tool, prompt and resource it names passes
 *    too: the targets the runtime read from the call where its method carries them (tools/call,
 *    prompts/get, resources/read, subscribe and unsubscribe, a completion's ref, a listen's
 *    resource subscriptions). A named call without the name is refused: there is nothing to check.
 * 4. Responses and notifications the client sends are not calls to authorize: they pass.
 */
export function compilePolicy(options: Pick<PolicyOptions, "default" | "rules"> & Partial<Pick<PolicyOptions, "requireScopes">>): Policy {
  const rules = options.rules.map(compileRule);
  const requirements = (options.requireScopes ?? []).map(compileRequirement);
  const defaultAllows = options.default === "allow";
  // Only a policy that names scopes decides differently for one caller holding different scopes.
  const byScopes = requirements.length > 0 || rules.some((rule) => rule.scope !== undefined);
  // Callers repeat: their merged rules are kept by tenant, then client (then scopes), up to SUBJECTS_KEPT.
  const kept = new Map<string, Map<string, Map<string, SubjectPolicy>>>();
  let keptCount = 0;

  function compileForSubject(subject: Subject, scopes: readonly string[]): SubjectPolicy {
    const applicable = rules.filter(
      (rule) => rule.tenant(subject.tenant) && rule.client(subject.client) && (rule.scope === undefined || scopes.some((scope) => rule.scope!(scope))),
    );
    const held = new Set(scopes);
    const who = `${subject.tenant}/${subject.client}`;
    const verdict = (target: Target, value: string): Verdict => {
      if (applicable.some((rule) => rule.deny[target](value))) return "denied";
      if (applicable.some((rule) => rule.allow[target](value))) return "allowed";
      return "default";
    };
    const refusal = (target: Target, value: string): string | undefined => {
      const decided = verdict(target, value);
      if (decided === "allowed" || (decided === "default" && defaultAllows)) return undefined;
      return `${target} ${JSON.stringify(value)} is ${decided === "denied" ? "denied" : "not allowed"} for ${who}`;
    };

    /** The scopes the requirements that name this call ask for, and the first of them the caller lacks. */
    const scopeRefusal = (call: CallFacts & { method: string }): Denial | undefined => {
      let needed: string[] | undefined;
      let what: string | undefined;
      const require = (requirement: CompiledRequirement, named: string) => {
        for (const scope of requirement.scopes) {
          needed ??= [];
          if (!needed.includes(scope)) needed.push(scope);
          if (what === undefined && !held.has(scope)) what = named;
        }
      };
      for (const requirement of requirements) {
        if (requirement.names.method(call.method)) require(requirement, `method ${JSON.stringify(call.method)}`);
        for (const target of call.targets) if (requirement.names[target.kind](target.name)) require(requirement, `${target.kind} ${JSON.stringify(target.name)}`);
      }
      if (what === undefined || needed === undefined) return undefined;
      const missing = needed.filter((scope) => !held.has(scope));
      return { reason: `${what} needs scope ${missing.join(" ")}, which ${who} does not hold`, scopes: needed };
    };

    const decide = (call: CallFacts): Denial | undefined => {
      if (call.kind !== "request" || call.method === undefined) return undefined;
      if (requirements.length) {
        const refused = scopeRefusal(call as CallFacts & { method: string });
        if (refused) return refused;
      }
      const method = refusal("method", call.method);
      if (method) return { reason: method };
      const spec = methodSpec(call.method);
      if (spec?.requiresTarget && !call.targets.length) return { reason: `${call.method} without ${targetLabel(spec)} is not allowed` };
      for (const target of call.targets) {
        const refused = refusal(target.kind, target.name);
        if (refused) return { reason: refused };
      }
      return undefined;
    };

    return {
      decide,
      denial: (call) => decide(call)?.reason,
    };
  }

  return {
    forSubject(subject) {
      const scopes = byScopes ? scopesOf(subject) : NO_SCOPES;
      // Exact, whatever characters the scopes hold; only computed when scopes decide anything.
      const scopeKey = byScopes ? JSON.stringify(scopes) : "";
      let byClient = kept.get(subject.tenant);
      let byScope = byClient?.get(subject.client);
      const known = byScope?.get(scopeKey);
      if (known) return known;
      if (keptCount >= SUBJECTS_KEPT) {
        kept.clear();
        keptCount = 0;
        byClient = undefined;
        byScope = undefined;
      }
      const compiled = compileForSubject(subject, scopes);
      if (!byClient) kept.set(subject.tenant, (byClient = new Map()));
      if (!byScope) byClient.set(subject.client, (byScope = new Map()));
      byScope.set(scopeKey, compiled);
      keptCount++;
      return compiled;
    },
  };
}
