import type { IncomingHttpHeaders } from "node:http";
import type { Dispatcher } from "undici";
import { GatewayError } from "../../errors.js";
import { errorObject } from "../../respond.js";
import type { Answer, Channel, JsonRpcId } from "./connection.js";

export interface ExchangeLimits {
  /** The upstream's name, for errors. */
  upstream: string;
  /** Time until the answer starts (undici's `headersTimeout`); 0 waits for ever. */
  headersTimeout: number;
  /** Longest silence once it has started (undici's `bodyTimeout`); 0 waits for ever. */
  bodyTimeout: number;
  /** Most bytes written to a client that stopped reading before the exchange is ended. */
  maxPausedBytes: number;
}

/**
 * One request to the bridge, answered through an undici dispatch handler exactly as an HTTP
 * upstream's answer would be: status and headers, then the body, as JSON or as an event stream,
 * within the same timeouts. The code that forwards, fans out and merges streams therefore serves
 * stdio upstreams unchanged.
 */
export class BridgeExchange implements Channel {
  readonly controller: Dispatcher.DispatchController;
  caller = "";
  /** Response headers of the answer, whenever it starts (the session id of a new session). */
  headers: Record<string, string> = {};
  #started = false;
  #ended = false;
  /** What the dispatch controller reports. */
  readonly #state: { aborted: boolean; paused: boolean; reason: Error | null } = { aborted: false, paused: false, reason: null };
  #pausedBytes = 0;
  readonly #onAbort: ((reason: Error) => void)[] = [];
  /** JSON answers wait here until every request of the body has its answer. */
  #collected: string[] | undefined;
  #batch = false;
  #timer: NodeJS.Timeout | undefined;
  /** The timer running is the body timeout, refreshed by each message. */
  #quietTimer = false;
  /** Client ids of the requests sent and not answered yet: a failure answers each. */
  readonly #waiting = new Set<JsonRpcId>();

  constructor(
    private readonly handler: Dispatcher.DispatchHandler,
    private readonly limits: ExchangeLimits,
  ) {
    const state = this.#state;
    this.controller = {
      get aborted() {
        return state.aborted;
      },
      get paused() {
        return state.paused;
      },
      get reason() {
        return state.reason;
      },
      rawHeaders: null,
      rawTrailers: null,
      pause: () => {
        state.paused = true;
      },
      resume: () => {
        state.paused = false;
        this.#pausedBytes = 0;
      },
      abort: (reason: Error) => this.#abort(reason),
    };
    handler.onRequestStart?.(this.controller, {});
    if (limits.headersTimeout > 0) this.deadline(limits.headersTimeout, () => this.#timeout(limits.headersTimeout));
  }

  get done(): boolean {
    return this.#ended;
  }

  /** Called when the consumer aborts (the client went away, the gateway is closing) or a timeout ends the exchange. */
  onAbort(listener: (reason: Error) => void): void {
    this.#onAbort.push(listener);
  }

  /** Ends the exchange with `make()` unless it has started by then (replaces the headers timeout). */
  deadline(ms: number, make: () => GatewayError): void {
    this.#clear();
    this.#quietTimer = false;
    this.#timer = setTimeout(() => this.#abort(make()), ms);
    this.#timer.unref();
  }

  /** Answers now, with a body known whole. */
  respond(status: number, headers: IncomingHttpHeaders, body: string): void {
    if (this.#ended) return;
    this.#clear();
    const bytes = Buffer.from(body);
    this.#started = true;
    this.handler.onResponseStart?.(this.controller, status, { ...this.headers, ...headers, "content-length": String(bytes.length) }, "");
    if (bytes.length && !this.#state.aborted) this.handler.onResponseData?.(this.controller, bytes);
    this.#end();
  }

  /** The requests (client ids) this exchange sent. */
  expect(ids: readonly JsonRpcId[]): void {
    for (const id of ids) this.#waiting.add(id);
  }

  /** Starts an event stream: each delivered message becomes an event as it arrives. */
  startStream(): void {
    if (this.#ended || this.#started) return;
    this.#started = true;
    this.#clear();
    this.handler.onResponseStart?.(this.controller, 200, { "content-type": "text/event-stream", "cache-control": "no-cache", ...this.headers }, "");
    this.#quietFor();
  }

  /** Collects the answers to send them as one JSON body (a client that accepts no event stream). */
  collect(batch: boolean): void {
    this.#collected = [];
    this.#batch = batch;
  }

  deliver(json: string, answer?: Answer): void {
    if (this.#ended) return;
    if (answer) this.#waiting.delete(answer.id);
    if (this.#collected) {
      // Only answers go into a JSON body; what the server sends meanwhile has no place in it.
      if (answer) this.#collected.push(json);
      return;
    }
    if (!this.#started) this.startStream();
    const event = Buffer.from(`event: message\ndata: ${json}\n\n`);
    if (this.#state.paused) {
      this.#pausedBytes += event.length;
      if (this.#pausedBytes > this.limits.maxPausedBytes) {
        this.#abort(new Error(`the client read nothing while ${this.#pausedBytes} bytes waited for it`));
        return;
      }
    }
    this.handler.onResponseData?.(this.controller, event);
    this.#quietFor();
  }

  settled(): void {
    if (this.#ended) return;
    if (this.#collected) {
      const collected = this.#collected;
      this.#collected = undefined;
      return this.respond(200, { "content-type": "application/json" }, this.#batch ? `[${collected.join(",")}]` : (collected[0] ?? ""));
    }
    this.#end();
  }

  /**
   * The process failed: before the answer started, the failure reaches the gateway as the
   * upstream's error (the client gets it as a JSON-RPC error with its status); after, as an error
   * event per request still waiting.
   */
  fail(err: GatewayError): void {
    if (this.#ended) return;
    this.#clear();
    if (!this.#started) {
      this.#ended = true;
      this.handler.onResponseError?.(this.controller, err);
      return;
    }
    const error = errorObject(err);
    for (const id of [...this.#waiting]) this.deliver(JSON.stringify({ jsonrpc: "2.0", id, error }), { id, error: true });
    this.#end();
  }

  #abort(reason: Error): void {
    if (this.#state.aborted || this.#ended) return;
    this.#state.aborted = true;
    this.#state.reason = reason;
    this.#clear();
    for (const listener of this.#onAbort) listener(reason);
    this.#ended = true;
    this.handler.onResponseError?.(this.controller, reason);
  }

  #timeout(ms: number): GatewayError {
    return GatewayError.from("MCPGW_ERR_UPSTREAM_TIMEOUT", `Upstream "${this.limits.upstream}" did not answer within ${ms} ms`);
  }

  /** A started answer that goes quiet for longer than `bodyTimeout` ends, as undici ends one. */
  #quietFor(): void {
    const ms = this.limits.bodyTimeout;
    if (ms <= 0) return;
    if (this.#quietTimer && this.#timer) {
      this.#timer.refresh();
      return;
    }
    this.deadline(ms, () => this.#timeout(ms));
    this.#quietTimer = true;
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#clear();
    if (!this.#state.aborted) this.handler.onResponseEnd?.(this.controller, {});
  }

  #clear(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
