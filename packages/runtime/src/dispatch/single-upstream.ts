import type { Dispatcher } from "undici";
import { GatewayError } from "../errors.js";
import type { Context } from "../request-context.js";
import { forward, type ForwardResult } from "../upstream/forward.js";
import { buildUpstreamHeaders, type UpstreamRequestDeps } from "../upstream/request.js";
import { callsToTransform } from "../upstream/transform.js";
import type { Upstream } from "../upstream/upstream.js";
import type { RequestDispatcher } from "./dispatcher.js";

export interface SingleUpstreamDeps extends UpstreamRequestDeps {
  upstreams: ReadonlyMap<string, Upstream>;
  /** Serves what no route names: the first configured upstream. */
  fallback: Upstream;
  trackStream(end: () => void, upstream?: Upstream): () => void;
}

/** Each request to the one upstream its route names (or the first upstream), streamed through. */
export function singleUpstreamDispatcher(deps: SingleUpstreamDeps): RequestDispatcher {
  const { hooks } = deps;
  return {
    async dispatch(ctx: Context, routed: string | undefined): Promise<ForwardResult> {
      const upstream = routed === undefined ? deps.fallback : deps.upstreams.get(routed);
      if (!upstream) throw GatewayError.from("MCPGW_ERR_UNKNOWN_UPSTREAM", `Route named upstream "${routed}", which is not configured`);
      ctx.upstream = upstream.info;
      const method = ctx.http.method as "GET" | "POST" | "DELETE";
      const headers = await buildUpstreamHeaders(deps, ctx, upstream, { method });
      return forward({
        ctx,
        upstream,
        method: method as Dispatcher.HttpMethod,
        headers,
        body: ctx.outgoingBody,
        hooks,
        transform: ctx.body === undefined ? undefined : callsToTransform(hooks, ctx.calls),
        longLived: method === "GET" || ctx.calls.some((call) => call.method === "subscriptions/listen"),
        trackStream: deps.trackStream,
        ...(upstream.type === "stdio" && ctx.subject ? { caller: `${ctx.subject.tenant}\u0000${ctx.subject.client}` } : {}),
      });
    },
  };
}
