import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { FederationFacts, McpCall, McpEra, Outcome, RequestContext, Subject, UpstreamInfo } from "./context.js";
import type { GatewayError } from "./errors.js";

/** Something in flight that shutdown can end with an error the client reads (see upstream/forward.ts). */
export interface Cuttable {
  cut(err: GatewayError): void;
}

const NONE: readonly never[] = Object.freeze([]);

/**
 * The runtime's side of a request's context. Plugins see it as `RequestContext`, where the facts
 * only the runtime establishes (the parsed body, the upstream, the federation facts, the outcome)
 * are read-only; the pipeline and the dispatchers hold this class and set them directly.
 */
export class Context implements RequestContext {
  readonly id: string;
  readonly http: RequestContext["http"];
  readonly authChallenges: string[] = [];
  readonly authFailures: string[] = [];
  readonly timings: RequestContext["timings"] = { start: performance.now() };
  readonly state: Record<string | symbol, unknown> = {};
  readonly mcp: { era: McpEra; protocolVersion: string | undefined; sessionId: string | undefined };
  body: Buffer | undefined;
  messages: readonly unknown[] = NONE;
  batch = false;
  calls: readonly McpCall[] = NONE;
  subject: Subject | undefined = undefined;
  upstream: UpstreamInfo | undefined = undefined;
  federation: FederationFacts | undefined = undefined;
  outcome: Outcome | undefined = undefined;
  /** Set by setMessages: the body to send instead of the raw bytes. */
  replacedBody: string | undefined = undefined;
  /** The forwarding in progress, which knows how to end its answer with an error. */
  cutter: Cuttable | undefined = undefined;
  /** Shutdown answered this request already; whatever the pipeline still does is not written. */
  cut = false;
  readonly #rootLog: Logger;
  #log: Logger | undefined;

  constructor(
    id: string,
    log: Logger,
    req: IncomingMessage,
    readonly res: ServerResponse,
    body: Buffer | undefined,
  ) {
    this.id = id;
    this.#rootLog = log;
    this.http = { method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers, rawHeaders: req.rawHeaders, remoteAddress: req.socket.remoteAddress };
    this.body = body;
    const session = req.headers["mcp-session-id"];
    this.mcp = { era: "legacy", protocolVersion: undefined, sessionId: typeof session === "string" ? session : undefined };
  }

  /** Created on first use: most requests never log, and a pino child per request is not free. */
  get log(): Logger {
    return (this.#log ??= this.#rootLog.child({ requestId: this.id }));
  }

  setMessages(messages: unknown): void {
    this.replacedBody = JSON.stringify(messages);
  }

  /** The body to send upstream: what a plugin set, else the bytes the client sent. */
  get outgoingBody(): string | Buffer | undefined {
    return this.replacedBody ?? this.body;
  }
}
