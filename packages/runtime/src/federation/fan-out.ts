/**
 * Requests a federation sends to every upstream of a session and answers itself from what they
 * answer: initialize, the lists, discover, broadcasts, the client's notifications and answers,
 * and the end of a session.
 */
import type { McpCall } from "../context.js";
import { GatewayError } from "../errors.js";
import { LISTS, type ListKind } from "../mcp/methods.js";
import type { Context } from "../request-context.js";
import { sendJson } from "../respond.js";
import { exchange, METHOD_NOT_FOUND, resultOf, UpstreamRpcError } from "../upstream/exchange.js";
import type { ForwardResult } from "../upstream/forward.js";
import { buildUpstreamHeaders, type UpstreamRequestOptions } from "../upstream/request.js";
import { mergeDiscoverResults, mergeInitializeResults, type UpstreamResult } from "./merge-capabilities.js";
import { mergeLists, type UpstreamListing } from "./merge-lists.js";
import { decodeGatewayId } from "./request-ids.js";
import { requestedVersion, sessionHeader, type Federated, type FederatedSession, type Member } from "./session.js";

/** Where a fan-out's left-out upstreams are named in the merged result. */
export const PARTIAL_META_KEY = "io.mcp-gateway/partial";

/** Pages read from one upstream for one listing at most: a cursor loop is a broken upstream. */
const MAX_PAGES = 100;

interface Settled<T> {
  /** Members that answered, in config order (merges depend on it). */
  answered: { member: Member; value: T }[];
  failed: { member: Member; error: unknown }[];
}

/** Asks every member at once; each answers or fails on its own, and config order is kept. */
async function settleEach<T>(members: Iterable<Member>, ask: (member: Member) => Promise<T>): Promise<Settled<T>> {
  const outcomes = await Promise.all(
    [...members].map((member) =>
      ask(member).then(
        (value) => ({ member, value, failed: false as const }),
        (error: unknown) => ({ member, error, failed: true as const }),
      ),
    ),
  );
  const settled: Settled<T> = { answered: [], failed: [] };
  for (const outcome of outcomes) {
    if (outcome.failed) settled.failed.push({ member: outcome.member, error: outcome.error });
    else settled.answered.push({ member: outcome.member, value: outcome.value });
  }
  return settled;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function reportPartial(ctx: Context, method: string, failed: readonly { member: Member; error: unknown }[]): void {
  for (const { member, error } of failed) ctx.log.warn({ upstream: member.upstream.name, method, error: errorText(error) }, "upstream left out of fan-out");
}

function fanOutFailure(failed: readonly { member: Member; error: unknown }[]): GatewayError {
  // Every upstream refusing alike is an answer about the request, not an outage: a 404 means
  // the upstream sessions are gone (the client initializes again), another 4xx is the client's.
  const statuses = new Set(failed.map(({ error }) => (error instanceof GatewayError ? error.data?.upstreamStatus : undefined)));
  const [status] = statuses;
  if (statuses.size === 1 && typeof status === "number" && status >= 400 && status < 500) {
    if (status === 404) return GatewayError.from("MCPGW_ERR_SESSION_NOT_FOUND");
    return GatewayError.from("MCPGW_ERR_UPSTREAMS_REFUSED", `Every upstream refused the request (HTTP ${status})`, { status });
  }
  const first = failed[0]?.error;
  if (first instanceof GatewayError) return first;
  const names = failed.map(({ member }) => member.upstream.name).join(", ");
  return GatewayError.from("MCPGW_ERR_UPSTREAM_UNREACHABLE", `Upstream ${names} failed: ${errorText(first)}`, { cause: first });
}

/** One whole-answer request to one member, built like every upstream request (`beforeUpstream` runs). */
async function ask(fed: Federated, ctx: Context, member: Member, body: string | Buffer | undefined, id: unknown, options: Omit<UpstreamRequestOptions, "session">) {
  const headers = await buildUpstreamHeaders(fed.deps, ctx, member.upstream, { ...options, session: { id: member.sessionId } });
  return exchange(member.upstream, options.method as "POST" | "DELETE", headers, body, id);
}

const outgoing = (ctx: Context): string | Buffer => ctx.outgoingBody ?? "";

/** initialize: every upstream, in parallel; one merged answer and one sealed gateway session. */
export async function initialize(fed: Federated, ctx: Context, call: McpCall): Promise<ForwardResult> {
  const body = outgoing(ctx);
  const { answered: joined, failed } = await settleEach(fed.members.values(), async (member) => {
    const answered = await ask(fed, ctx, member, body, call.id, { method: "POST", whole: true });
    const sessionId = answered.headers["mcp-session-id"];
    return { result: resultOf(member.upstream.name, answered), sessionId: typeof sessionId === "string" ? sessionId : undefined };
  });
  reportPartial(ctx, "initialize", failed);
  if (!joined.length || (failed.length && fed.deps.config.onUpstreamError === "fail")) throw fanOutFailure(failed);

  const results: UpstreamResult[] = joined.map(({ member, value }) => ({ upstream: member.upstream.name, result: value.result }));
  const merged = mergeInitializeResults({ requestedVersion: requestedVersion(call), serverInfo: fed.deps.serverInfo, results });
  if (failed.length) merged._meta = { [PARTIAL_META_KEY]: failed.map(({ member, error }) => ({ upstream: member.upstream.name, error: errorText(error) })) };
  const token = fed.sessions.seal(ctx.subject!, Object.fromEntries(joined.map(({ member, value }) => [member.upstream.name, value.sessionId ?? ""])));
  ctx.federation = Object.freeze({ upstreams: joined.map(({ member }) => member.upstream.name), byOwner: false });
  return sendJson(ctx.res, 200, { jsonrpc: "2.0", id: call.id, result: merged }, { "mcp-session-id": token });
}

/** DELETE: every upstream session of this gateway session ends. */
export async function endSession(fed: Federated, ctx: Context, session: FederatedSession): Promise<ForwardResult> {
  const stateful = [...session.members.values()].filter((member) => member.sessionId !== undefined);
  if (!session.token || !stateful.length) {
    throw GatewayError.from("MCPGW_ERR_METHOD_NOT_ALLOWED", "This session has no upstream session to end", { headers: { allow: "GET, POST" } });
  }
  const statuses = await Promise.all(
    stateful.map(async (member) => {
      try {
        return (await ask(fed, ctx, member, undefined, undefined, { method: "DELETE" })).status;
      } catch (err) {
        ctx.log.warn({ err, upstream: member.upstream.name }, "upstream session could not be ended");
        return 502;
      }
    }),
  );
  fed.catalogs.invalidate(session.scope);
  fed.sessions.forget(session.token);
  // The gateway session is over once no upstream keeps it; an upstream that had already
  // forgotten its session (404) is as ended as one that just ended it.
  const ended = statuses.every((status) => status < 300 || status === 404);
  return sendJson(ctx.res, ended ? 200 : 502, undefined);
}

/**
 * A body of notifications and answers only: notifications go to every upstream of the session,
 * each answer to the upstream that asked, under its original id. 202 once all accepted.
 */
export async function deliver(fed: Federated, ctx: Context, session: FederatedSession): Promise<ForwardResult> {
  const byUpstream = new Map<string, unknown[]>();
  const add = (upstream: string, message: unknown) => {
    const list = byUpstream.get(upstream);
    if (list) list.push(message);
    else byUpstream.set(upstream, [message]);
  };
  for (const call of ctx.calls) {
    if (call.kind === "notification") {
      for (const name of session.members.keys()) add(name, call.message);
      continue;
    }
    const origin = decodeGatewayId(call.id);
    if (!origin || !session.members.has(origin.upstream)) {
      ctx.log.warn({ id: call.id }, "answer to a request this session never received; dropped");
      continue;
    }
    add(origin.upstream, { ...call.message, id: origin.originalId });
  }
  const { failed } = await settleEach([...byUpstream.keys()].map((name) => session.members.get(name)!), async (member) => {
    const messages = byUpstream.get(member.upstream.name)!;
    const body = JSON.stringify(ctx.batch ? messages : messages.length === 1 ? messages[0] : messages);
    await ask(fed, ctx, member, body, undefined, { method: "POST", whole: true });
  });
  reportPartial(ctx, ctx.calls[0]?.method ?? "response", failed);
  if (failed.length && failed.length === byUpstream.size) throw fanOutFailure(failed);
  ctx.res.writeHead(202, sessionHeader(session));
  ctx.res.end();
  return { kind: "served", statusCode: 202 };
}

/** A list method: every page of every upstream, merged, through `transformResult`, as one page. */
export async function list(fed: Federated, ctx: Context, session: FederatedSession, call: McpCall, kind: ListKind): Promise<ForwardResult> {
  if ((call.message.params as { cursor?: unknown } | undefined)?.cursor !== undefined) {
    // The gateway reads every page of every upstream and answers with one page: it never issues cursors.
    throw GatewayError.from("MCPGW_ERR_INVALID_CURSOR");
  }
  const { items, partial, base } = await learn(fed, ctx, session, kind, call);
  let result: unknown = { ...base, [LISTS.get(kind)!.list.field]: items, ...(partial.length ? { _meta: { [PARTIAL_META_KEY]: partial } } : {}) };
  const transform = fed.deps.hooks.transformResult.get(call.method!);
  if (transform?.isUsed()) result = await transform.promise(result, ctx, call);
  return sendJson(ctx.res, 200, { jsonrpc: "2.0", id: call.id, result }, sessionHeader(session));
}

/** Sends one call to every member and collects the results, leaving failures out as configured. */
async function fanOut(fed: Federated, ctx: Context, session: FederatedSession, call: McpCall) {
  const body = outgoing(ctx);
  const { answered, failed } = await settleEach(session.members.values(), async (member) =>
    resultOf(member.upstream.name, await ask(fed, ctx, member, body, call.id, { method: "POST", whole: true })),
  );
  const results: UpstreamResult[] = answered.map(({ member, value }) => ({ upstream: member.upstream.name, result: value }));
  // An upstream without the method (-32601) has nothing to add; that is not a failure.
  const failures = failed.filter(({ error }) => !(error instanceof UpstreamRpcError && error.code === METHOD_NOT_FOUND));
  reportPartial(ctx, call.method!, failures);
  if ((failures.length && fed.deps.config.onUpstreamError === "fail") || (!results.length && failures.length)) throw fanOutFailure(failures);
  return { results, failed: failures.map(({ member, error }) => ({ upstream: member.upstream.name, error: errorText(error) })) };
}

/** server/discover (2026-07-28): one merged description of what the upstreams support together. */
export async function discover(fed: Federated, ctx: Context, session: FederatedSession, call: McpCall): Promise<ForwardResult> {
  const { results, failed } = await fanOut(fed, ctx, session, call);
  const merged = mergeDiscoverResults({ serverInfo: fed.deps.serverInfo, results });
  if (failed.length) merged._meta = { ...(merged._meta as object), [PARTIAL_META_KEY]: failed };
  return sendJson(ctx.res, 200, { jsonrpc: "2.0", id: call.id, result: merged });
}

/** `logging/setLevel` and the like: every upstream gets it; the answer is empty. */
export async function broadcast(fed: Federated, ctx: Context, session: FederatedSession, call: McpCall): Promise<ForwardResult> {
  const { failed } = await fanOut(fed, ctx, session, call);
  return sendJson(ctx.res, 200, { jsonrpc: "2.0", id: call.id, result: failed.length ? { _meta: { [PARTIAL_META_KEY]: failed } } : {} }, sessionHeader(session));
}

/**
 * Lists one kind across the session's upstreams, every page of each, and merges the lists.
 * What it learns about owners is kept for routing calls, unless an upstream was left out.
 */
export async function learn(fed: Federated, ctx: Context, session: FederatedSession, kind: ListKind, call: McpCall) {
  const { config, prefixes } = fed.deps;
  const { field } = LISTS.get(kind)!.list;
  const members = [...session.members.values()];
  const listings = await Promise.all(
    members.map(async (member): Promise<UpstreamListing & { base?: Record<string, unknown> }> => {
      const name = member.upstream.name;
      const prefix = kind === "tools" || kind === "prompts" ? prefixes.get(name) : undefined;
      try {
        const { items, base } = await listAll(fed, ctx, member, kind, call);
        return { upstream: name, prefix, result: { [field]: items }, base };
      } catch (error) {
        // An upstream without the feature has nothing to list; that is not a failure.
        if (error instanceof UpstreamRpcError && error.code === METHOD_NOT_FOUND) return { upstream: name, prefix, result: { [field]: [] } };
        return { upstream: name, error };
      }
    }),
  );
  // A URI cannot be renamed, so resources always keep the first upstream's on a collision.
  const collisions = kind === "tools" || kind === "prompts" ? config.collisions : "reject";
  const merged = mergeLists(kind, listings, { separator: config.separator, collisions });
  for (const collision of merged.collisions) {
    ctx.log.warn({ kind, ...collision }, collision.renamedTo ? "name collision: later upstream's item renamed" : "name collision: later upstream's item left out");
  }
  const failed = merged.partial.map(({ upstream, error }) => ({ member: session.members.get(upstream)!, error }));
  reportPartial(ctx, LISTS.get(kind)!.method, failed);
  if (failed.length && (config.onUpstreamError === "fail" || failed.length === members.length)) throw fanOutFailure(failed);
  const catalog = fed.catalogs.set(session.scope, kind, merged.owners, !failed.length);
  const base = listings.find((listing) => listing.base)?.base ?? {};
  return { items: merged.items, catalog, base, partial: failed.map(({ member, error }) => ({ upstream: member.upstream.name, error: errorText(error) })) };
}

/** Every page of one upstream's list, following its cursors. */
async function listAll(fed: Federated, ctx: Context, member: Member, kind: ListKind, call: McpCall) {
  const { method, list } = LISTS.get(kind)!;
  const clientParams = (call.message.params ?? {}) as Record<string, unknown>;
  // A listing the client asked for keeps its params; one the gateway makes to route a call keeps only `_meta`.
  const params: Record<string, unknown> = call.method === method ? { ...clientParams } : clientParams._meta ? { _meta: clientParams._meta } : {};
  delete params.cursor;
  const headers = await buildUpstreamHeaders(fed.deps, ctx, member.upstream, { method: "POST", session: { id: member.sessionId }, whole: true, rpcMethod: method });
  const items: unknown[] = [];
  let base: Record<string, unknown> = {};
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const id = call.id ?? 0;
    const body = JSON.stringify({ jsonrpc: "2.0", id, method, params: cursor === undefined ? params : { ...params, cursor } });
    const result = resultOf(member.upstream.name, await exchange(member.upstream, "POST", headers, body, id));
    const pageItems = result[list.field];
    if (!Array.isArray(pageItems)) throw new UpstreamRpcError(member.upstream.name, undefined, `result has no "${list.field}" array`);
    items.push(...(pageItems as unknown[]));
    if (page === 0) {
      const { [list.field]: _items, nextCursor: _next, _meta: _ignored, ...rest } = result;
      base = rest;
    }
    cursor = typeof result.nextCursor === "string" ? result.nextCursor : undefined;
    if (cursor === undefined) return { items, base };
  }
  throw new UpstreamRpcError(member.upstream.name, undefined, `more than ${MAX_PAGES} pages`);
}
