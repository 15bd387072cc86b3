import type { OutcomeKind, RequestContext } from "@mcp-gateway/runtime/plugin";

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

/** Every field of AuditRecord; the compiler checks none is missing. */
export const AUDIT_FIELDS = [
  "requestId",
  "environment",
  "tenant",
  "client",
  "apiKeyId",
  "httpMethod",
  "mcpMethod",
  "toolName",
  "resourceUri",
  "promptName",
  "batchSize",
  "mcpMethods",
  "protocolVersion",
  "upstream",
  "upstreams",
  "statusCode",
  "jsonRpcErrorCode",
  "errorCode",
  "rejectedBy",
  "outcome",
  "durationMs",
  "upstreamMs",
] as const satisfies readonly (keyof AuditRecord)[];
const allFieldsListed: Exclude<keyof AuditRecord, (typeof AUDIT_FIELDS)[number]> extends never ? true : never = true;
void allFieldsListed;

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
  // Absent fields are never assigned (rather than assigned and deleted): the record keeps the
  // documented field order and stays a fast-properties object for the logger to serialise.
  const record = { requestId: ctx.id, environment } as AuditRecord;
  const set = <K extends keyof AuditRecord>(key: K, value: AuditRecord[K] | undefined) => {
    if (value !== undefined) record[key] = value;
  };
  set("tenant", subject?.tenant);
  set("client", subject?.client);
  set("apiKeyId", subject?.id);
  set("httpMethod", ctx.http.method);
  set("mcpMethod", first?.method);
  set("toolName", first?.toolName);
  set("resourceUri", first?.resourceUri);
  set("promptName", first?.promptName);
  if (ctx.batch) {
    set("batchSize", ctx.calls.length);
    set("mcpMethods", ctx.calls.flatMap((call) => (call.method === undefined ? [] : [call.method])));
  }
  set("protocolVersion", ctx.mcp.protocolVersion);
  set("upstream", ctx.upstream?.name);
  if (ctx.upstream === undefined && ctx.federation && outcome.kind !== "rejected") set("upstreams", [...ctx.federation.upstreams]);
  set("statusCode", outcome.statusCode);
  set("jsonRpcErrorCode", outcome.jsonRpcErrorCode);
  set("errorCode", outcome.errorCode);
  set("rejectedBy", outcome.plugin);
  set("outcome", outcome.kind);
  set("durationMs", ms((timings.end ?? performance.now()) - timings.start));
  if (timings.upstreamStart !== undefined && timings.upstreamHeaders !== undefined) set("upstreamMs", ms(timings.upstreamHeaders - timings.upstreamStart));
  return record;
}

/** Strings JSON quotes as they are: printable ASCII without `"` or `\`. */
const PLAIN = /^[ !#-[\]-~]*$/;

function jsonValue(value: unknown): string {
  if (typeof value === "string") return PLAIN.test(value) ? `"${value}"` : JSON.stringify(value);
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "null";
  return JSON.stringify(value);
}

/**
 * The record as JSON object members without braces (`"requestId":"…","environment":"…"`), the
 * fields in `redacted` as `"[REDACTED]"`. Records hold only strings, numbers and string arrays;
 * the audit line is written on every request, so this avoids the logger's generic walk.
 */
export function recordFields(record: AuditRecord, redacted: ReadonlySet<string>, placeholder: string): string {
  let out = "";
  for (const key in record) {
    const value = redacted.has(key) ? placeholder : record[key as keyof AuditRecord];
    out += `${out === "" ? "" : ","}"${key}":${jsonValue(value)}`;
  }
  return out;
}
