import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { FederationConfig } from "../config/schema.js";
import type { JsonRpcId, McpCall, RequestContext, UpstreamInfo } from "../context.js";
import { GatewayError } from "../errors.js";
import type { GatewayHooks } from "../hooks.js";
import { forward, type ForwardRequest, type ForwardResult } from "../proxy/forward.js";
import { filterRequestHeaders, type HeaderAllowlist } from "../proxy/headers.js";
import { callsToTransform } from "../proxy/transform.js";
import type { Upstream } from "../proxy/upstream.js";
import { CatalogCache, ownerOfUri } from "./catalog.js";
import { exchange, METHOD_NOT_FOUND, resultOf, UpstreamRpcError } from "./exchange.js";
import { fanIn, type FanInSource } from "./fan-in.js";
import { mergeDiscoverResults, mergeInitializeResults, type ServerInfo, type UpstreamResult } from "./merge-capabilities.js";
import { LIST_KINDS, mergeLists, type ListKind, type Owner, type UpstreamListing } from "./merge-lists.js";
import { ownedMethods } from "../mcp/methods.js";
import { decodeGatewayId, toGatewayId } from "./request-ids.js";
import { assertSubject, createSessionSealer, type SessionSealer, type SessionState } from "./session-token.js";
import { eventMessage, type SseEvent } from "../mcp/sse.js";

/** Where a fan-out's left-out upstreams are named in the merged result. */
export const PARTIAL_META_KEY = "io.mcp-gateway/partial";

/** Sessions whose ids were opened recently, kept so a busy session is decrypted once, not per request. */
const OPENED_SESSIONS = 5_000;

/** Pages read from one upstream for one listing at most: a cursor loop is a broken upstream. */
const MAX_PAGES = 100;

const LIST_METHODS: ReadonlyMap<string, ListKind> = new Map(Object.entries(LIST_KINDS).map(([kind, { method }]) => [method, kind as ListKind]));

/** Calls that go to the one upstream owning the name (or URI) they carry. */
const OWNED_METHODS = new Set(ownedMethods());

export interface FederationDeps {
  config: FederationConfig;
  /** The federated upstreams, in config order. */
  upstreams: readonly Upstream[];
  /** Per-upstream `prefix` from config. */
  prefixes: ReadonlyMap<string, string>;
  hooks: GatewayHooks;
  log: Logger;
  allowlist: HeaderAllowlist;
  serverInfo: ServerInfo;
  trackStream(end: () => void): () => void;
  /** Started because routes reach several upstreams, not by a `federation` section (the gateway logged why). */
  automatic?: boolean;
}

/** One upstream of a session, with that upstream's own session id (none for a stateless one). */
interface Member {
  upstream: Upstream;
  sessionId: string | undefined;
}

/** The session a request belongs to: from its sealed id, or every federated upstream without one. */
export interface FederatedSession {
  token: string | undefined;
  members: ReadonlyMap<string, Member>;
  /** Scope of learned catalogues: the session, or the subject when there is none. */
  scope: string;
}

type Message = { jsonrpc?: string; id?: JsonRpcId; method?: string; params?: Record<string, unknown>; result?: unknown; error?: unknown };

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): ForwardResult {
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, { ...headers, ...(text ? { "content-type": "application/json" } : {}), "content-length": Buffer.byteLength(text) });
  res.end(text);
  return { kind: "served", statusCode: status };
}

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

/**
 * One client session across many upstreams. Sessions travel sealed in the `Mcp-Session-Id` the
 * client holds (see session-token.ts), so any instance serves any session; lists and
 * capabilities are fanned out and merged; a call goes to the upstream owning its name, with its
 * answer streamed through and server→client request ids tagged with their upstream.
 */
export class Federation {
  readonly #deps: FederationDeps;
  readonly #sealer: SessionSealer;
  readonly #catalogs: CatalogCache;
  readonly #members: ReadonlyMap<string, Member>;
  readonly #opened = new Map<string, SessionState>();

  constructor(deps: FederationDeps) {
    this.#deps = deps;
    const { config } = deps;
    let keys = config.sessionKeys;
    if (!keys) {
      if (!deps.automatic) deps.log.warn("federation.sessionKeys is not set: sessions are sealed with a random key and only this process can serve them");
      keys = [randomBytes(32).toString("base64url")];
    }
    this.#sealer = createSessionSealer({ keys, maxAgeMs: config.sessionMaxAgeMs });
    this.#catalogs = new CatalogCache(config.catalogTtlMs);
    this.#members = new Map(deps.upstreams.map((upstream) => [upstream.name, { upstream, sessionId: undefined }]));
  }

  /**
   * After authentication: the session this request belongs to. A session id that does not open,
   * or that another subject made, is "not found" (404), whatever the reason.
   */
  join(ctx: RequestContext): FederatedSession {
    const subject = ctx.subject!;
    const token = ctx.mcp.sessionId;
    const initializing = ctx.calls.some((call) => call.method === "initialize");
    let session: FederatedSession;
    if (token === undefined || initializing) {
      session = { token: undefined, members: this.#members, scope: `subject\u0000${subject.tenant}\u0000${subject.client}` };
    } else {
      const state = this.#open(ctx, token);
      assertSubject(state, subject);
      // Config order, which decides collisions (not the token's key order: "2" sorts before "a").
      // An upstream removed from config since the session began is simply no longer part of it.
      const members = new Map<string, Member>();
      for (const [name, member] of this.#members) {
        const sessionId = state.upstreams[name];
        if (sessionId !== undefined) members.set(name, { ...member, sessionId: sessionId || undefined });
      }
      session = { token, members, scope: `session\u0000${token}` };
    }
    // Automatic federation keeps the routing rules' word, catch-all included (the sectioned
    // format's first-match routing); a configured one lets the owner of a name serve it.
    const owned = !this.#deps.automatic && ctx.calls.some((call) => call.method !== undefined && OWNED_METHODS.has(call.method));
    (ctx as { federation: RequestContext["federation"] }).federation = Object.freeze({ upstreams: [...session.members.keys()], byOwner: owned });
    return session;
  }

  /** The state sealed in a session id; a recently opened one comes from memory while it is fresh. */
  #open(ctx: RequestContext, token: string): SessionState {
    const known = this.#opened.get(token);
    if (known && Date.now() - known.iat * 1000 <= this.#deps.config.sessionMaxAgeMs) return known;
    this.#opened.delete(token);
    let state: SessionState;
    try {
      state = this.#sealer.open(token);
    } catch (err) {
      ctx.log.debug({ reason: (err as { reason?: string }).reason }, "federated session id rejected");
      throw err;
    }
    this.#opened.set(token, state);
    if (this.#opened.size > OPENED_SESSIONS) this.#opened.delete(this.#opened.keys().next().value!);
    return state;
  }

  /** Answers the request for the whole federation. */
  async serve(ctx: RequestContext, req: IncomingMessage, res: ServerResponse, session: FederatedSession): Promise<ForwardResult> {
    const method = ctx.http.method;
    if (method === "GET") return this.#openStream(ctx, req, res, session);
    if (method === "DELETE") return this.#endSession(ctx, req, res, session);
    const requests = ctx.calls.filter((call) => call.kind === "request");
    if (!requests.length) return this.#deliver(ctx, req, res, session);
    if (ctx.calls.length > 1) return this.#batch(ctx, req, res, session);
    const call = requests[0]!;
    switch (call.method) {
      case "initialize":
        return this.#initialize(ctx, req, res, call);
      case "ping":
        return sendJson(res, 200, { jsonrpc: "2.0", id: call.id, result: {} }, this.#sessionHeader(session));
      case "server/discover":
        return this.#discover(ctx, req, res, session, call);
      case "logging/setLevel":
        return this.#broadcastCall(ctx, req, res, session, call);
      case "subscriptions/listen":
        return this.#listen(ctx, req, res, session, call);
    }
    const kind = LIST_METHODS.get(call.method!);
    if (kind) return this.#list(ctx, req, res, session, call, kind);
    const destination = await this.#destination(ctx, req, session, call);
    return this.#forwardTo(ctx, req, res, session, destination.member, destination.rename);
  }

  // ---- sessions -------------------------------------------------------------------------------

  async #initialize(ctx: RequestContext, req: IncomingMessage, res: ServerResponse, call: McpCall): Promise<ForwardResult> {
    const body = this.#body(ctx);
    const { answered: joined, failed } = await settleEach(this.#members.values(), async (member) => {
      const answered = await exchange(member.upstream, "POST", await this.#headers(ctx, req, member, "POST", { fanOut: true }), body, call.id);
      const sessionId = answered.headers["mcp-session-id"];
      return { result: resultOf(member.upstream.name, answered), sessionId: typeof sessionId === "string" ? sessionId : undefined };
    });
    this.#reportPartial(ctx, "initialize", failed);
    if (!joined.length || (failed.length && this.#deps.config.onUpstreamError === "fail")) throw this.#fanOutFailure(failed);

    const results: UpstreamResult[] = joined.map(({ member, value }) => ({ upstream: member.upstream.name, result: value.result }));
    const requestedVersion = String((call.message.params as { protocolVersion?: unknown } | undefined)?.protocolVersion ?? "");
    const merged = mergeInitializeResults({ requestedVersion, serverInfo: this.#deps.serverInfo, results });
    if (failed.length) merged._meta = { [PARTIAL_META_KEY]: failed.map(({ member, error }) => ({ upstream: member.upstream.name, error: errorText(error) })) };
    const token = this.#sealer.seal({
      sub: { tenant: ctx.subject!.tenant, client: ctx.subject!.client },
      upstreams: Object.fromEntries(joined.map(({ member, value }) => [member.upstream.name, value.sessionId ?? ""])),
    });
    (ctx as { federation: RequestContext["federation"] }).federation = Object.freeze({ upstreams: joined.map(({ member }) => member.upstream.name), byOwner: false });
    return sendJson(res, 200, { jsonrpc: "2.0", id: call.id, result: merged }, { "mcp-session-id": token });
  }

  /** DELETE: every upstream session of this gateway session ends. */
  async #endSession(ctx: RequestContext, req: IncomingMessage, res: ServerResponse, session: FederatedSession): Promise<ForwardResult> {
    const stateful = [...session.members.values()].filter((member) => member.sessionId !== undefined);
    if (!session.token || !stateful.length) throw GatewayError.from("MCPGW_ERR_METHOD_NOT_ALLOWED", "This session has no upstream session to end", { headers: { allow: "GET, POST" } });
    const statuses = await Promise.all(
      stateful.map(async (member) => {
        try {
          return (await exchange(member.upstream, "DELETE", await this.#headers(ctx, req, member, "DELETE", {}), undefined, undefined)).status;
        } catch (err) {
          ctx.log.warn({ err, upstream: member.upstream.name }, "upstream session could not be ended");
          return 502;
        }
      }),
    );
    this.#catalogs.invalidate(session.scope);
    this.#opened.delete(session.token);
    // The gateway session is over once no upstream keeps it; an upstream that had already
    // forgotten its session (404) is as ended as one that just ended it.
    const ended = statuses.every((status) => status < 300 || status === 404);
    return sendJson(res, ended ? 200 : 502, undefined);
  }

  // ---- notifications and answers from the client ------------------------------------------------

  /**
   * A body of notifications and answers only: notifications go to every upstream of the session,
   * each answer to the upstream that asked, under its original id. 202 once all accepted.
   */
  async #deliver(ctx: RequestContext, req: IncomingMessage, res: ServerResponse, session: FederatedSession): Promise<ForwardResult> {
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
      await exchange(member.upstream, "POST", await this.#headers(ctx, req, member, "POST", { fanOut: true }), body, undefined);
    });
    this.#reportPartial(ctx, ctx.calls[0]?.method ?? "response", failed);
    if (failed.length && failed.length === byUpstream.size) throw this.#fanOutFailure(failed);
    res.writeHead(202, this.#sessionHeader(session));
    res.end();
    return { kind: "served", statusCode: 202 };
  }

  // ---- calls that fan out -----------------------------------------------------------------------

  async #list(ctx: RequestContext, req: IncomingMessage, res: ServerResponse, session: FederatedSession, call: McpCall, kind: ListKind): Promise<ForwardResult> {
    if ((call.message.params as { cursor?: unknown } | undefined)?.cursor !== undefined) {
      // The gateway reads every page of every upstream and answers with one page: it never issues cursors.
      throw GatewayError.from("MCPGW_ERR_INVALID_CURSOR");
    }
    const { items, partial, base } = await this.#learn(ctx, req, session, kind, call);
    let result: unknown = { ...base, [LIST_KINDS[kind].field]: items, ...(partial.length ? { _meta: { [PARTIAL_META_KEY]: partial } } : {}) };
    const transform = this.#deps.hooks.transformResult.get(call.method!);
    if (transform?.isUsed()) result = await transform.promise(result, ctx, call);
    return sendJson(res, 200, { jsonrpc: "2.0", id: call.id, result }, this.#sessionHeader(session));
  }

  async #discover(ctx: RequestContext, req: IncomingMessage, res: ServerResponse, session: FederatedSession, call: McpCall): Promise<ForwardResult> {
    const { results, failed } = await this.#fanOut(ctx, req, session, call, this.#body(ctx));
    const merged = mergeDiscoverResults({ serverInfo: this.#deps.serverInfo, results });
    if (failed.length) merged._meta = { ...(merged._meta as object), [PARTIAL_META_KEY]: failed };
    return sendJson(res, 200, { jsonrpc: "2.0", id: call.id, result: merged });
  }

  /** `logging/setLevel` and the like: every upstream gets it; the answer is empty. */
  async #broadcastCall(ctx: RequestContext, req: IncomingMessage, res: ServerResponse, session: FederatedSession, call: McpCall): Promise<ForwardResult> {
    const { failed } = await this.#fanOut(ctx, req, session, call, this.#body(ctx));
    return sendJson(res, 200, { jsonrpc: "2.0", id: call.id, result: failed.length ? { _meta: { [PARTIAL_META_KEY]: failed } } : {} }, this.#sessionHeader(session));
  }

  /** Sends one call to every member and collects the results, leaving failures out as configured. */
  async #fanOut(ctx: RequestContext, req: IncomingMessage, session: FederatedSession, call: McpCall, body: string | Buffer) {
    const { answered, failed } = await settleEach(session.members.values(), async (member) =>
      resultOf(member.upstream.name, await exchange(member.upstream, "POST", await this.#headers(ctx, req, member, "POST", { fanOut: true }), body, call.id)),
    );
    const results: UpstreamResult[] = answered.map(({ member, value }) => ({ upstream: member.upstream.name, result: value }));
    // An upstream without the method (-32601) has nothing to add; that is not a failure.
    const failures = failed.filter(({ error }) => !(error instanceof UpstreamRpcError && error.code === METHOD_NOT_FOUND));
    this.#reportPartial(ctx, call.method!, failures);
    if ((failures.length && this.#deps.config.onUpstreamError === "fail") || (!results.length && failures.length)) throw this.#fanOutFailure(failures);
    return { results, failed: failures.map(({ member, error }) => ({ upstream: member.upstream.name, error: errorText(error) })) };
  }

  /**
   * Lists one kind across the session's upstreams, every page of each, and merges the lists.
   * What it learns about owners is kept for routing calls, unless an upstream was left out.
   */
  async #learn(ctx: RequestContext, req: IncomingMessage, session: FederatedSession, kind: ListKind, call: McpCall) {
    const { config } = this.#deps;
    const members = [...session.members.values()];
    const listings = await Promise.all(
      members.map(async (member): Promise<UpstreamListing & { base?: Record<string, unknown> }> => {
        const name = member.upstream.name;
        const named = kind === "tools" || kind === "prompts";
        const prefix = named ? this.#deps.prefixes.get(name) : undefined;
        try {
          const { items, base } = await this.#listAll(ctx, req, member, kind, call);
          return { upstream: name, prefix, result: { [LIST_KINDS[kind].field]: items }, base };
        } catch (error) {
          // An upstream without the feature has nothing to list; that is not a failure.
          if (error instanceof UpstreamRpcError && error.code === METHOD_NOT_FOUND) return { upstream: name, prefix, result: { [LIST_KINDS[kind].field]: [] } };
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
    this.#reportPartial(ctx, LIST_KINDS[kind].method, failed);
    if (failed.length && (config.onUpstreamError === "fail" || failed.length === members.length)) throw this.#fanOutFailure(failed);
    const catalog = this.#catalogs.set(session.scope, kind, merged.owners, !failed.length);
    const base = listings.find((listing) => listing.base)?.base ?? {};
    return { items: merged.items, catalog, base, partial: failed.map(({ member, error }) => ({ upstream: member.upstream.name, error: errorText(error) })) };
  }

  /** Every page of one upstream's list, following its cursors. */
  async #listAll(ctx: RequestContext, req: IncomingMessage, member: Member, kind: ListKind, call: McpCall) {
    const { method, field } = LIST_KINDS[kind];
    const clientParams = (call.message.params ?? {}) as Record<string, unknown>;
    // A listing the client asked for keeps its params; one the gateway makes to route a call keeps only `_meta`.
    const params: Record<string, unknown> = call.method === method ? { ...clientParams } : clientParams._meta ? { _meta: clientParams._meta } : {};
    delete params.cursor;
    const headers = await this.#headers(ctx, req, member, "POST", { fanOut: true, rpcMethod: method });
    const items: unknown[] = [];
    let base: Record<string, unknown> = {};
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const id = call.id ?? 0;
      const body = JSON.stringify({ jsonrpc: "2.0", id, method, params: cursor === undefined ? params : { ...params, cursor } });
      const result = resultOf(member.upstream.name, await exchange(member.upstream, "POST", headers, body, id));
      const pageItems = result[field];
      if (!Array.isArray(pageItems)) throw new UpstreamRpcError(member.upstream.name, undefined, `result has no "${field}" array`);
      items.push(...(pageItems as unknown[]));
      if (page === 0) {
        const { [field]: _items, nextCursor: _next, _meta: _ignored, ...rest } = result;
        base = rest;
      }
      cursor = typeof result.nextCursor === "string" ? result.nextCursor : undefined;
      if (cursor === undefined) return { items, base };
    }
    throw new UpstreamRpcError(member.upstream.name, undefined, `more than ${MAX_PAGES} pages`);
  }

  // ---- calls that go to one upstream ------------------------------------------------------------

  /**
   * The upstream for a call that is not fanned out: a routing rule first (catch-all rules do not
   * apply to owned names, see `ctx.federation.byOwner`), then the owner of the name it carries,
   * then the session's first upstream for anything else.
   */
  async #destination(ctx: RequestContext, req: IncomingMessage, session: FederatedSession, call: McpCall): Promise<{ member: Member; rename?: string }> {
    const routed = await this.#deps.hooks.route.promise(ctx);
    const target = ownedName(call);
    // Automatic federation routes as the rules say, and what no rule claims goes to the first upstream.
    if (routed === undefined && this.#deps.automatic) return { member: session.members.values().next().value ?? this.#unavailable() };
    if (routed !== undefined) {
      const member = session.members.get(routed);
      if (!member) throw GatewayError.from("MCPGW_ERR_UPSTREAM_UNREACHABLE", `Upstream "${routed}" is not part of this session; initialize again`);
      // A rule may route a prefixed name; the upstream still knows it by its own name.
      const owner = target && this.#catalogs.get(session.scope, target.kind)?.owners.get(target.name);
      return { member, ...(owner && owner.upstream === routed ? { rename: owner.originalName } : {}) };
    }
    if (!target) return { member: session.members.values().next().value ?? this.#unavailable() };
    const owner = await this.#owner(ctx, req, session, call, target);
    if (!owner) throw GatewayError.from("MCPGW_ERR_UNKNOWN_NAME", `Unknown ${target.label}: ${target.name}`);
    const member = session.members.get(owner.upstream)!;
    return { member, ...(owner.originalName !== target.name ? { rename: owner.originalName } : {}) };
  }

  async #owner(ctx: RequestContext, req: IncomingMessage, session: FederatedSession, call: McpCall, target: OwnedName): Promise<Owner | undefined> {
    const lookup = () => {
      if (target.kind !== "resources") return this.#catalogs.get(session.scope, target.kind)?.owners.get(target.name);
      return ownerOfUri(target.name, this.#catalogs.get(session.scope, "resources"), this.#catalogs.get(session.scope, "resourceTemplates"));
    };
    const known = lookup();
    if (known) return known;
    // Not learned yet, learned by another instance, or new since: list once, then decide.
    if (target.kind === "resources") {
      const [resources, templates] = await Promise.all([
        this.#learn(ctx, req, session, "resources", call),
        this.#learn(ctx, req, session, "resourceTemplates", call),
      ]);
      return ownerOfUri(target.name, resources.catalog, templates.catalog);
    }
    return (await this.#learn(ctx, req, session, target.kind, call)).catalog.owners.get(target.name);
  }

  #unavailable(): never {
    throw GatewayError.from("MCPGW_ERR_UPSTREAM_UNREACHABLE", "No upstream is part of this session");
  }

  /** Streams one upstream's answer through, renaming the call for it and tagging ids for the client. */
  async #forwardTo(ctx: RequestContext, req: IncomingMessage, res: ServerResponse, session: FederatedSession, member: Member, rename: string | undefined): Promise<ForwardResult> {
    (ctx as { upstream: UpstreamInfo | undefined }).upstream = member.upstream.info;
    const headers = await this.#headers(ctx, req, member, "POST", {});
    let body = this.#body(ctx);
    if (rename !== undefined) {
      // The body was parsed once already: rename the parsed call, unless a plugin replaced it.
      const replaced = (ctx as { replacedBody?: string }).replacedBody;
      body = renameCall(replaced === undefined ? ctx.calls[0]!.message : (JSON.parse(replaced) as Message), rename);
      if (headers["mcp-name"] !== undefined) headers["mcp-name"] = rename;
    }
    return forward({
      ctx,
      upstream: member.upstream,
      method: "POST",
      headers,
      body,
      res,
      hooks: this.#deps.hooks,
      transform: callsToTransform(this.#deps.hooks, ctx.calls),
      longLived: false,
      trackStream: this.#deps.trackStream,
      rewriteEvent: this.#eventRewriter(member.upstream.name, session),
      responseHeaders: this.#sessionHeader(session),
      holder: ctx as unknown as NonNullable<ForwardRequest["holder"]>,
    });
  }

  /**
   * A batch is forwarded whole when every message in it goes to the same upstream: the one a
   * routing rule names (route plugins decide a batch by its first request), else the common owner.
   */
  async #batch(ctx: RequestContext, req: IncomingMessage, res: ServerResponse, session: FederatedSession): Promise<ForwardResult> {
    if (this.#deps.automatic) {
      // As without federation: the rules decide by the batch's first request, else the first upstream.
      const { member } = await this.#destination(ctx, req, session, ctx.calls.find((call) => call.kind === "request")!);
      return this.#forwardTo(ctx, req, res, session, member, undefined);
    }
    const owners: Owner[] = [];
    for (const call of ctx.calls) {
      const target = call.kind === "request" && call.method !== undefined && OWNED_METHODS.has(call.method) ? ownedName(call) : undefined;
      if (!target) throw GatewayError.from("MCPGW_ERR_INVALID_REQUEST", `Invalid Request: with federation, a batch may only hold named calls to one upstream (${call.method ?? "a response"} is not one)`);
      const owner = await this.#owner(ctx, req, session, call, target);
      if (!owner) throw GatewayError.from("MCPGW_ERR_UNKNOWN_NAME", `Unknown ${target.label}: ${target.name}`);
      if (owner.originalName !== target.name) throw GatewayError.from("MCPGW_ERR_INVALID_REQUEST", "Invalid Request: a batch cannot call renamed names");
      owners.push(owner);
    }
    const routed = await this.#deps.hooks.route.promise(ctx);
    const destinations = new Set(routed === undefined ? owners.map((owner) => owner.upstream) : [routed]);
    if (destinations.size > 1) throw GatewayError.from("MCPGW_ERR_INVALID_REQUEST", "Invalid Request: with federation, a batch may only hold calls to one upstream");
    const [name] = destinations;
    const member = session.members.get(name!);
    if (!member) throw GatewayError.from("MCPGW_ERR_UPSTREAM_UNREACHABLE", `Upstream "${name}" is not part of this session; initialize again`);
    return this.#forwardTo(ctx, req, res, session, member, undefined);
  }

  // ---- event streams ----------------------------------------------------------------------------

  /** Legacy GET: one client stream from every upstream's stream of this session. */
  async #openStream(ctx: RequestContext, req: IncomingMessage, res: ServerResponse, session: FederatedSession): Promise<ForwardResult> {
    // A resuming client names the last event it saw; only the upstream that sent it resumes.
    const last = decodeGatewayId(req.headers["last-event-id"]);
    const sources: FanInSource[] = [];
    for (const member of session.members.values()) {
      const headers = await this.#headers(ctx, req, member, "GET", {});
      if (last?.upstream === member.upstream.name) headers["last-event-id"] = String(last.originalId);
      sources.push({ upstream: member.upstream, method: "GET", headers, rewriteEvent: this.#eventRewriter(member.upstream.name, session) });
    }
    return fanIn({ res, sources, responseHeaders: this.#sessionHeader(session), trackStream: this.#deps.trackStream, log: ctx.log });
  }

  /** Modern `subscriptions/listen`: every upstream's subscription on one stream. */
  async #listen(ctx: RequestContext, req: IncomingMessage, res: ServerResponse, session: FederatedSession, call: McpCall): Promise<ForwardResult> {
    const body = this.#body(ctx);
    const sources: FanInSource[] = [];
    for (const member of session.members.values()) {
      const headers = await this.#headers(ctx, req, member, "POST", {});
      sources.push({ upstream: member.upstream, method: "POST", headers, body, rewriteEvent: this.#eventRewriter(member.upstream.name, session) });
    }
    return fanIn({ res, sources, responseHeaders: {}, listen: { id: call.id ?? null }, trackStream: this.#deps.trackStream, log: ctx.log });
  }

  /**
   * What the client sees of an upstream's events: event ids and server→client request ids tagged
   * with the upstream, an upstream's cancellation of such a request translated alike, and
   * `list_changed` dropping what this instance learned about the session's names.
   */
  #eventRewriter(upstream: string, session: FederatedSession): (event: SseEvent) => SseEvent | undefined {
    return (event) => {
      if (event.id !== undefined) event.id = toGatewayId(upstream, event.id);
      const message = eventMessage(event) as Message | undefined;
      if (!message || typeof message !== "object" || Array.isArray(message)) return event;
      if (message.method !== undefined && message.id !== undefined && message.id !== null) {
        event.data = JSON.stringify({ ...message, id: toGatewayId(upstream, message.id) });
      } else if (message.method === "notifications/cancelled" && message.params && (typeof message.params.requestId === "string" || typeof message.params.requestId === "number")) {
        event.data = JSON.stringify({ ...message, params: { ...message.params, requestId: toGatewayId(upstream, message.params.requestId) } });
      } else if (typeof message.method === "string" && message.method.endsWith("/list_changed")) {
        this.#catalogs.invalidate(session.scope);
      }
      return event;
    };
  }

  // ---- plumbing ---------------------------------------------------------------------------------

  /** The request body as the client sent it, or as a plugin replaced it. */
  #body(ctx: RequestContext): string | Buffer {
    return (ctx as { replacedBody?: string }).replacedBody ?? ctx.body ?? "";
  }

  #sessionHeader(session: FederatedSession): Record<string, string> {
    return session.token ? { "mcp-session-id": session.token } : {};
  }

  /**
   * Headers for one upstream: the allowlisted client headers with the client's gateway session
   * id replaced by the upstream's own, the upstream's configured headers, then `beforeUpstream`.
   */
  async #headers(ctx: RequestContext, req: IncomingMessage, member: Member, method: string, options: { fanOut?: boolean; rpcMethod?: string }): Promise<Record<string, string>> {
    const headers: Record<string, string> = { ...filterRequestHeaders(req.headers, this.#deps.allowlist), ...member.upstream.headers };
    delete headers["mcp-session-id"];
    delete headers["last-event-id"];
    if (member.sessionId !== undefined) headers["mcp-session-id"] = member.sessionId;
    if (options.fanOut) {
      headers.accept = "application/json, text/event-stream";
      headers["content-type"] = "application/json";
    }
    if (options.rpcMethod !== undefined) {
      // A listing the gateway makes on its own carries its own method, not the call's names.
      for (const name of Object.keys(headers)) if (name === "mcp-name" || name.startsWith("mcp-param-")) delete headers[name];
      if (headers["mcp-method"] !== undefined) headers["mcp-method"] = options.rpcMethod;
    }
    if (this.#deps.hooks.beforeUpstream.isUsed()) await this.#deps.hooks.beforeUpstream.promise(ctx, { upstream: member.upstream.info, method, headers });
    return headers;
  }

  #reportPartial(ctx: RequestContext, method: string, failed: readonly { member: Member; error: unknown }[]): void {
    for (const { member, error } of failed) ctx.log.warn({ upstream: member.upstream.name, method, error: errorText(error) }, "upstream left out of fan-out");
  }

  #fanOutFailure(failed: readonly { member: Member; error: unknown }[]): GatewayError {
    // Every upstream refusing alike is an answer about the request, not an outage: a 404 means
    // the upstream sessions are gone (the client initializes again), another 4xx is the client's.
    const statuses = new Set(failed.map(({ error }) => (error instanceof GatewayError ? error.data?.upstreamStatus : undefined)));
    const [status] = statuses;
    if (statuses.size === 1 && typeof status === "number" && status >= 400 && status < 500) {
      if (status === 404) return GatewayError.from("MCPGW_ERR_SESSION_NOT_FOUND");
      return new GatewayError(status, `Every upstream refused the request (HTTP ${status})`, { code: "MCPGW_ERR_INVALID_REQUEST" });
    }
    const first = failed[0]?.error;
    if (first instanceof GatewayError) return first;
    const names = failed.map(({ member }) => member.upstream.name).join(", ");
    return GatewayError.from("MCPGW_ERR_UPSTREAM_UNREACHABLE", `Upstream ${names} failed: ${errorText(first)}`, { cause: first });
  }
}

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

/** The call's body with the name the upstream knows (tools/call and prompts/get `name`, a completion's prompt ref). */
function renameCall(message: Readonly<Message>, originalName: string): string {
  const params = { ...message.params };
  if (message.method === "completion/complete") params.ref = { ...(params.ref as object), name: originalName };
  else params.name = originalName;
  return JSON.stringify({ ...message, params });
}
