import type { Context } from "../request-context.js";
import type { ForwardResult } from "../upstream/forward.js";

/**
 * What answers a request once the lifecycle has run its checks and hooks. The pipeline owns the
 * hook order (onRequest, authorize, route, then dispatch, then onResponse); a dispatcher only
 * sends the request where it belongs and streams the answer back. It never runs those hooks
 * again; it builds each upstream request with `buildUpstreamHeaders`, which runs
 * `beforeUpstream` once per request sent.
 */
export interface RequestDispatcher {
  /**
   * After authentication, before `authorize`: facts the plugins' decisions need (federation
   * opens the caller's session and sets `ctx.federation`). Throws to refuse the request.
   */
  prepare?(ctx: Context): void;
  /** Answers the request; `routed` is what the `route` hook named (undefined when no tap answered). */
  dispatch(ctx: Context, routed: string | undefined): Promise<ForwardResult>;
  /** Client sessions it holds state for (federation: sessions seen within their max age), for metrics. */
  sessions?(): number;
}
