/**
 * Event streams of a federated session: the legacy GET stream and the modern
 * `subscriptions/listen`, each merged from every upstream's, and the rewriting that makes an
 * upstream's events the client's (ids tagged with their upstream).
 */
import type { McpCall } from "../context.js";
import { eventMessage, type SseEvent } from "../mcp/sse.js";
import type { Context } from "../request-context.js";
import type { ForwardResult } from "../upstream/forward.js";
import { buildUpstreamHeaders } from "../upstream/request.js";
import { fanIn, type FanInSource } from "./fan-in.js";
import { decodeGatewayId, toGatewayId } from "./request-ids.js";
import { sessionHeader, type Federated, type FederatedSession } from "./session.js";

type Message = { id?: unknown; method?: string; params?: Record<string, unknown> };

/**
 * What the client sees of an upstream's events: event ids and server→client request ids tagged
 * with the upstream, an upstream's cancellation of such a request translated alike, and
 * `list_changed` dropping what this instance learned about the session's names.
 */
export function eventRewriter(fed: Federated, upstream: string, session: FederatedSession): (event: SseEvent) => SseEvent | undefined {
  return (event) => {
    if (event.id !== undefined) event.id = toGatewayId(upstream, event.id);
    const message = eventMessage(event) as Message | undefined;
    if (!message || typeof message !== "object" || Array.isArray(message)) return event;
    if (message.method !== undefined && message.id !== undefined && message.id !== null) {
      event.data = JSON.stringify({ ...message, id: toGatewayId(upstream, message.id as string | number) });
    } else if (message.method === "notifications/cancelled" && message.params && (typeof message.params.requestId === "string" || typeof message.params.requestId === "number")) {
      event.data = JSON.stringify({ ...message, params: { ...message.params, requestId: toGatewayId(upstream, message.params.requestId) } });
    } else if (typeof message.method === "string" && message.method.endsWith("/list_changed")) {
      fed.catalogs.invalidate(session.scope);
    }
    return event;
  };
}

/** Legacy GET: one client stream from every upstream's stream of this session. */
export async function openStream(fed: Federated, ctx: Context, session: FederatedSession): Promise<ForwardResult> {
  // A resuming client names the last event it saw; only the upstream that sent it resumes.
  const last = decodeGatewayId(ctx.http.headers["last-event-id"]);
  const sources: FanInSource[] = [];
  for (const member of session.members.values()) {
    const headers = await buildUpstreamHeaders(fed.deps, ctx, member.upstream, { method: "GET", session: { id: member.sessionId } });
    if (last?.upstream === member.upstream.name) headers["last-event-id"] = String(last.originalId);
    sources.push({ upstream: member.upstream, method: "GET", headers, rewriteEvent: eventRewriter(fed, member.upstream.name, session) });
  }
  return fanIn({ res: ctx.res, sources, responseHeaders: sessionHeader(session), trackStream: fed.deps.trackStream, log: ctx.log });
}

/** Modern `subscriptions/listen`: every upstream's subscription on one stream. */
export async function listen(fed: Federated, ctx: Context, session: FederatedSession, call: McpCall): Promise<ForwardResult> {
  const body = ctx.outgoingBody ?? "";
  const sources: FanInSource[] = [];
  for (const member of session.members.values()) {
    const headers = await buildUpstreamHeaders(fed.deps, ctx, member.upstream, { method: "POST", session: { id: member.sessionId } });
    sources.push({ upstream: member.upstream, method: "POST", headers, body, rewriteEvent: eventRewriter(fed, member.upstream.name, session) });
  }
  return fanIn({ res: ctx.res, sources, responseHeaders: {}, listen: { id: call.id ?? null }, trackStream: fed.deps.trackStream, log: ctx.log });
}
