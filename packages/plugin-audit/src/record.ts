import type { OutcomeKind, RequestContext } from "@mcp-gateway/runtime";

/**
 * One audit record per HTTP request; `docs/audit.md` documents every field. Only facts the
 * gateway established itself: never bodies, tool arguments, headers or credentials.
 */
export interface AuditRecord {
  requestId: string;
  environment: string;
  tenant?: string;
  client?: string;
  apiKeyId?: string;
  httpMethod: string;
  mcpMethod?: string;
  toolName?: string;
  resourceUri?: string;
  promptName?: string;
  /** Batches only: how many messages, and the method of each, in body order. */
  batchSize?: number;
  mcpMethods?: string[];
  protocolVersion?: string;
  upstream?: string;
  /** Federation: the upstreams a fanned-out request (initialize, a list, DELETE, a stream) went to. */
  upstreams?: string[];
  statusCode: number;
  /** Present when the gateway answered with a JSON-RPC error (rejections and failures). */
  jsonRpcErrorCode?: number;
  /** Registry or plugin error code, e.g. `MCPGW_ERR_FORBIDDEN`. */
  errorCode?: string;
  /** The plugin that rejected the request. */
  rejectedBy?: string;
  outcome: OutcomeKind;
  durationMs: number;
  /** From sending upstream to the upstream's response headers. */
  upstreamMs?: number;
}

const ms = (value: number) => Math.round(value * 1000) / 1000;

/**
 * Builds the record from a finished request, fields in the documented order and absent ones
 * left out. A batch gives one record: its first message's facts (`mcpMethod`, `toolName`, …)
 * plus `batchSize` and `mcpMethods`.
 */
export function auditRecord(ctx: RequestContext, environment: string): AuditRecord {
  const outcome = ctx.outcome ?? { kind: "aborted" as const, statusCode: 0 };
  const { timings, subject } = ctx;
  const first = ctx.calls[0];
  const record: AuditRecord = {
    requestId: ctx.id,
    environment,
    tenant: subject?.tenant,
    client: subject?.client,
    apiKeyId: subject?.id,
    httpMethod: ctx.http.method,
    mcpMethod: first?.method,
    toolName: first?.toolName,
    resourceUri: first?.resourceUri,
    promptName: first?.promptName,
    batchSize: ctx.batch ? ctx.calls.length : undefined,
    mcpMethods: ctx.batch ? ctx.calls.flatMap((call) => (call.method === undefined ? [] : [call.method])) : undefined,
    protocolVersion: ctx.mcp.protocolVersion,
    upstream: ctx.upstream?.name,
    upstreams: ctx.upstream === undefined && ctx.federation && ctx.outcome?.kind !== "rejected" ? [...ctx.federation.upstreams] : undefined,
    statusCode: outcome.statusCode,
    jsonRpcErrorCode: outcome.jsonRpcErrorCode,
    errorCode: outcome.errorCode,
    rejectedBy: outcome.plugin,
    outcome: outcome.kind,
    durationMs: ms((timings.end ?? performance.now()) - timings.start),
    upstreamMs: timings.upstreamStart !== undefined && timings.upstreamHeaders !== undefined ? ms(timings.upstreamHeaders - timings.upstreamStart) : undefined,
  };
  for (const key of Object.keys(record) as (keyof AuditRecord)[]) if (record[key] === undefined) delete record[key];
  return record;
}
