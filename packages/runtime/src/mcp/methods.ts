/**
 * Everything the gateway knows about MCP methods, in one table: who sends each, what it names
 * (a tool, prompt or resource, and where in `params`), which list it is, which eras have it and
 * how a federating gateway answers it. Parsing fills each call's targets from here once; policy,
 * routing, audit, mirrored headers, federation and the CLI read the call or this table, never a
 * list of their own. `test/methods.test.ts` walks the methods of both SDK eras against it.
 */
import type { McpEra } from "../context.js";

export type TargetKind = "tool" | "prompt" | "resource";

/** A tool, prompt or resource a call acts on. For a resource, `name` is its URI (or URI template). */
export interface McpTarget {
  readonly kind: TargetKind;
  readonly name: string;
}

export type ListKind = "tools" | "prompts" | "resources" | "resourceTemplates";

/** What a list method returns: the result field holding the items and the item field naming each. */
export interface ListSpec {
  readonly kind: ListKind;
  readonly field: string;
  readonly key: string;
  /** What each item is, and the method that uses one (what policy checks a listed item against). */
  readonly of: TargetKind;
  readonly usedBy: string;
}

/**
 * How a gateway that federates several upstreams into one session answers the method:
 * `owner`: the upstream that lists the call's target; `list`: every upstream's list, merged;
 * `broadcast`: every upstream, an empty answer; `gateway`: the gateway itself; `initialize`,
 * `discover` and `listen` have their own merges; `deliver`: notifications go to every upstream;
 * `first`: the session's first upstream.
 */
export type FederatedDispatch = "owner" | "list" | "broadcast" | "gateway" | "initialize" | "discover" | "listen" | "deliver" | "first";

export interface MethodSpec {
  readonly method: string;
  readonly sender: "client" | "server" | "both";
  readonly message: "request" | "notification";
  /** What the method names and where its params carry it: `ref` is completion's `{ type, name | uri }`. */
  readonly target?: { readonly kind: TargetKind | "ref"; readonly at: "name" | "uri" | "ref" | "resourceSubscriptions" };
  /** True when a call without its target is malformed (every named method but `subscriptions/listen`). */
  readonly requiresTarget?: boolean;
  /** Modern Streamable HTTP: `Mcp-Name` mirrors this `params` field. */
  readonly mirroredName?: "name" | "uri";
  readonly list?: ListSpec;
  readonly eras: readonly McpEra[];
  readonly federated: FederatedDispatch;
}

const LEGACY: readonly McpEra[] = Object.freeze(["legacy"]);
const MODERN: readonly McpEra[] = Object.freeze(["modern"]);
const BOTH: readonly McpEra[] = Object.freeze(["legacy", "modern"]);

const list = (kind: ListKind, field: string, key: string, of: TargetKind, usedBy: string): ListSpec => Object.freeze({ kind, field, key, of, usedBy });

const SPECS: readonly MethodSpec[] = [
  // Lifecycle and utilities.
  { method: "initialize", sender: "client", message: "request", eras: LEGACY, federated: "initialize" },
  { method: "ping", sender: "both", message: "request", eras: LEGACY, federated: "gateway" },
  { method: "server/discover", sender: "client", message: "request", eras: MODERN, federated: "discover" },
  { method: "logging/setLevel", sender: "client", message: "request", eras: LEGACY, federated: "broadcast" },
  // Tools, prompts, resources.
  { method: "tools/list", sender: "client", message: "request", list: list("tools", "tools", "name", "tool", "tools/call"), eras: BOTH, federated: "list" },
  { method: "tools/call", sender: "client", message: "request", target: { kind: "tool", at: "name" }, requiresTarget: true, mirroredName: "name", eras: BOTH, federated: "owner" },
  { method: "prompts/list", sender: "client", message: "request", list: list("prompts", "prompts", "name", "prompt", "prompts/get"), eras: BOTH, federated: "list" },
  { method: "prompts/get", sender: "client", message: "request", target: { kind: "prompt", at: "name" }, requiresTarget: true, mirroredName: "name", eras: BOTH, federated: "owner" },
  { method: "resources/list", sender: "client", message: "request", list: list("resources", "resources", "uri", "resource", "resources/read"), eras: BOTH, federated: "list" },
  {
    method: "resources/templates/list",
    sender: "client",
    message: "request",
    list: list("resourceTemplates", "resourceTemplates", "uriTemplate", "resource", "resources/read"),
    eras: BOTH,
    federated: "list",
  },
  { method: "resources/read", sender: "client", message: "request", target: { kind: "resource", at: "uri" }, requiresTarget: true, mirroredName: "uri", eras: BOTH, federated: "owner" },
  { method: "resources/subscribe", sender: "client", message: "request", target: { kind: "resource", at: "uri" }, requiresTarget: true, eras: LEGACY, federated: "owner" },
  { method: "resources/unsubscribe", sender: "client", message: "request", target: { kind: "resource", at: "uri" }, requiresTarget: true, eras: LEGACY, federated: "owner" },
  { method: "completion/complete", sender: "client", message: "request", target: { kind: "ref", at: "ref" }, requiresTarget: true, eras: BOTH, federated: "owner" },
  { method: "subscriptions/listen", sender: "client", message: "request", target: { kind: "resource", at: "resourceSubscriptions" }, eras: MODERN, federated: "listen" },
  // Tasks (2025-11-25 experimental; the modern tasks extension).
  { method: "tasks/get", sender: "both", message: "request", eras: BOTH, federated: "first" },
  { method: "tasks/result", sender: "both", message: "request", eras: LEGACY, federated: "first" },
  { method: "tasks/list", sender: "both", message: "request", eras: LEGACY, federated: "first" },
  { method: "tasks/cancel", sender: "both", message: "request", eras: BOTH, federated: "first" },
  { method: "tasks/update", sender: "client", message: "request", eras: MODERN, federated: "first" },
  // Server → client requests (legacy on a stream; modern as MRTR input requests).
  { method: "sampling/createMessage", sender: "server", message: "request", eras: BOTH, federated: "first" },
  { method: "elicitation/create", sender: "server", message: "request", eras: BOTH, federated: "first" },
  { method: "roots/list", sender: "server", message: "request", eras: BOTH, federated: "first" },
  // Notifications.
  { method: "notifications/initialized", sender: "client", message: "notification", eras: LEGACY, federated: "deliver" },
  { method: "notifications/cancelled", sender: "both", message: "notification", eras: BOTH, federated: "deliver" },
  { method: "notifications/progress", sender: "both", message: "notification", eras: BOTH, federated: "deliver" },
  { method: "notifications/roots/list_changed", sender: "client", message: "notification", eras: LEGACY, federated: "deliver" },
  { method: "notifications/tasks/status", sender: "both", message: "notification", eras: LEGACY, federated: "deliver" },
  { method: "notifications/message", sender: "server", message: "notification", eras: BOTH, federated: "deliver" },
  { method: "notifications/resources/updated", sender: "server", message: "notification", eras: BOTH, federated: "deliver" },
  { method: "notifications/resources/list_changed", sender: "server", message: "notification", eras: BOTH, federated: "deliver" },
  { method: "notifications/tools/list_changed", sender: "server", message: "notification", eras: BOTH, federated: "deliver" },
  { method: "notifications/prompts/list_changed", sender: "server", message: "notification", eras: BOTH, federated: "deliver" },
  { method: "notifications/subscriptions/acknowledged", sender: "server", message: "notification", eras: MODERN, federated: "deliver" },
  { method: "notifications/elicitation/complete", sender: "server", message: "notification", eras: LEGACY, federated: "deliver" },
];

/** A Map, not an object: methods are client input, and `__proto__` must find nothing. */
export const METHODS: ReadonlyMap<string, MethodSpec> = new Map(SPECS.map((spec) => [spec.method, Object.freeze(spec)]));

export function methodSpec(method: string | undefined): MethodSpec | undefined {
  return method === undefined ? undefined : METHODS.get(method);
}

/** The list methods, by the kind of list they return. */
export const LISTS: ReadonlyMap<ListKind, MethodSpec & { list: ListSpec }> = new Map(
  SPECS.filter((spec): spec is MethodSpec & { list: ListSpec } => spec.list !== undefined).map((spec) => [spec.list.kind, spec]),
);

/** The methods a federation routes to the upstream owning their target. */
export function ownedMethods(): string[] {
  return SPECS.filter((spec) => spec.federated === "owner").map((spec) => spec.method);
}

const NO_TARGETS: readonly McpTarget[] = Object.freeze([]);

function refTarget(ref: unknown): McpTarget | undefined {
  if (typeof ref !== "object" || ref === null) return undefined;
  const { type, name, uri } = ref as { type?: unknown; name?: unknown; uri?: unknown };
  if (type === "ref/prompt" && typeof name === "string") return { kind: "prompt", name };
  if (type === "ref/resource" && typeof uri === "string") return { kind: "resource", name: uri };
  return undefined;
}

/**
 * The tools, prompts and resources a call names, read where the table says. A named call
 * whose name is missing or of the wrong type has none: policy refuses it, it is not guessed.
 */
export function targetsOf(spec: MethodSpec | undefined, params: Readonly<Record<string, unknown>>): readonly McpTarget[] {
  const target = spec?.target;
  if (!target) return NO_TARGETS;
  switch (target.at) {
    case "name":
    case "uri": {
      const value = params[target.at];
      return typeof value === "string" ? [{ kind: target.kind as TargetKind, name: value }] : NO_TARGETS;
    }
    case "ref": {
      const found = refTarget(params.ref);
      return found ? [found] : NO_TARGETS;
    }
    case "resourceSubscriptions": {
      const uris = (params.notifications as { resourceSubscriptions?: unknown } | undefined)?.resourceSubscriptions;
      if (!Array.isArray(uris)) return NO_TARGETS;
      // A non-string entry cannot be checked, so it is kept as text policy will refuse or allow as such.
      return uris.map((uri) => ({ kind: "resource" as const, name: typeof uri === "string" ? uri : JSON.stringify(uri) }));
    }
  }
}

/** "a tool name", "a prompt or resource ref": what a named call lacks, for a refusal message. */
export function targetLabel(spec: MethodSpec): string {
  const kind = spec.target?.kind;
  if (kind === "ref") return "a prompt or resource ref";
  return kind === "resource" ? "a resource uri" : `a ${kind} name`;
}
