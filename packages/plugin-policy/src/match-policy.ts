import type { McpCall, Subject } from "@mcp-gateway/runtime/plugin";
import { compileGlobs, methodSpec, targetLabel, type Matcher } from "@mcp-gateway/runtime/plugin";
import type { PolicyOptions, PolicyRule } from "./options.js";

/** The MCP facts policy decides on (a subset of the runtime's McpCall). */
export type CallFacts = Pick<McpCall, "kind" | "method" | "targets">;

/** What a rule's allow/deny lists name. */
type Target = "method" | "tool" | "resource" | "prompt";
type Permissions = Record<Target, Matcher>;
type Verdict = "allowed" | "denied" | "default";

interface CompiledRule {
  readonly tenant: Matcher;
  readonly client: Matcher;
  readonly allow: Permissions;
  readonly deny: Permissions;
}

export interface SubjectPolicy {
  /** Why the call is refused, or undefined when it may proceed. */
  denial(call: CallFacts): string | undefined;
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
    allow: compilePermissions(rule.allow),
    deny: compilePermissions(rule.deny),
  };
}

/**
 * Compiles the options once, at load: every glob becomes a matcher, so a request only runs
 * them. The decision, for a caller:
 *
 * 1. The rules that apply are every rule whose `subject` matches (tenant and client globs;
 *    an omitted field matches anyone). They merge: their allow lists join, their deny lists join.
 * 2. A value (method, tool name, resource URI, prompt name) is denied when any applicable deny
 *    list matches it, else allowed when any allow list matches it, else `default` decides.
 * 3. A request passes when its method passes and every tool, prompt and resource it names passes
 *    too: the targets the runtime read from the call where its method carries them (tools/call,
 *    prompts/get, resources/read, subscribe and unsubscribe, a completion's ref, a listen's
 *    resource subscriptions). A named call without the name is refused: there is nothing to check.
 * 4. Responses and notifications the client sends are not calls to authorize: they pass.
 */
export function compilePolicy(options: Pick<PolicyOptions, "default" | "rules">): Policy {
  const rules = options.rules.map(compileRule);
  const defaultAllows = options.default === "allow";
  // Callers repeat: their merged rules are kept by tenant, then client, up to SUBJECTS_KEPT.
  const kept = new Map<string, Map<string, SubjectPolicy>>();
  let keptCount = 0;

  function compileForSubject(subject: Subject): SubjectPolicy {
    const applicable = rules.filter((rule) => rule.tenant(subject.tenant) && rule.client(subject.client));
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

    return {
      denial(call) {
        if (call.kind !== "request" || call.method === undefined) return undefined;
        const method = refusal("method", call.method);
        if (method) return method;
        const spec = methodSpec(call.method);
        if (spec?.requiresTarget && !call.targets.length) return `${call.method} without ${targetLabel(spec)} is not allowed`;
        for (const target of call.targets) {
          const refused = refusal(target.kind, target.name);
          if (refused) return refused;
        }
        return undefined;
      },
    };
  }

  return {
    forSubject(subject) {
      const byClient = kept.get(subject.tenant);
      const known = byClient?.get(subject.client);
      if (known) return known;
      if (keptCount >= SUBJECTS_KEPT) {
        kept.clear();
        keptCount = 0;
      }
      const compiled = compileForSubject(subject);
      if (byClient) byClient.set(subject.client, compiled);
      else kept.set(subject.tenant, new Map([[subject.client, compiled]]));
      keptCount++;
      return compiled;
    },
  };
}
