/**
 * Every error the gateway can answer with or stop on, in one registry.
 * `docs/errors.md` lists each code; a test keeps the two in step.
 */

export interface ErrorSpec {
  /** HTTP status sent to the client (0 for startup errors that never reach HTTP). */
  readonly status: number;
  /** JSON-RPC error code in the response body. */
  readonly jsonRpcCode: number;
  readonly message: string;
}

export const ERRORS = {
  MCPGW_ERR_PARSE: { status: 400, jsonRpcCode: -32700, message: "Parse error: request body is not valid JSON" },
  MCPGW_ERR_INVALID_REQUEST: { status: 400, jsonRpcCode: -32600, message: "Invalid JSON-RPC request" },
  MCPGW_ERR_BODY_TOO_LARGE: { status: 413, jsonRpcCode: -32600, message: "Request body is larger than the gateway allows" },
  MCPGW_ERR_REQUEST_TIMEOUT: { status: 408, jsonRpcCode: -32600, message: "Request Timeout: the request was not received in time" },
  MCPGW_ERR_HEADERS_TOO_LARGE: { status: 431, jsonRpcCode: -32600, message: "Request Header Fields Too Large" },
  MCPGW_ERR_BATCH_TOO_LARGE: { status: 400, jsonRpcCode: -32600, message: "Batch has more messages than the gateway allows" },
  MCPGW_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, jsonRpcCode: -32600, message: "Content-Type must be application/json" },
  MCPGW_ERR_METHOD_NOT_ALLOWED: { status: 405, jsonRpcCode: -32600, message: "Method not allowed on the MCP endpoint" },
  MCPGW_ERR_HEADER_MISMATCH: { status: 400, jsonRpcCode: -32020, message: "Header mismatch" },
  MCPGW_ERR_ORIGIN_FORBIDDEN: { status: 403, jsonRpcCode: -32003, message: "Forbidden: origin not allowed" },
  MCPGW_ERR_ORIGIN_REQUIRED: { status: 400, jsonRpcCode: -32600, message: "Bad Request: Origin header is required" },
  MCPGW_ERR_UNAUTHENTICATED: { status: 401, jsonRpcCode: -32001, message: "Unauthorized" },
  MCPGW_ERR_AMBIGUOUS_CREDENTIALS: { status: 401, jsonRpcCode: -32001, message: "Unauthorized: the request carries more than one credential" },
  MCPGW_ERR_FORBIDDEN: { status: 403, jsonRpcCode: -32003, message: "Forbidden" },
  MCPGW_ERR_RATE_LIMITED: { status: 429, jsonRpcCode: -32029, message: "Rate limit exceeded" },
  MCPGW_ERR_INVALID_CURSOR: { status: 400, jsonRpcCode: -32602, message: "Invalid cursor" },
  MCPGW_ERR_UNKNOWN_NAME: { status: 200, jsonRpcCode: -32602, message: "Unknown name" },
  MCPGW_ERR_SESSION_NOT_FOUND: { status: 404, jsonRpcCode: -32001, message: "Session not found" },
  MCPGW_ERR_UNAVAILABLE: { status: 503, jsonRpcCode: -32603, message: "Service unavailable" },
  MCPGW_ERR_SHUTTING_DOWN: { status: 503, jsonRpcCode: -32603, message: "Gateway is shutting down" },
  MCPGW_ERR_UPSTREAM_UNREACHABLE: { status: 502, jsonRpcCode: -32603, message: "Upstream unreachable" },
  MCPGW_ERR_UPSTREAM_TIMEOUT: { status: 504, jsonRpcCode: -32603, message: "Upstream timed out" },
  MCPGW_ERR_UPSTREAM_BAD_RESPONSE: { status: 502, jsonRpcCode: -32603, message: "Upstream sent a response the gateway could not read" },
  MCPGW_ERR_UPSTREAM_RESPONSE_TOO_LARGE: { status: 502, jsonRpcCode: -32603, message: "Upstream answer is larger than the gateway reads whole" },
  MCPGW_ERR_UNKNOWN_UPSTREAM: { status: 500, jsonRpcCode: -32603, message: "Route named an upstream that is not configured" },
  MCPGW_ERR_PLUGIN_FAILED: { status: 500, jsonRpcCode: -32603, message: "A plugin failed while handling the request" },
  MCPGW_ERR_PLUGIN_TIMEOUT: { status: 504, jsonRpcCode: -32603, message: "A plugin did not finish within its deadline" },
  MCPGW_ERR_INTERNAL: { status: 500, jsonRpcCode: -32603, message: "Internal gateway error" },
  MCPGW_ERR_CONFIG_NOT_FOUND: { status: 0, jsonRpcCode: 0, message: "No config file found" },
  MCPGW_ERR_CONFIG_INVALID: { status: 0, jsonRpcCode: 0, message: "Config is invalid" },
  MCPGW_ERR_PLUGIN_NOT_FOUND: { status: 0, jsonRpcCode: 0, message: "Plugin could not be loaded" },
  MCPGW_ERR_PLUGIN_INVALID: { status: 0, jsonRpcCode: 0, message: "Plugin module has no valid definePlugin export" },
  MCPGW_ERR_PLUGIN_API: { status: 0, jsonRpcCode: 0, message: "Plugin was built for another plugin API" },
  MCPGW_ERR_PLUGIN_OPTIONS: { status: 0, jsonRpcCode: 0, message: "Plugin options are invalid" },
  MCPGW_ERR_PLUGIN_SETUP: { status: 0, jsonRpcCode: 0, message: "Plugin setup failed" },
  MCPGW_ERR_HOOK_BEFORE_UNKNOWN: { status: 0, jsonRpcCode: 0, message: "A tap's `before` names no plugin on that hook" },
  MCPGW_ERR_STARTUP: { status: 0, jsonRpcCode: 0, message: "Gateway could not start" },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** JSON-RPC code for an HTTP status, as the seed maps them. */
export function jsonRpcCodeForStatus(status: number): number {
  switch (status) {
    case 401:
      return -32001;
    case 403:
      return -32003;
    case 429:
      return -32029;
    default:
      return status >= 500 ? -32603 : -32600;
  }
}

export interface GatewayErrorOptions {
  /** Registry code; plugins may use their own `PREFIX_ERR_*` codes. */
  code?: string;
  jsonRpcCode?: number;
  /** Extra response headers (Retry-After, WWW-Authenticate, RateLimit-*). */
  headers?: Record<string, string | string[]>;
  /** Extra `error.data` for the JSON-RPC body. Never put secrets here. */
  data?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * The one way to reject a request: the runtime turns it into the seed's shape,
 * HTTP status preserved and a JSON-RPC error echoing the request id.
 */
export class GatewayError extends Error {
  override readonly name = "GatewayError";
  readonly status: number;
  readonly code: string;
  readonly jsonRpcCode: number;
  readonly headers: Record<string, string | string[]>;
  readonly data: Record<string, unknown> | undefined;
  /** Set by the runtime: the plugin and hook that threw. */
  plugin?: string;
  hook?: string;

  constructor(status: number, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.code = options.code ?? "MCPGW_ERR_REJECTED";
    this.jsonRpcCode = options.jsonRpcCode ?? jsonRpcCodeForStatus(status);
    this.headers = options.headers ?? {};
    this.data = options.data;
  }

  /** Builds an error from the registry, with an optional more specific message. */
  static from(code: ErrorCode, message?: string, options: Omit<GatewayErrorOptions, "code" | "jsonRpcCode"> = {}): GatewayError {
    const spec: ErrorSpec = ERRORS[code];
    return new GatewayError(spec.status, message ?? spec.message, { ...options, code, jsonRpcCode: spec.jsonRpcCode });
  }
}

/** Cross-package check: plugins carry their own copy of nothing, so test the shape, not the class. */
export function isGatewayError(err: unknown): err is GatewayError {
  return (
    typeof err === "object" &&
    err !== null &&
    (err as { name?: unknown }).name === "GatewayError" &&
    typeof (err as { status?: unknown }).status === "number"
  );
}

/**
 * A startup failure: config, plugin loading, a store that cannot connect.
 * The CLI prints `message` as one line and exits non-zero.
 */
export class StartupError extends Error {
  override readonly name = "StartupError";
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isStartupError(err: unknown): err is StartupError {
  return typeof err === "object" && err !== null && (err as { name?: unknown }).name === "StartupError";
}
