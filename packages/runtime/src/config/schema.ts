import { z } from "zod";
import { isSessionKey } from "./session-keys.js";
import { STAGES } from "../stages.js";

/** The sectioned format's forwarded headers, plus the modern mirrored ones. Patterns allow a trailing `*`. */
export const DEFAULT_FORWARD_HEADERS = Object.freeze([
  "accept",
  "content-type",
  "mcp-session-id",
  "mcp-protocol-version",
  "last-event-id",
  "mcp-method",
  "mcp-name",
  "mcp-param-*",
]);

export const DEFAULT_REDACT_KEYS = Object.freeze([
  "authorization",
  "x-api-key",
  "api-key",
  "cookie",
  "set-cookie",
  "proxy-authorization",
  "token",
  "access_token",
  "password",
  "secret",
]);

const stage = z
  .union([z.enum(Object.keys(STAGES) as [keyof typeof STAGES, ...(keyof typeof STAGES)[]]), z.number().int()])
  .describe("Stage band name (AUTHN, POLICY, LIMIT, DEFAULT, TRANSFORM, OBSERVE) or number for every tap of the plugin");

const pluginName = z.string().min(1).describe("npm package name, shorthand (auth-apikey) or path relative to the config file");

export const pluginEntrySchema = z.union([
  pluginName,
  z.tuple([pluginName, z.record(z.string(), z.unknown())]),
  z.strictObject({
    name: pluginName,
    options: z.record(z.string(), z.unknown()).optional().describe("The plugin's options, validated by the plugin's own schema"),
    stage: stage.optional(),
  }),
]);
export type PluginEntry = z.infer<typeof pluginEntrySchema>;

const serverSchema = z
  .strictObject({
    host: z.string().default("127.0.0.1").describe("Address to listen on"),
    port: z.number().int().min(0).max(65535).default(8080).describe("Port to listen on (0 picks a free one)"),
    path: z.string().startsWith("/").default("/mcp").describe("Path of the MCP endpoint"),
    allowedOrigins: z
      .array(z.string())
      .default([])
      .describe('Origins allowed to call the endpoint; "*" allows any. A request with another Origin is 403'),
    requireOrigin: z.boolean().default(false).describe("Reject requests without an Origin header (400, MCPGW_ERR_ORIGIN_REQUIRED)"),
    bodyLimit: z
      .number()
      .int()
      .positive()
      .default(2 * 1024 * 1024)
      .describe("Largest request body in bytes (413 above it)"),
    maxBatchSize: z.number().int().positive().default(50).describe("Most messages in one JSON-RPC batch (400 above it)"),
    maxBufferedResponseBytes: z
      .number()
      .int()
      .positive()
      .default(8 * 1024 * 1024)
      .describe(
        "Largest upstream answer the gateway reads whole (one a plugin rewrites, e.g. a list filtered by policy, or a fan-out answer), and largest single event it holds while rewriting a stream; above it the upstream request is aborted and the client gets 502 MCPGW_ERR_UPSTREAM_RESPONSE_TOO_LARGE. Answers streamed through are not limited",
      ),
    requestTimeoutMs: z
      .number()
      .int()
      .nonnegative()
      .default(30_000)
      .describe("Time a client has to send its whole request, headers and body (slow-client protection): 408 and the connection closes; 0 disables"),
    headersTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe("Time a client has to send its request headers (408 and close after it); at most requestTimeoutMs"),
    lingeringCloseBytes: z
      .number()
      .int()
      .nonnegative()
      .default(16 * 1024 * 1024)
      .describe("After refusing a body above bodyLimit (413), how much of the rest the gateway reads and discards so a client that writes before it reads gets the 413 instead of a reset"),
    lingeringCloseMs: z
      .number()
      .int()
      .nonnegative()
      .default(5_000)
      .describe("How long the gateway keeps discarding a refused body before it answers 413 and closes"),
    hookTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(5_000)
      .describe(
        "Deadline of each plugin tap on a request (a tap may declare its own timeoutMs): past it the request fails with 504 MCPGW_ERR_PLUGIN_TIMEOUT naming the plugin and hook; ready and close taps get at least 30 s",
      ),
    keepAliveTimeoutMs: z.number().int().positive().default(72_000).describe("Idle keep-alive time of client connections"),
    shutdownTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(5_000)
      .describe("On SIGTERM, how long in-flight requests may take before they are cut"),
  })
  .prefault({});

const upstreamAuthSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("apiKey").describe("apiKey: send apiKey.value in the apiKey.header header"),
    apiKey: z
      .strictObject({
        header: z.string().min(1).describe("Header the upstream reads its credential from"),
        value: z.string().min(1).describe("Header value; ${ENV} placeholders resolve at startup"),
      })
      .describe("With type apiKey: the header and its value"),
  }),
  z.strictObject({
    type: z.literal("bearer").describe("bearer: send Authorization: Bearer <token>"),
    token: z.string().min(1).describe("Sent as Authorization: Bearer <token>"),
  }),
]);

const upstreamName = z.string().min(1).describe("Name that routes refer to");
const upstreamPrefix = z
  .string()
  .regex(/^[A-Za-z0-9_-]+$/, "letters, digits, _ and - only")
  .optional()
  .describe("With federation: this upstream's tools and prompts are listed as <prefix><separator><name>");
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const httpUpstreamSchema = z.strictObject({
  name: upstreamName,
  type: z.literal("http").default("http").describe("Transport: http (Streamable HTTP, the default) or stdio (a local process the gateway starts)"),
  url: z.url({ protocol: /^https?$/ }).describe("http: the upstream's MCP endpoint URL"),
  timeoutMs: z
    .number()
    .int()
    .positive()
    .default(30_000)
    .describe("http: time to wait for the upstream's response headers (504 after it)"),
  connections: z.number().int().positive().default(128).describe("http: most keep-alive connections to this upstream"),
  auth: upstreamAuthSchema.optional().describe("http: credential the gateway sends to this upstream"),
  headers: z.record(z.string(), z.string()).optional().describe("http: fixed extra headers sent to this upstream"),
  prefix: upstreamPrefix,
});

export const stdioUpstreamSchema = z.strictObject({
  name: upstreamName,
  type: z.literal("stdio").describe("Transport: http (Streamable HTTP, the default) or stdio (a local process the gateway starts)"),
  command: z.string().min(1).describe("stdio: the program to run (found on PATH), e.g. npx"),
  args: z.array(z.string()).default([]).describe("stdio: its arguments"),
  cwd: z.string().min(1).optional().describe("stdio: its working directory (default: the gateway's)"),
  env: z
    .record(z.string().regex(ENV_NAME), z.string(), {
      error: (issue) => (issue.code === "invalid_key" ? `"${String(issue.input)}" is not an environment variable name (letters, digits and _, not first a digit)` : undefined),
    })
    .default({})
    .describe(
      "stdio: environment variables of the process, besides PATH, HOME, USER, LOGNAME, SHELL and TERM; ${ENV} placeholders resolve at startup. Nothing else of the gateway's environment reaches it",
    ),
  inheritEnv: z.boolean().default(false).describe("stdio: pass the gateway's whole environment, secrets included, instead of the variables above"),
  mode: z
    .enum(["per-session", "shared"])
    .default("per-session")
    .describe(
      "stdio: per-session starts a process for each client session (on initialize); shared runs one process for every caller, which the gateway initializes once and multiplexes (for servers that keep no state per client)",
    ),
  maxProcesses: z
    .number()
    .int()
    .positive()
    .default(32)
    .describe("stdio, per-session: most sessions (processes) at once; a new session past it gets 503 MCPGW_ERR_UPSTREAM_AT_CAPACITY"),
  idleTimeoutMs: z
    .number()
    .int()
    .positive()
    .default(600_000)
    .describe("stdio, per-session: a session without a request for this long has its process ended (its next request gets 404)"),
  startTimeoutMs: z
    .number()
    .int()
    .positive()
    .default(10_000)
    .describe("stdio: time for a process to start and answer initialize; past it the process is ended and the client gets 502 MCPGW_ERR_UPSTREAM_START_FAILED"),
  stopTimeoutMs: z.number().int().positive().default(5_000).describe("stdio: time a process gets to exit after SIGTERM before SIGKILL ends it and its process group"),
  maxMessageBytes: z
    .number()
    .int()
    .positive()
    .default(8 * 1024 * 1024)
    .describe("stdio: largest message (one line of stdout) read from the process; a larger one is discarded and the calls in flight get 502"),
  timeoutMs: z
    .number()
    .int()
    .positive()
    .default(30_000)
    .describe("stdio: time to wait for an answer the gateway reads whole (a JSON answer, a fan-out); an event-stream answer waits for as long as its client does"),
  prefix: upstreamPrefix,
});

export const upstreamSchema = z.discriminatedUnion("type", [httpUpstreamSchema, stdioUpstreamSchema], {
  error: (issue) => (issue.code === "invalid_union" ? 'type must be "http" (the default) or "stdio"' : undefined),
});

export const federationSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe("Turn federation off without deleting the section"),
    sessionKeys: z
      .array(z.string().refine(isSessionKey, "must be 32 bytes as base64/base64url (43 characters) or 64 hex digits"))
      .min(1)
      .optional()
      .describe(
        "32-byte keys (base64 or 64 hex digits) sealing gateway session ids; the first seals, all open. Every instance behind one load balancer needs the same keys. Without them a random key per process is used",
      ),
    sessionMaxAgeMs: z
      .number()
      .int()
      .positive()
      .default(24 * 60 * 60 * 1000)
      .describe("Lifetime of a gateway session; the client re-initializes after it"),
    upstreams: z.array(z.string().min(1)).min(1).optional().describe("Upstreams federated into one server (default: all)"),
    collisions: z
      .enum(["reject", "prefix"])
      .default("reject")
      .describe("Two upstreams listing one name: reject drops the later one (logged); prefix lists it as <upstream><separator><name>"),
    separator: z.string().min(1).max(3).default(".").describe("Between a prefix and a name"),
    onUpstreamError: z
      .enum(["partial", "fail"])
      .default("partial")
      .describe("A fan-out with a failing upstream: partial answers without it (named in _meta); fail answers 502"),
    catalogTtlMs: z
      .number()
      .int()
      .nonnegative()
      .default(30_000)
      .describe("How long a learned name-to-upstream catalogue routes calls before it is listed again"),
  })
  .describe("One client session across many upstreams: merged lists and capabilities, calls routed to the owning upstream");

/** 127.0.0.0/8, ::1 and localhost: addresses only this machine reaches. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export const adminSchema = z
  .strictObject({
    host: z.string().min(1).default("127.0.0.1").describe("Address of the admin listener; anything but loopback needs token"),
    port: z.number().int().min(0).max(65535).describe("Port of the admin listener (0 picks a free one); never the public port"),
    token: z
      .string()
      .min(16, "at least 16 characters")
      .optional()
      .describe("Token every admin path requires: Authorization: Bearer <token>, or Basic with the token as password (a browser's login); ${ENV} placeholders resolve at startup"),
  })
  .superRefine((admin, ctx) => {
    if (!isLoopback(admin.host) && admin.token === undefined) {
      ctx.addIssue({ code: "custom", path: ["token"], message: `required when admin.host (${admin.host}) is not a loopback address: anyone who reaches it could read metrics and reload the config` });
    }
  })
  .describe("The operators' listener (status page, /status.json, /metrics, /reload): off unless configured, never on the public port");

export const configSchema = z
  .strictObject({
    server: serverSchema.describe("The HTTP listener: address, MCP endpoint path, Origin checks and request limits"),
    upstreams: z
      .array(upstreamSchema)
      .min(1, "at least one upstream is required")
      .superRefine((upstreams, ctx) => {
        const seen = new Set<string>();
        upstreams.forEach((upstream, index) => {
          if (seen.has(upstream.name)) {
            ctx.addIssue({ code: "custom", path: [index, "name"], message: `duplicate upstream name "${upstream.name}"` });
          }
          seen.add(upstream.name);
        });
      })
      .describe("The MCP servers behind the gateway, each with a unique name; the first one serves requests no route claims"),
    upstreamHeaders: z
      .strictObject({
        forward: z
          .array(z.string().min(1))
          .default([...DEFAULT_FORWARD_HEADERS])
          .describe("Request headers forwarded upstream (case-insensitive; trailing * is a prefix pattern)"),
      })
      .prefault({})
      .describe("Which client request headers reach the upstreams"),
    logging: z
      .strictObject({
        level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info").describe("Lowest pino level written"),
        redactKeys: z
          .array(z.string())
          .default([...DEFAULT_REDACT_KEYS])
          .describe("Keys whose values are replaced by [REDACTED] at any depth of every log line, in addition to the built-in credential keys"),
        access: z
          .boolean()
          .default(true)
          .describe("One info line per request (msg \"request\": method, tool, upstream, status, outcome, duration, subject, client address); audit stays the compliance record"),
      })
      .prefault({})
      .describe("pino JSON logs on stdout"),
    federation: federationSchema.optional(),
    admin: adminSchema.optional(),
    metrics: z
      .strictObject({
        maxToolLabels: z
          .number()
          .int()
          .nonnegative()
          .default(200)
          .describe("Tool names labelled in mcp_gateway_tool_calls_total (names an upstream listed, first come); the rest count as tool=\"_other\""),
      })
      .prefault({})
      .describe("Prometheus metrics, served on the admin listener's /metrics"),
    errors: z
      .strictObject({
        style: z
          .enum(["http", "jsonrpc"])
          .default("http")
          .describe(
            "How a call refused by an authorize plugin (policy, rate limit) is answered: http keeps its status (403, 429), as the sectioned format did; jsonrpc answers HTTP 200 with the JSON-RPC error, so an MCP client sees that call fail while its session lives on",
          ),
      })
      .prefault({})
      .describe("How rejections reach MCP clients"),
    plugins: z.array(pluginEntrySchema).optional().describe("Plugins in order; without it the sections of the sectioned format are used"),
    // The sectioned format's feature sections: each becomes a default plugin's options and is validated by it.
    auth: z.record(z.string(), z.unknown()).optional().describe("Sectioned format: mode (apiKey | none) plus the auth-apikey plugin's options"),
    policy: z.record(z.string(), z.unknown()).optional().describe("Sectioned format: the policy plugin's options"),
    rateLimit: z.record(z.string(), z.unknown()).optional().describe("Sectioned format: the ratelimit plugin's options"),
    routing: z.array(z.unknown()).optional().describe("Sectioned format: the router plugin's rules"),
    audit: z.record(z.string(), z.unknown()).optional().describe("Sectioned format: the audit plugin's options; audit runs unless enabled is false"),
  })
  .superRefine((config, ctx) => {
    if (config.admin && config.admin.port !== 0 && config.admin.port === config.server.port) {
      ctx.addIssue({ code: "custom", path: ["admin", "port"], message: `the admin listener needs a port of its own, not server.port (${config.server.port})` });
    }
    const names = new Set(config.upstreams.map((upstream) => upstream.name));
    config.federation?.upstreams?.forEach((name, index) => {
      if (!names.has(name)) {
        ctx.addIssue({ code: "custom", path: ["federation", "upstreams", index], message: `unknown upstream "${name}" (known: ${[...names].join(", ")})` });
      }
    });
    if (config.plugins) {
      for (const section of ["auth", "policy", "rateLimit", "routing", "audit"] as const) {
        if (config[section] !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: [section],
            message: `section "${section}" cannot be combined with a plugins list; give it as that plugin's options`,
          });
        }
      }
    }
  });

export type GatewayConfig = z.output<typeof configSchema>;
export type GatewayConfigInput = z.input<typeof configSchema>;
export type UpstreamConfig = z.output<typeof upstreamSchema>;
export type HttpUpstreamConfig = z.output<typeof httpUpstreamSchema>;
export type StdioUpstreamConfig = z.output<typeof stdioUpstreamSchema>;
export type FederationConfig = z.output<typeof federationSchema>;
