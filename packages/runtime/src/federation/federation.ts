/**
 * One client session across many upstreams, as a dispatcher behind the one lifecycle: sessions
 * (session.ts), requests answered from every upstream (fan-out.ts), calls sent to the upstream
 * that serves them (owners.ts) and merged event streams (streams.ts). What each MCP method gets
 * is read from the table of methods (`federated`).
 */
import type { FederationFacts } from "../context.js";
import type { RequestDispatcher } from "../dispatch/dispatcher.js";
import { methodSpec, ownedMethods } from "../mcp/methods.js";
import type { Context } from "../request-context.js";
import { sendJson } from "../respond.js";
import type { ForwardResult } from "../upstream/forward.js";
import { CatalogCache } from "./catalog.js";
import { broadcast, deliver, discover, endSession, initialize, list } from "./fan-out.js";
import { callBatch, callOne } from "./owners.js";
import { Sessions, sessionHeader, type Federated, type FederatedSession, type FederationDeps, type Member } from "./session.js";
import { listen, openStream } from "./streams.js";

export type { FederationDeps } from "./session.js";
export { PARTIAL_META_KEY } from "./fan-out.js";

/** Calls that go to the one upstream owning the name (or URI) they carry. */
const OWNED_METHODS = new Set(ownedMethods());

export function federationDispatcher(deps: FederationDeps): RequestDispatcher {
  const fed: Federated = {
    deps,
    catalogs: new CatalogCache(deps.config.catalogTtlMs),
    members: new Map<string, Member>(deps.upstreams.map((upstream) => [upstream.name, { upstream, sessionId: undefined }])),
    sessions: new Sessions(deps.config, deps.log, deps.automatic === true, deps.sessionKey),
  };
  /** Each request's session, from `prepare` (before authorize) to `dispatch`. */
  const joined = new WeakMap<Context, FederatedSession>();

  return {
    prepare(ctx) {
      const session = fed.sessions.join(ctx, fed.members);
      joined.set(ctx, session);
      // Automatic federation keeps the routing rules' word, catch-all included (the sectioned
      // format's first-match routing); a configured one lets the owner of a name serve it.
      const byOwner = !deps.automatic && ctx.calls.some((call) => call.method !== undefined && OWNED_METHODS.has(call.method));
      ctx.federation = Object.freeze({ upstreams: [...session.members.keys()], byOwner }) satisfies FederationFacts;
    },

    sessions: () => fed.sessions.active,

    async dispatch(ctx, routed): Promise<ForwardResult> {
      const session = joined.get(ctx)!;
      const method = ctx.http.method;
      if (method === "GET") return openStream(fed, ctx, session);
      if (method === "DELETE") return endSession(fed, ctx, session);
      const requests = ctx.calls.filter((call) => call.kind === "request");
      if (!requests.length) return deliver(fed, ctx, session);
      if (ctx.calls.length > 1) return callBatch(fed, ctx, session, routed);
      const call = requests[0]!;
      const spec = methodSpec(call.method);
      switch (spec?.federated) {
        case "initialize":
          return initialize(fed, ctx, call);
        case "gateway":
          return sendJson(ctx.res, 200, { jsonrpc: "2.0", id: call.id, result: {} }, sessionHeader(session));
        case "discover":
          return discover(fed, ctx, session, call);
        case "broadcast":
          return broadcast(fed, ctx, session, call);
        case "listen":
          return listen(fed, ctx, session, call);
        case "list":
          return list(fed, ctx, session, call, spec.list!.kind);
        default:
          return callOne(fed, ctx, session, call, routed);
      }
    },
  };
}
