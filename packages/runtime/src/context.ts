import type { IncomingHttpHeaders } from "node:http";
import type { Logger } from "pino";
import type { McpTarget } from "./mcp/methods.js";

export type { McpTarget, TargetKind } from "./mcp/methods.js";

/** Who is calling, as the authenticating plugin identified them. */
export interface Subject {
  tenant: string;
  client: string;
  /** Credential id, e.g. the API key's `id` (audit: `apiKeyId`). Never the secret. */
  id?: string;
  /** Anything else an auth plugin learned (scopes, groups, token claims). */
  claims?: Readonly<Record<string, unknown>>;
}

/** The subject of every caller when no auth plugin is configured (the sectioned format's `auth.mode: none`). */
export const ANONYMOUS: Readonly<Subject> = Object.freeze({ tenant: "anonymous", client: "anonymous" });

export type JsonRpcId = string | number | null;

/** `legacy`: 2025-03-26 … 2025-11-25 (sessions, GET streams). `modern`: 2026-07-28 and later. */
export type McpEra = "legacy" | "modern";

/** The MCP facts of one JSON-RPC message of the request body. */
export interface McpCall {
  /** Requests carry an id and a method; notifications a method only; responses an id only. */
  readonly kind: "request" | "notification" | "response";
  readonly id?: JsonRpcId;
  readonly method?: string;
  /**
   * Every tool, prompt and resource the call names, where the MCP method carries them
   * (`params.name`, `params.uri`, a completion's `params.ref`, a listen's resource subscriptions).
   * Empty for methods that name nothing, and for a named call whose name is missing.
   */
  readonly targets: readonly McpTarget[];
  /** The one tool, prompt or resource a call is about, what routing and audit go by (none for a listen). */
  readonly target?: McpTarget;
  /** The name of `target` when it is a tool (`tools/call`). */
  readonly toolName?: string;
  /** The URI of `target` when it is a resource (`resources/read`, subscribe, a completion's resource ref). */
  readonly resourceUri?: string;
  /** The name of `target` when it is a prompt (`prompts/get`, a completion's prompt ref). */
  readonly promptName?: string;
  /** The message as parsed; treat as read-only (change messages with `ctx.setMessages`). */
  readonly message: Readonly<Record<string, unknown>>;
}

export interface UpstreamInfo {
  readonly name: string;
  /** How the gateway reaches it: Streamable HTTP, or a local process over stdio. */
  readonly type: "http" | "stdio";
  /** The URL; `stdio:<command>` for a stdio upstream. */
  readonly url: string;
  readonly timeoutMs: number;
}

export type OutcomeKind = "served" | "rejected" | "failed" | "aborted";

/** How a request ended. Set before `onResponse` runs. */
export interface Outcome {
  readonly kind: OutcomeKind;
  readonly statusCode: number;
  /** JSON-RPC error code the gateway answered with (rejections and failures). */
  readonly jsonRpcErrorCode?: number;
  /** Registry or plugin error code, e.g. `MCPGW_ERR_RATE_LIMITED`. */
  readonly errorCode?: string;
  /** The plugin and hook that rejected, when a plugin did. */
  readonly plugin?: string;
  readonly hook?: string;
  readonly message?: string;
}

export interface Timings {
  /** `performance.now()` when the request arrived. */
  readonly start: number;
  upstreamStart?: number;
  /** Upstream response headers received. */
  upstreamHeaders?: number;
  /** Response finished (or the client went away). */
  end?: number;
}

/** One per HTTP request; every hook receives it. */
export interface RequestContext {
  readonly id: string;
  /** pino child logger carrying `requestId`. */
  readonly log: Logger;
  readonly http: {
    readonly method: string;
    readonly path: string;
    readonly headers: IncomingHttpHeaders;
    /**
     * Names and values as received, alternating (node's `rawHeaders`). `headers` keeps only the
     * first of a repeated Authorization and joins other repeats; count repeats here.
     */
    readonly rawHeaders: readonly string[];
    readonly remoteAddress: string | undefined;
  };
  /** The raw request body, forwarded unchanged unless a plugin called `setMessages`. */
  readonly body: Buffer | undefined;
  /** Parsed JSON-RPC message(s); empty for GET and DELETE. */
  readonly messages: readonly unknown[];
  /** True when the body was a JSON array (2025-03-26 batch). */
  readonly batch: boolean;
  /** MCP facts of each message, in body order. */
  readonly calls: readonly McpCall[];
  readonly mcp: {
    readonly era: McpEra;
    readonly protocolVersion: string | undefined;
    readonly sessionId: string | undefined;
  };
  /** Set by an auth plugin in `onRequest`. */
  subject: Subject | undefined;
  /**
   * `WWW-Authenticate` challenges. An auth plugin that finds no credential of its kind
   * adds its challenge; when no plugin identifies the caller, the 401 carries them all.
   */
  readonly authChallenges: string[];
  /**
   * Why credentials were not accepted: an auth plugin that found a credential of its kind it
   * could not accept says why here (never the secret) and passes, since another auth plugin may
   * accept the request. When none does, the 401's message lists these.
   */
  readonly authFailures: string[];
  /** Chosen upstream, set after `route`; undefined for a federated fan-out. */
  readonly upstream: UpstreamInfo | undefined;
  /**
   * Set after authentication when `federation` is configured: the upstreams of the caller's
   * session. `byOwner` is true for calls that go to the upstream owning the name they carry;
   * a route plugin should then answer only for rules that say more than "everything else".
   */
  readonly federation: FederationFacts | undefined;
  readonly timings: Timings;
  /** Set before `onResponse`. */
  readonly outcome: Outcome | undefined;
  /** Per-request scratch space for plugins; key by your plugin name or a symbol. */
  readonly state: Record<string | symbol, unknown>;
  /** Replace the message(s) sent upstream; the body is re-serialised once, at forwarding. */
  setMessages(messages: unknown[] | unknown): void;
}

export interface FederationFacts {
  readonly upstreams: readonly string[];
  readonly byOwner: boolean;
}

/** What `beforeUpstream` taps may shape. */
export interface UpstreamRequest {
  readonly upstream: UpstreamInfo;
  readonly method: string;
  /** Outgoing headers, lower-case names; already filtered by the allowlist. */
  readonly headers: Record<string, string>;
}
