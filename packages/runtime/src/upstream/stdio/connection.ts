import { GatewayError } from "../../errors.js";
import { Child, type ChildSpec } from "./child.js";

export type JsonRpcId = string | number;

/** A JSON-RPC message as the bridge reads it. */
interface Message {
  jsonrpc?: string;
  id?: JsonRpcId | null;
  method?: string;
  params?: { _meta?: Record<string, unknown>; progressToken?: unknown; requestId?: unknown; [key: string]: unknown };
  result?: unknown;
  error?: unknown;
}

/** The answer a delivered message is: the client's id of the request it answers, and whether it is an error. */
export interface Answer {
  id: JsonRpcId;
  error: boolean;
}

/**
 * Where the bridge delivers what the server sends for one HTTP exchange: the answers to the
 * requests of one POST (and the progress and server requests that belong to them), or a GET
 * stream's server-initiated messages.
 */
export interface Channel {
  /**
   * Who sent the requests: the client's session id, "" for a stateless caller. A multiplexed
   * process keeps callers apart by it (a cancellation names a request of its own caller only).
   */
  readonly caller: string;
  /** One message for the client; `answer` says which request it answers, when it is an answer. */
  deliver(json: string, answer?: Answer): void;
  /** Every request the channel sent has its answer. */
  settled(): void;
  /** The connection failed (the process exited): the channel answers its client with `err`. */
  fail(err: GatewayError): void;
}

interface Pending {
  channel: Channel;
  /** The client's own id, when the connection rewrote it. */
  clientId: JsonRpcId;
  /** The client's progress token, when the connection rewrote it. */
  progressToken: unknown;
  /** The method of a 2026-07-28 request (its `_meta` names a protocol version), whose result needs a `resultType`. */
  modern: string | undefined;
}

/** `_meta` key a 2026-07-28 server tags subscription messages with: the id of the `subscriptions/listen` request. */
const SUBSCRIPTION_ID = "io.modelcontextprotocol/subscriptionId";
const PROTOCOL_VERSION = "io.modelcontextprotocol/protocolVersion";

/** Most bytes waiting to be written to a process before the gateway refuses to queue more. */
export const MAX_PENDING_WRITE_BYTES = 1024 * 1024;

/** The caller of the gateway's own requests (the handshake). */
const GATEWAY_CALLER = "\0gateway";

export interface ConnectionOptions extends Omit<ChildSpec, "maxPendingWriteBytes"> {
  /**
   * The gateway is the process's one client and serves many callers over it: request ids (and
   * progress tokens) are the connection's own on the wire and each answer gets its caller's id
   * back, so two callers' id 1 never collide. What only one client could answer (server requests)
   * or send (`initialize`, roots notifications) does not pass.
   */
  multiplexed: boolean;
  /** Time between SIGTERM and SIGKILL when the process is ended. */
  graceMs: number;
  /** The process exited; `expected` when the gateway ended it. */
  onExit(connection: Connection, detail: string, expected: boolean): void;
}

/**
 * JSON-RPC over one stdio server process, for the bridge. It sends a client's messages, routes
 * each answer to the channel of the request it answers, each progress notification to the
 * channel whose request carries its token, each subscription message to its `subscriptions/listen`
 * request, and what the server starts on its own (requests, other notifications) to the one call
 * in flight or else to the session's stream.
 */
export class Connection {
  readonly #options: ConnectionOptions;
  #child: Child | undefined;
  #nextId = 1;
  readonly #pending = new Map<JsonRpcId, Pending>();
  /** Multiplexed: the wire id of each caller's request, by `caller` and client id (for cancellations). */
  readonly #wireIds = new Map<string, JsonRpcId>();
  /** Channels with requests in flight, in the order they sent them. */
  readonly #calls = new Map<Channel, number>();
  /** Server-initiated messages that belong to no call. */
  readonly #streams = new Set<Channel>();
  #closed = false;
  /** When a client last sent something or got an answer (idle timeouts count from it). */
  lastActive = Date.now();
  exitDetail: string | undefined;
  /**
   * The server predates 2026-07-28 and was initialized by the gateway: the results it gives a
   * 2026-07-28 caller get the `resultType: "complete"` that revision requires of every result.
   */
  completesModernResults = false;
  readonly started = Date.now();

  constructor(options: ConnectionOptions) {
    this.#options = options;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get alive(): boolean {
    return this.#child !== undefined && !this.#child.exited && !this.#closed;
  }

  /** Calls in flight. */
  get busy(): boolean {
    return this.#calls.size > 0;
  }

  /** Starts the process; rejects (naming the upstream) when the command cannot be run. */
  async start(): Promise<void> {
    const spec: ChildSpec = { ...this.#options, maxPendingWriteBytes: MAX_PENDING_WRITE_BYTES };
    this.#child = await Child.start(spec, (event) => {
      if (event.kind === "message") this.#receive(event.message as Message, event.line);
      else if (event.kind === "oversized") this.#oversized(event.bytes);
      else this.#exit(event.code === null ? `was ended by ${event.signal ?? "a signal"}` : `exited with code ${event.code}`);
    });
  }

  /**
   * Sends a client's messages. Requests are answered on `channel`; the channel is `settled()`
   * once each has its answer. Throws MCPGW_ERR_UPSTREAM_EXITED when the process is gone and
   * MCPGW_ERR_UPSTREAM_OVERLOADED when it has stopped reading (too much waits to be written).
   */
  send(messages: readonly unknown[], channel: Channel): void {
    const child = this.#child;
    const { upstream } = this.#options;
    if (!child || !this.alive) throw GatewayError.from("MCPGW_ERR_UPSTREAM_EXITED", `stdio upstream "${upstream}" ${this.exitDetail ?? "is not running"}`);
    if (!child.writable) throw GatewayError.from("MCPGW_ERR_UPSTREAM_OVERLOADED", `stdio upstream "${upstream}" is not reading its input`);
    this.lastActive = Date.now();
    for (const message of messages as Message[]) {
      const isRequest = typeof message.method === "string" && message.id !== undefined && message.id !== null;
      if (isRequest) child.send(this.#request(message, channel));
      else if (!this.#options.multiplexed) child.send(JSON.stringify(message));
      else {
        const cancelled = this.#cancellation(message, channel);
        if (cancelled) child.send(cancelled);
      }
    }
  }

  /** Records a request and returns the line to write: its id (and progress token) the wire's own when multiplexed. */
  #request(message: Message, channel: Channel): string {
    const clientId = message.id as JsonRpcId;
    const progressToken = message.params?._meta?.progressToken;
    const modern = message.params?._meta?.[PROTOCOL_VERSION] === undefined ? undefined : message.method;
    this.#calls.set(channel, (this.#calls.get(channel) ?? 0) + 1);
    if (!this.#options.multiplexed) {
      this.#pending.set(clientId, { channel, clientId, progressToken, modern });
      return JSON.stringify(message);
    }
    const wireId = this.#nextId++;
    this.#pending.set(wireId, { channel, clientId, progressToken, modern });
    if (channel.caller) this.#wireIds.set(callerKey(channel.caller, clientId), wireId);
    const params = progressToken === undefined ? message.params : { ...message.params, _meta: { ...message.params!._meta, progressToken: wireId } };
    return JSON.stringify({ ...message, id: wireId, ...(params ? { params } : {}) });
  }

  /**
   * Multiplexed: of a client's notifications only a cancellation of its own request passes, with
   * the wire id; a stateless caller cancels by going away. Answers to server requests never pass
   * (the connection answers those itself), nor does `notifications/initialized`: the gateway did
   * the handshake.
   */
  #cancellation(message: Message, channel: Channel): string | undefined {
    if (message.method !== "notifications/cancelled" || !channel.caller) return undefined;
    const requestId = message.params?.requestId;
    if (typeof requestId !== "string" && typeof requestId !== "number") return undefined;
    const wireId = this.#wireIds.get(callerKey(channel.caller, requestId));
    if (wireId === undefined) return undefined;
    return JSON.stringify({ ...message, params: { ...message.params, requestId: wireId } });
  }

  /** The channel's client went away: the server is told to stop what it was doing for it. */
  cancel(channel: Channel, reason: string): void {
    for (const [wireId, pending] of this.#pending) {
      if (pending.channel !== channel) continue;
      this.#forget(wireId, pending);
      this.#child?.send(JSON.stringify({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: wireId, reason } }));
    }
    this.#calls.delete(channel);
  }

  #forget(wireId: JsonRpcId, pending: Pending): void {
    this.#pending.delete(wireId);
    if (this.#options.multiplexed && pending.channel.caller) this.#wireIds.delete(callerKey(pending.channel.caller, pending.clientId));
  }

  /**
   * A request the gateway makes on its own (the handshake of a multiplexed process): resolves
   * with the result or the server's error, rejects on the process's exit or after `timeoutMs`.
   */
  request(method: string, params: Record<string, unknown>, timeoutMs: number): Promise<{ result?: Record<string, unknown>; error?: unknown }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.cancel(channel, "timed out");
        reject(new Error(`did not answer ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      const channel: Channel = {
        caller: GATEWAY_CALLER,
        deliver: (json, answer) => {
          if (!answer) return;
          clearTimeout(timer);
          const { result, error } = JSON.parse(json) as Message;
          resolve(error !== undefined ? { error } : { result: (result ?? {}) as Record<string, unknown> });
        },
        settled: () => undefined,
        fail: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      try {
        this.send([{ jsonrpc: "2.0", id: 0, method, params }], channel);
      } catch (err) {
        clearTimeout(timer);
        reject(err as Error);
      }
    });
  }

  /** A notification the gateway sends on its own (`notifications/initialized` after its handshake). */
  notify(method: string): void {
    this.#child?.send(JSON.stringify({ jsonrpc: "2.0", method }));
  }

  /** A GET stream (or a listen) that receives what the server sends outside any call. */
  addStream(channel: Channel): () => void {
    this.#streams.add(channel);
    return () => this.#streams.delete(channel);
  }

  get streams(): number {
    return this.#streams.size;
  }

  #receive(message: Message, line: string): void {
    const isResponse = message.method === undefined && message.id !== undefined && message.id !== null && ("result" in message || "error" in message);
    if (isResponse) return this.#answer(message, line);
    if (message.method === "notifications/progress") {
      const pending = this.#progressOwner(message.params?.progressToken);
      if (pending) return pending.channel.deliver(this.#options.multiplexed ? JSON.stringify(withParam(message, "progressToken", pending.progressToken)) : line);
    }
    const subscription = message.params?._meta?.[SUBSCRIPTION_ID];
    const listener = subscription === undefined ? undefined : this.#pending.get(subscription as JsonRpcId);
    if (listener) return listener.channel.deliver(this.#options.multiplexed ? JSON.stringify(withSubscription(message, "params", listener.clientId)) : line);
    this.#unsolicited(line, message);
  }

  #answer(message: Message, line: string): void {
    const pending = this.#pending.get(message.id as JsonRpcId);
    if (!pending) return;
    this.#forget(message.id as JsonRpcId, pending);
    this.lastActive = Date.now();
    let json = line;
    if (this.#options.multiplexed) {
      const answer = withSubscription({ ...message, id: pending.clientId }, "result", pending.clientId);
      json = JSON.stringify(pending.modern && this.completesModernResults ? completed(answer, pending.modern) : answer);
    }
    pending.channel.deliver(json, { id: pending.clientId, error: message.error !== undefined });
    const left = (this.#calls.get(pending.channel) ?? 1) - 1;
    if (left > 0) this.#calls.set(pending.channel, left);
    else {
      this.#calls.delete(pending.channel);
      pending.channel.settled();
    }
  }

  #progressOwner(token: unknown): Pending | undefined {
    if (token === undefined) return undefined;
    if (this.#options.multiplexed) {
      const pending = this.#pending.get(token as JsonRpcId);
      return pending?.progressToken === undefined ? undefined : pending;
    }
    for (const pending of this.#pending.values()) if (pending.progressToken === token) return pending;
    return undefined;
  }

  /**
   * What the server sent on its own. A process of one client: to the one call in flight (an
   * elicitation during a tool call), else to the session's stream, else to the oldest call in
   * flight. A multiplexed process: a server request is refused (which caller would answer it?),
   * a notification goes to every stream.
   */
  #unsolicited(line: string, message: Message): void {
    const isRequest = message.id !== undefined && message.id !== null;
    if (this.#options.multiplexed) {
      if (isRequest) {
        const error = { code: -32601, message: "mcp-gateway serves this stdio server to many callers (mode: shared) and cannot pass a server request to one of them; use mode: per-session" };
        this.#child?.send(JSON.stringify({ jsonrpc: "2.0", id: message.id, error }));
      } else for (const stream of this.#streams) stream.deliver(line);
      return;
    }
    const calls = [...this.#calls.keys()];
    if (calls.length === 1) return calls[0]!.deliver(line);
    if (this.#streams.size) {
      for (const stream of this.#streams) stream.deliver(line);
      return;
    }
    calls[0]?.deliver(line);
  }

  /** A line past `maxMessageBytes`: the calls in flight cannot be answered (their answer may be it). */
  #oversized(bytes: number): void {
    const { upstream, maxMessageBytes, log } = this.#options;
    const err = GatewayError.from(
      "MCPGW_ERR_UPSTREAM_RESPONSE_TOO_LARGE",
      `stdio upstream "${upstream}" wrote a message of ${bytes} bytes, more than its maxMessageBytes (${maxMessageBytes}); it was discarded`,
    );
    log.warn({ upstream, pid: this.pid, bytes }, "stdio upstream message too large; discarded");
    for (const channel of [...this.#calls.keys()]) {
      this.cancel(channel, "answer too large");
      channel.fail(err);
    }
  }

  #exit(detail: string): void {
    if (this.exitDetail !== undefined) return;
    this.exitDetail = detail;
    const err = GatewayError.from("MCPGW_ERR_UPSTREAM_EXITED", `stdio upstream "${this.#options.upstream}" ${detail}`);
    const channels = new Set([...this.#calls.keys(), ...this.#streams]);
    this.#pending.clear();
    this.#wireIds.clear();
    this.#calls.clear();
    this.#streams.clear();
    for (const channel of channels) channel.fail(err);
    if (!this.#closed) this.#options.log.warn({ upstream: this.#options.upstream, pid: this.pid, exit: detail }, "stdio upstream process exited");
    this.#options.onExit(this, detail, this.#closed);
  }

  /** Ends the process (and its group). Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#child?.stop(this.#options.graceMs);
  }
}

function callerKey(caller: string, clientId: JsonRpcId): string {
  return `${caller}\n${typeof clientId}:${clientId}`;
}

function withParam(message: Message, name: string, value: unknown): Message {
  return { ...message, params: { ...message.params, [name]: value } };
}

/** The message with its subscription id (in `params._meta` or `result._meta`) set back to the client's id of the listen request. */
function withSubscription(message: Message, where: "params" | "result", clientId: JsonRpcId): Message {
  const holder = message[where] as { _meta?: Record<string, unknown> } | undefined;
  if (holder?._meta?.[SUBSCRIPTION_ID] === undefined) return message;
  return { ...message, [where]: { ...holder, _meta: { ...holder._meta, [SUBSCRIPTION_ID]: clientId } } };
}

/** Methods whose 2026-07-28 results must carry caching hints. */
const CACHEABLE = new Set(["server/discover", "tools/list", "prompts/list", "resources/list", "resources/templates/list", "resources/read"]);

/**
 * A legacy server's result as a 2026-07-28 caller must read it: `resultType: "complete"` (what
 * that revision says an absent one means) and, on a cacheable result, the most cautious caching
 * hints (stale at once, private), which the server did not know to give.
 */
function completed(message: Message, method: string): Message {
  const result = message.result as Record<string, unknown> | undefined;
  if (typeof result !== "object" || result === null || Array.isArray(result) || "resultType" in result) return message;
  const hints = CACHEABLE.has(method) ? { ttlMs: 0, cacheScope: "private" } : {};
  return { ...message, result: { resultType: "complete", ...hints, ...result } };
}
