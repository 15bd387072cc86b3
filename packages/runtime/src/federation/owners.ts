/**
 * Calls a federation sends to one upstream: the one a routing rule names, else the one that
 * lists the name the call carries (learned from merged lists), else the session's first. The
 * answer streams through, renamed back for the client where the upstream's name differs.
 */
import type { McpCall } from "../context.js";
import { GatewayError } from "../errors.js";
import type { Context } from "../request-context.js";
import { forward, type ForwardResult } from "../upstream/forward.js";
import { buildUpstreamHeaders } from "../upstream/request.js";
import { callsToTransform } from "../upstream/transform.js";
import { ownerOfUri } from "./catalog.js";
import { learn } from "./fan-out.js";
import type { Owner } from "./merge-lists.js";
import { firstMember, routedMember, sessionHeader, type Federated, type FederatedSession, type Member } from "./session.js";
import { eventRewriter } from "./streams.js";

interface OwnedName {
  kind: "tools" | "prompts" | "resources";
  name: string;
  label: string;
}

const CATALOGUE_OF = { tool: "tools", prompt: "prompts", resource: "resources" } as const;

/** The name a call is routed by (the target the runtime read from it), and which catalogue knows its owner. */
function ownedName(call: McpCall): OwnedName | undefined {
  const target = call.target;
  return target && { kind: CATALOGUE_OF[target.kind], name: target.name, label: target.kind };
}

interface Destination {
  member: Member;
  /** The name the upstream knows the call's target by, when it differs from the client's. */
  rename?: string;
}

async function owner(fed: Federated, ctx: Context, session: FederatedSession, call: McpCall, target: OwnedName): Promise<Owner | undefined> {
  const { catalogs } = fed;
  const lookup = () => {
    if (target.kind !== "resources") return catalogs.get(session.scope, target.kind)?.owners.get(target.name);
    return ownerOfUri(target.name, catalogs.get(session.scope, "resources"), catalogs.get(session.scope, "resourceTemplates"));
  };
  const known = lookup();
  if (known) return known;
  // Not learned yet, learned by another instance, or new since: list once, then decide.
  if (target.kind === "resources") {
    const [resources, templates] = await Promise.all([learn(fed, ctx, session, "resources", call), learn(fed, ctx, session, "resourceTemplates", call)]);
    return ownerOfUri(target.name, resources.catalog, templates.catalog);
  }
  return (await learn(fed, ctx, session, target.kind, call)).catalog.owners.get(target.name);
}

/**
 * The upstream for a call that is not fanned out: a routing rule first (catch-all rules do not
 * apply to owned names, see `ctx.federation.byOwner`), then the owner of the name it carries,
 * then the session's first upstream for anything else. Automatic federation routes as the rules
 * say, and what no rule claims goes to the first upstream.
 */
async function destination(fed: Federated, ctx: Context, session: FederatedSession, call: McpCall, routed: string | undefined): Promise<Destination> {
  const target = ownedName(call);
  if (routed !== undefined) {
    const member = routedMember(session, routed);
    // A rule may route a prefixed name; the upstream still knows it by its own name.
    const known = target && fed.catalogs.get(session.scope, target.kind)?.owners.get(target.name);
    return { member, ...(known && known.upstream === routed ? { rename: known.originalName } : {}) };
  }
  if (!target || fed.deps.automatic) return { member: firstMember(session) };
  const found = await owner(fed, ctx, session, call, target);
  if (!found) throw GatewayError.from("MCPGW_ERR_UNKNOWN_NAME", `Unknown ${target.label}: ${target.name}`);
  return { member: session.members.get(found.upstream)!, ...(found.originalName !== target.name ? { rename: found.originalName } : {}) };
}

/** One call to the upstream that serves it, streamed through. */
export async function callOne(fed: Federated, ctx: Context, session: FederatedSession, call: McpCall, routed: string | undefined): Promise<ForwardResult> {
  const { member, rename } = await destination(fed, ctx, session, call, routed);
  return forwardTo(fed, ctx, session, member, rename);
}

/**
 * A batch is forwarded whole when every message in it goes to the same upstream: the one a
 * routing rule names (route plugins decide a batch by its first request), else the common owner.
 * Under automatic federation the rules (or the first upstream) decide, as without federation.
 */
export async function callBatch(fed: Federated, ctx: Context, session: FederatedSession, routed: string | undefined): Promise<ForwardResult> {
  if (fed.deps.automatic) {
    const { member } = await destination(fed, ctx, session, ctx.calls.find((call) => call.kind === "request")!, routed);
    return forwardTo(fed, ctx, session, member, undefined);
  }
  const owners: Owner[] = [];
  for (const call of ctx.calls) {
    const target = call.kind === "request" ? ownedName(call) : undefined;
    if (!target) {
      throw GatewayError.from("MCPGW_ERR_INVALID_REQUEST", `Invalid Request: with federation, a batch may only hold named calls to one upstream (${call.method ?? "a response"} is not one)`);
    }
    const found = await owner(fed, ctx, session, call, target);
    if (!found) throw GatewayError.from("MCPGW_ERR_UNKNOWN_NAME", `Unknown ${target.label}: ${target.name}`);
    if (found.originalName !== target.name) throw GatewayError.from("MCPGW_ERR_INVALID_REQUEST", "Invalid Request: a batch cannot call renamed names");
    owners.push(found);
  }
  const destinations = new Set(routed === undefined ? owners.map((found) => found.upstream) : [routed]);
  if (destinations.size > 1) throw GatewayError.from("MCPGW_ERR_INVALID_REQUEST", "Invalid Request: with federation, a batch may only hold calls to one upstream");
  const [name] = destinations;
  return forwardTo(fed, ctx, session, routedMember(session, name!), undefined);
}

/** Streams one upstream's answer through, renaming the call for it and tagging ids for the client. */
async function forwardTo(fed: Federated, ctx: Context, session: FederatedSession, member: Member, rename: string | undefined): Promise<ForwardResult> {
  ctx.upstream = member.upstream.info;
  const headers = await buildUpstreamHeaders(fed.deps, ctx, member.upstream, { method: "POST", session: { id: member.sessionId } });
  let body = ctx.outgoingBody ?? "";
  if (rename !== undefined) {
    // The body was parsed once already: rename the parsed call, unless a plugin replaced it.
    body = renameCall(ctx.replacedBody === undefined ? ctx.calls[0]!.message : (JSON.parse(ctx.replacedBody) as Record<string, unknown>), rename);
    if (headers["mcp-name"] !== undefined) headers["mcp-name"] = rename;
  }
  return forward({
    ctx,
    upstream: member.upstream,
    method: "POST",
    headers,
    body,
    hooks: fed.deps.hooks,
    transform: callsToTransform(fed.deps.hooks, ctx.calls),
    longLived: false,
    trackStream: fed.deps.trackStream,
    rewriteEvent: eventRewriter(fed, member.upstream.name, session),
    responseHeaders: sessionHeader(session),
  });
}

/** The call's body with the name the upstream knows (tools/call and prompts/get `name`, a completion's prompt ref). */
function renameCall(message: Readonly<Record<string, unknown>>, originalName: string): string {
  const params = { ...(message.params as Record<string, unknown> | undefined) };
  if (message.method === "completion/complete") params.ref = { ...(params.ref as object), name: originalName };
  else params.name = originalName;
  return JSON.stringify({ ...message, params });
}
