/**
 * Every error the gateway can answer with or stop on, in one registry: the runtime's codes here,
 * each plugin's own codes declared in its `definePlugin({ errors })`. `docs/errors.md` is
 * generated from it (scripts/gen-error-docs.ts), and a test keeps the two in step both ways.
 * A GatewayError is made only from a registered code; its status and JSON-RPC code come from there.
 */

export interface ErrorSpec {
  /** HTTP status sent to the client (0 for startup errors that never reach HTTP). */
  readonly status: number;
  /** JSON-RPC error code in the response body. */
  readonly jsonRpcCode: number;
  /** The default message, sent to the client. */
  readonly message: string;
  /** What happened, for the docs. */
  readonly meaning: string;
  /** What to do about it, for the docs. */
  readonly fix: string;
  /** The answer relays a 4xx status an upstream answered with, instead of `status`. */
  readonly relaysUpstreamStatus?: boolean;
}

const spec = (status: number, jsonRpcCode: number, message: string, meaning: string, fix: string): ErrorSpec => ({ status, jsonRpcCode, message, meaning, fix });
const startup = (message: string, meaning: string, fix: string): ErrorSpec => spec(0, 0, message, meaning, fix);

export const ERRORS = {
  MCPGW_ERR_PARSE: spec(400, -32700, "Parse error: request body is not valid JSON", "The body is not valid JSON.", "Send one JSON-RPC message (or a batch) as UTF-8 JSON."),
  MCPGW_ERR_INVALID_REQUEST: spec(
    400,
    -32600,
    "Invalid JSON-RPC request",
    "The body is JSON but not JSON-RPC 2.0 (missing `jsonrpc`, bad `id`, no `method`, `method` with `result`, empty batch); a batch with invalid entries gets one error per entry and none of it is forwarded. Also bytes that are not HTTP at all, and batches federation cannot send to one upstream.",
    "Follow JSON-RPC 2.0; the message names the field or the batch entry.",
  ),
  MCPGW_ERR_BODY_TOO_LARGE: spec(413, -32600, "Request body is larger than the gateway allows", "The body is larger than `server.bodyLimit` (2 MiB by default). The connection closes after the answer.", "Send less, or raise `server.bodyLimit`."),
  MCPGW_ERR_REQUEST_TIMEOUT: spec(
    408,
    -32600,
    "Request Timeout: the request was not received in time",
    "The request's headers took longer than `server.headersTimeoutMs`, or the whole request longer than `server.requestTimeoutMs`. The connection closes.",
    "Send the request at once; raise the timeouts for very slow links.",
  ),
  MCPGW_ERR_HEADERS_TOO_LARGE: spec(431, -32600, "Request Header Fields Too Large", "The request headers are larger than node's limit (16 KiB by default).", "Send smaller headers, or start node with `--max-http-header-size`."),
  MCPGW_ERR_BATCH_TOO_LARGE: spec(400, -32600, "Batch has more messages than the gateway allows", "A batch holds more than `server.maxBatchSize` messages.", "Split the batch, or raise the limit."),
  MCPGW_ERR_UNSUPPORTED_MEDIA_TYPE: spec(415, -32600, "Content-Type must be application/json", "A POST whose `Content-Type` is not `application/json`.", "Send `Content-Type: application/json`."),
  MCPGW_ERR_METHOD_NOT_ALLOWED: spec(
    405,
    -32600,
    "Method not allowed on the MCP endpoint",
    "PUT, PATCH or OPTIONS on the MCP endpoint; with federation, a GET when no upstream offers a stream or a DELETE when no upstream keeps a session.",
    "Use POST, GET or DELETE as the `Allow` header says.",
  ),
  MCPGW_ERR_HEADER_MISMATCH: spec(
    400,
    -32020,
    "Header mismatch",
    "A mirrored header (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`, `Mcp-Param-*`) disagrees with the body, is missing on a 2026-07-28 request, or has characters that needed Base64. `Mcp-Param-*` headers are compared with the arguments for tools whose `x-mcp-header` annotations the gateway saw in a `tools/list` answer.",
    "Mirror the body's values exactly; encode non-ASCII values as `=?base64?…?=`.",
  ),
  MCPGW_ERR_ORIGIN_FORBIDDEN: spec(403, -32003, "Forbidden: origin not allowed", "The `Origin` header is not in `server.allowedOrigins`.", "Add the origin to `allowedOrigins` (DNS-rebinding protection)."),
  MCPGW_ERR_ORIGIN_REQUIRED: spec(400, -32600, "Bad Request: Origin header is required", "The request has no `Origin` header while `server.requireOrigin` is true.", "Send the page's `Origin`, or turn `requireOrigin` off for non-browser clients."),
  MCPGW_ERR_UNAUTHENTICATED: spec(401, -32001, "Unauthorized", "Auth plugins are configured and none identified the caller, or a credential was invalid.", "Send a valid credential; see the `WWW-Authenticate` header."),
  MCPGW_ERR_AMBIGUOUS_CREDENTIALS: spec(
    401,
    -32001,
    "Unauthorized: the request carries more than one credential",
    'The request carries `Authorization` more than once, an API-key header more than once, or different keys in different headers (`Authorization` and `X-API-Key`): no "first one wins".',
    "Send one credential, once.",
  ),
  MCPGW_ERR_FORBIDDEN: spec(403, -32003, "Forbidden", "Policy denied a method, tool, resource or prompt; the message names it.", "Allow it for the subject in the policy, or call something else."),
  MCPGW_ERR_RATE_LIMITED: spec(429, -32029, "Rate limit exceeded", "A rate-limit bucket is empty.", "Wait `Retry-After` seconds; raise the limit if it is too low."),
  MCPGW_ERR_INVALID_CURSOR: spec(400, -32602, "Invalid cursor", "A list `cursor` sent to a federated gateway, which answers every list with one page and never issues cursors.", "Start the listing again without a cursor."),
  MCPGW_ERR_UNKNOWN_NAME: spec(
    200,
    -32602,
    "Unknown name",
    "With federation: no upstream of the session lists the tool, prompt or resource the call names (after listing again).",
    "List again; the name may have changed or belong to an upstream left out of the session.",
  ),
  MCPGW_ERR_SESSION_NOT_FOUND: spec(
    404,
    -32001,
    "Session not found",
    "The session id is unknown to the gateway or belongs to another subject, or the stdio upstream process that served it has ended (it exited, was idle past `idleTimeoutMs`, or the session was deleted); the message says which.",
    "Initialize a new session (clients do on a 404).",
  ),
  MCPGW_ERR_UPSTREAM_NOT_IN_SESSION: spec(
    404,
    -32001,
    "Session not found: the upstream is not part of this session",
    "With federation: the upstream a route names was added to the config after the client's session began, or no upstream is left in the session.",
    "Initialize a new session (clients do on a 404).",
  ),
  MCPGW_ERR_UNAVAILABLE: spec(503, -32603, "Service unavailable", "A store the gateway needs (Redis) is unreachable and the plugin fails closed.", "Restore the store; or set the plugin's `failOpen`."),
  MCPGW_ERR_SHUTTING_DOWN: spec(
    503,
    -32603,
    "Gateway is shutting down",
    "The gateway is draining after SIGTERM/SIGINT: a request arriving on an open connection, or a call still running when `server.shutdownTimeoutMs` ran out (as its response, or as an error event on its stream).",
    "Retry against another instance.",
  ),
  MCPGW_ERR_UPSTREAM_UNREACHABLE: spec(502, -32603, "Upstream unreachable", "The upstream refused or dropped the connection.", "Check the upstream's URL and that it is running."),
  MCPGW_ERR_UPSTREAM_HTTP_ERROR: spec(
    502,
    -32603,
    "Upstream answered with an HTTP error",
    "With federation: an upstream answered a request of a fan-out (initialize, a list, a broadcast) with an HTTP error status; the message names it.",
    "Check that upstream's logs; it is left out of the merge when `federation.onUpstreamError` is `partial`.",
  ),
  MCPGW_ERR_UPSTREAMS_REFUSED: {
    ...spec(
      400,
      -32600,
      "Every upstream refused the request",
      "With federation: every upstream answered the request with the same 4xx status (other than 404), which the answer relays; the request is the client's to fix.",
      "Read the status and fix the request.",
    ),
    relaysUpstreamStatus: true,
  },
  MCPGW_ERR_UPSTREAM_EXITED: spec(
    502,
    -32603,
    "Upstream process exited",
    "A stdio upstream's process exited (or was killed) while the call was in flight. The call gets this at once; a per-session upstream's session is over (its next request gets 404), a shared process is restarted with backoff.",
    "Read the process's stderr in the gateway log (lines tagged with `upstream` and `pid`).",
  ),
  MCPGW_ERR_UPSTREAM_START_FAILED: spec(
    502,
    -32603,
    "Upstream process could not be started",
    "A stdio upstream's command could not be run (not found, not executable), exited before answering, or did not answer its handshake within `startTimeoutMs`; while a shared process waits to be restarted, calls get this at once. The message names the upstream and the reason.",
    "Run the command by hand with the same `cwd` and `env`; its stderr is in the gateway log.",
  ),
  MCPGW_ERR_UPSTREAM_AT_CAPACITY: spec(
    503,
    -32603,
    "Upstream is at capacity",
    "A per-session stdio upstream already runs `maxProcesses` processes, one per session, so a new session cannot start.",
    "Retry later; end idle sessions (DELETE) or lower `idleTimeoutMs`; raise `maxProcesses`.",
  ),
  MCPGW_ERR_UPSTREAM_OVERLOADED: spec(
    503,
    -32603,
    "Upstream is not reading its input",
    "More than 1 MiB waits to be written to a stdio upstream's process: it stopped reading its stdin, so the gateway refuses to queue more.",
    "Check the process (it may be stuck); retry later.",
  ),
  MCPGW_ERR_UPSTREAM_TIMEOUT: spec(
    504,
    -32603,
    "Upstream timed out",
    "The upstream sent no response headers within its `timeoutMs` (a stdio upstream: no answer the gateway waits for whole, or nothing on a stream it reads whole).",
    "Raise `upstreams[].timeoutMs` or fix the upstream.",
  ),
  MCPGW_ERR_UPSTREAM_BAD_RESPONSE: spec(
    502,
    -32603,
    "Upstream sent a response the gateway could not read",
    "A response the gateway had to read whole (one a result transform rewrites, a fan-out answer) was not valid JSON, or an event of it carried data that is not JSON. It is never passed on unread.",
    "Fix the upstream's response.",
  ),
  MCPGW_ERR_UPSTREAM_RESPONSE_TOO_LARGE: spec(
    502,
    -32603,
    "Upstream answer is larger than the gateway reads whole",
    "A response the gateway had to read whole was larger than `server.maxBufferedResponseBytes` (8 MiB by default), or one event of a stream it rewrites was; the upstream request was aborted. For a stdio upstream: a message (one line) larger than its `maxMessageBytes`, discarded unread.",
    "Page the list, or raise `server.maxBufferedResponseBytes`.",
  ),
  MCPGW_ERR_UNKNOWN_UPSTREAM: spec(500, -32603, "Route named an upstream that is not configured", "A `route` tap named an upstream that is not configured.", "Fix the routing plugin or its rules."),
  MCPGW_ERR_PLUGIN_FAILED: spec(
    500,
    -32603,
    "A plugin failed while handling the request",
    "A tap threw (or rejected with) something other than a `GatewayError`: an Error, a string, `undefined`. The message and the log name the plugin and hook.",
    "Fix the plugin.",
  ),
  MCPGW_ERR_PLUGIN_TIMEOUT: spec(
    504,
    -32603,
    "A plugin did not finish within its deadline",
    "A tap did not finish within `server.hookTimeoutMs` (or the `timeoutMs` it declared); the message names the plugin and hook, and its late result is ignored.",
    "Fix the plugin, or have it declare a longer `timeoutMs` for that tap.",
  ),
  MCPGW_ERR_INTERNAL: spec(500, -32603, "Internal gateway error", "An unexpected error in the runtime.", "Report it with the log line."),
  MCPGW_ERR_CONFIG_NOT_FOUND: startup("No config file found", "No config at `-c FILE`, or none in the search places.", "Pass `-c`, or create `mcp-gateway.config.yaml`."),
  MCPGW_ERR_CONFIG_INVALID: startup("Config is invalid", "A value has the wrong type, a key is unknown, or a `${ENV}` variable is missing or empty.", "Fix the path the message names."),
  MCPGW_ERR_PLUGIN_NOT_FOUND: startup("Plugin could not be loaded", "No module for the plugin name; the message lists every name tried.", "Install the package next to the config, or fix the name/path."),
  MCPGW_ERR_PLUGIN_INVALID: startup(
    "Plugin module has no valid definePlugin export",
    "The module failed to import, its default export was not made with `definePlugin`, or it declares an error code another plugin declared differently.",
    "Fix the module; the original error is kept as `cause`.",
  ),
  MCPGW_ERR_PLUGIN_API: startup("Plugin was built for another plugin API", "The plugin's `api` range does not include this runtime's plugin API.", "Upgrade the plugin or the runtime."),
  MCPGW_ERR_PLUGIN_OPTIONS: startup("Plugin options are invalid", "The plugin's options fail its schema; the message gives the option path.", "Fix the option."),
  MCPGW_ERR_PLUGIN_SETUP: startup("Plugin setup failed", "The plugin's `setup` threw (e.g. a route names an unknown upstream).", "As the message says."),
  MCPGW_ERR_HOOK_BEFORE_UNKNOWN: startup("A tap's `before` names no plugin on that hook", "A tap's `before` names no plugin on that hook.", "Fix the name, or load that plugin."),
  MCPGW_ERR_STARTUP: startup(
    "Gateway could not start",
    "A `ready` tap failed (e.g. Redis unreachable with `REDIS_URL` set), or the port cannot be listened on.",
    "As the message says; the gateway never falls back silently.",
  ),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** JSON-RPC code for an HTTP status, as the sectioned format maps them. */
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

/** What a plugin declares for each of its codes; the JSON-RPC code defaults from the status. */
export interface PluginErrorSpec {
  readonly status: number;
  readonly message: string;
  readonly meaning: string;
  readonly fix: string;
  readonly jsonRpcCode?: number;
}

/** `ACME_ERR_OUTSIDE_HOURS`: a namespace of the plugin's own, `_ERR_`, a name. `MCPGW_` is the runtime's. */
export const PLUGIN_ERROR_CODE = /^(?!MCPGW_)[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_ERR_[A-Z0-9]+(?:_[A-Z0-9]+)*$/;

/** Codes plugins declared, with the plugin that declared each. */
const declared = new Map<string, { plugin: string; spec: ErrorSpec }>();

/**
 * Registers a plugin's codes (definePlugin does, when the plugin module is imported). A code
 * must be namespaced, and one code means one thing: another plugin declaring it differently is
 * refused, naming both.
 */
export function declareErrors(plugin: string, errors: Readonly<Record<string, PluginErrorSpec>>): void {
  for (const [code, given] of Object.entries(errors)) {
    if (!PLUGIN_ERROR_CODE.test(code)) throw new TypeError(`plugin "${plugin}": error code "${code}" must look like ACME_ERR_NAME (a namespace of the plugin's, not MCPGW)`);
    if (!(Number.isInteger(given.status) && given.status >= 400 && given.status <= 599)) throw new TypeError(`plugin "${plugin}": error ${code} needs an HTTP status from 400 to 599`);
    const full: ErrorSpec = { ...given, jsonRpcCode: given.jsonRpcCode ?? jsonRpcCodeForStatus(given.status) };
    const known = declared.get(code);
    if (known && (known.plugin !== plugin || JSON.stringify(known.spec) !== JSON.stringify(full))) {
      throw new TypeError(`plugin "${plugin}": error code ${code} is already declared by plugin "${known.plugin}"`);
    }
    declared.set(code, { plugin, spec: full });
  }
}

/** Every code plugins declared so far, by code (for the docs generator and tests). */
export function declaredErrors(): ReadonlyMap<string, { plugin: string; spec: ErrorSpec }> {
  return declared;
}

function specOf(code: string): ErrorSpec | undefined {
  return Object.hasOwn(ERRORS, code) ? ERRORS[code as ErrorCode] : declared.get(code)?.spec;
}

export interface GatewayErrorOptions {
  /** Extra response headers (Retry-After, WWW-Authenticate, RateLimit-*). */
  headers?: Record<string, string | string[]>;
  /** Extra `error.data` for the JSON-RPC body. Never put secrets here. */
  data?: Record<string, unknown>;
  cause?: unknown;
  /** For a code that relays an upstream's status (`relaysUpstreamStatus`): that status. */
  status?: number;
}

const BRAND = Symbol.for("mcp-gateway.error");
/** Only this module (and the runtime's own subclasses) construct errors: from a registered code. */
export const CONSTRUCT = Symbol("mcp-gateway.construct-error");

/**
 * The one way to reject a request: the runtime turns it into the sectioned format's shape, HTTP
 * status preserved and a JSON-RPC error echoing the request id. Made from a registered code with
 * `GatewayError.from`; never `new`.
 */
export class GatewayError extends Error {
  override readonly name = "GatewayError";
  readonly [BRAND] = true;
  readonly status: number;
  readonly code: string;
  readonly jsonRpcCode: number;
  readonly headers: Record<string, string | string[]>;
  readonly data: Record<string, unknown> | undefined;
  /** Set by the runtime: the plugin and hook that threw. */
  plugin?: string;
  hook?: string;

  protected constructor(token: typeof CONSTRUCT, code: string, spec: ErrorSpec, message: string | undefined, options: GatewayErrorOptions) {
    if (token !== CONSTRUCT) throw new TypeError("GatewayError: make errors with GatewayError.from(code), from a registered code");
    super(message ?? spec.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = spec.relaysUpstreamStatus && options.status !== undefined ? options.status : spec.status;
    this.jsonRpcCode = spec.jsonRpcCode;
    this.headers = options.headers ?? {};
    this.data = options.data;
  }

  /**
   * An error of a registered code: the runtime's (`MCPGW_ERR_*`) or one a plugin declared in
   * `definePlugin({ errors })`. An unknown code is a programming error (TypeError).
   */
  static from(code: ErrorCode | (string & {}), message?: string, options: GatewayErrorOptions = {}): GatewayError {
    const found = specOf(code);
    if (!found) throw new TypeError(`GatewayError.from: unknown error code "${code}"; a plugin declares its codes in definePlugin({ errors })`);
    return new GatewayError(CONSTRUCT, code, found, message, options);
  }
}

/** Cross-package check by brand: plugins may hold another copy of the runtime, so no instanceof. */
export function isGatewayError(err: unknown): err is GatewayError {
  return typeof err === "object" && err !== null && (err as Record<symbol, unknown>)[BRAND] === true;
}

/**
 * A startup failure: config, plugin loading, a store that cannot connect.
 * The CLI prints `message` as one line and exits non-zero.
 */
export class StartupError extends Error {
  override readonly name = "StartupError";
  readonly code: ErrorCode;
  /** Every problem found, one line each with its path (the message is a summary when there are several). */
  readonly problems: readonly string[];
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; problems?: readonly string[] }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.problems = options?.problems ?? [message];
  }
}

/**
 * One error for every problem found in one pass: a single problem is its own one-line message;
 * several get a summary line, each problem listed on its own (the CLI prints one per line).
 */
export function problemsError(code: ErrorCode, where: string, problems: readonly string[], cause?: unknown): StartupError {
  const message = problems.length === 1 ? problems[0]! : `${where} has ${problems.length} problems`;
  return new StartupError(code, message, { cause, problems });
}

export function isStartupError(err: unknown): err is StartupError {
  return typeof err === "object" && err !== null && (err as { name?: unknown }).name === "StartupError";
}
