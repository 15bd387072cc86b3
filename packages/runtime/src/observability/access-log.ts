import type { Logger } from "pino";
import type { Context } from "../request-context.js";

const clip = (text: string) => (text.length > 128 ? `${text.slice(0, 128)}…` : text);

/**
 * One `info` line per request, once it is over (`logging.access`): what an operator greps for,
 * without the audit plugin. The audit record stays the compliance record; this is the access log.
 */
export function writeAccessLine(log: Logger, ctx: Context): void {
  const call = ctx.calls[0];
  const outcome = ctx.outcome;
  const { start, end } = ctx.timings;
  log.info(
    {
      requestId: ctx.id,
      method: ctx.batch ? "batch" : clip(call?.method ?? ctx.http.method),
      ...(call?.target ? { [call.target.kind]: clip(call.target.name) } : {}),
      ...(ctx.batch ? { calls: ctx.calls.length } : {}),
      upstream: ctx.upstream?.name ?? (ctx.federation ? "federated" : undefined),
      status: outcome?.statusCode,
      outcome: outcome?.kind,
      ...(outcome?.errorCode ? { errorCode: outcome.errorCode } : {}),
      ...(outcome?.plugin ? { plugin: outcome.plugin } : {}),
      durationMs: end === undefined ? undefined : Math.round((end - start) * 10) / 10,
      tenant: ctx.subject?.tenant,
      client: ctx.subject?.client,
      remoteAddress: ctx.http.remoteAddress,
    },
    "request",
  );
}
