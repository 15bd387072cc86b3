import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import type { Dispatcher } from "undici";
import type { Logger } from "pino";
import type { JsonRpcId } from "../context.js";
import { GatewayError } from "../errors.js";
import type { ForwardResult } from "../upstream/forward.js";
import { releaseRawHeaders, type Upstream } from "../upstream/upstream.js";
import { eventMessage, formatEvent, SseParser, type SseEvent } from "../mcp/sse.js";

/** One upstream stream to merge into the client's. */
export interface FanInSource {
  upstream: Upstream;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string | Buffer;
  /** Rewrites each event (ids tagged with the upstream); undefined drops it. */
  rewriteEvent(event: SseEvent): SseEvent | undefined;
}

/** Modern `subscriptions/listen`: one acknowledgment for all upstreams, one graceful end for all. */
export interface ListenOptions {
  id: JsonRpcId;
}

export interface FanInOptions {
  res: ServerResponse;
  sources: readonly FanInSource[];
  /** Headers of the client's event stream, over the defaults (the gateway's session id). */
  responseHeaders: Readonly<Record<string, string>>;
  listen?: ListenOptions;
  trackStream(end: () => void, upstream?: Upstream): () => void;
  log: Logger;
}

const ACKNOWLEDGED = "notifications/subscriptions/acknowledged";
const SUBSCRIPTION_ID_META_KEY = "io.modelcontextprotocol/subscriptionId";

/** What one upstream stream is doing. */
interface SourceState {
  source: FanInSource;
  controller?: Dispatcher.DispatchController;
  /** HTTP status once its headers arrived; 0 while waiting. */
  status: number;
  open: boolean;
  done: boolean;
  parser: SseParser;
  /** listen: the upstream's acknowledgment, once it came. */
  ack?: Record<string, unknown>;
  /** listen: the upstream answered the listen request (a graceful end). */
  completed: boolean;
  /** Events held until the client's stream starts (and, for listen, until the merged ack is out). */
  held: string[];
}

/**
 * Merges the event streams of several upstreams into the client's one: the legacy GET stream of a
 * federated session, or a modern `subscriptions/listen`. The client's stream starts once every
 * upstream has answered (at most their `timeoutMs`); upstreams without a stream (405) are left
 * out. Backpressure from the client pauses every upstream; a client that leaves closes them all;
 * the stream ends when the last upstream stream ends.
 */
export function fanIn(options: FanInOptions): Promise<ForwardResult> {
  const { res, listen } = options;
  const states: SourceState[] = options.sources.map((source) => ({ source, status: 0, open: false, done: false, parser: new SseParser(source.upstream.maxBufferedBytes), completed: false, held: [] }));
  let started = false;
  let ackSent = !listen;
  let untrack: (() => void) | undefined;
  let settled = false;

  return new Promise<ForwardResult>((resolve, reject) => {
    const settle = (result: ForwardResult | GatewayError) => {
      if (settled) return;
      settled = true;
      untrack?.();
      res.off("close", onClientClose);
      if (result instanceof GatewayError) reject(result);
      else resolve(result);
    };
    const abortAll = (reason: string) => {
      for (const state of states) if (!state.done) state.controller?.abort(new Error(reason));
    };
    const onClientClose = () => {
      if (res.writableFinished) return;
      abortAll("client closed the connection");
      settle({ kind: "aborted", statusCode: started ? 200 : 499 });
    };
    res.on("close", onClientClose);
    const onDrain = () => {
      for (const state of states) if (!state.done) state.controller?.resume();
    };

    const write = (text: string) => {
      if (!text || res.destroyed) return;
      if (!res.write(text)) {
        for (const state of states) if (!state.done) state.controller?.pause();
        res.once("drain", onDrain);
      }
    };

    /** Once every upstream answered: start the client's stream, or answer why there is none. */
    const decide = () => {
      if (started || states.some((state) => state.status === 0 && !state.done)) return;
      if (!states.some((state) => state.open)) {
        abortAll("no stream");
        const statuses = states.map((state) => state.status);
        if (statuses.length && statuses.every((status) => status === 405)) {
          return settle(GatewayError.from("MCPGW_ERR_METHOD_NOT_ALLOWED", "No upstream of this session offers an event stream", { headers: { allow: "POST, DELETE" } }));
        }
        if (statuses.includes(404)) return settle(GatewayError.from("MCPGW_ERR_SESSION_NOT_FOUND"));
        // Every upstream refusing the same way (a GET without a session: 400) is the client's to fix.
        const [first] = statuses;
        if (first !== undefined && first >= 400 && first < 500 && statuses.every((status) => status === first)) {
          return settle(GatewayError.from("MCPGW_ERR_UPSTREAMS_REFUSED", `Every upstream refused the event stream (HTTP ${first})`, { status: first }));
        }
        return settle(GatewayError.from("MCPGW_ERR_UPSTREAM_UNREACHABLE", "No upstream stream could be opened"));
      }
      started = true;
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache, no-transform",
        "x-accel-buffering": "no",
        ...options.responseHeaders,
      });
      res.flushHeaders();
      untrack = options.trackStream(() => {
        abortAll("gateway is shutting down");
        res.end();
        settle({ kind: "served", statusCode: 200 });
      });
      flush();
    };

    /** Writes what is held, in arrival order per upstream, once it may go out. */
    const flush = () => {
      if (!started) return;
      if (!ackSent && states.every((state) => !state.open || state.ack || state.done)) {
        ackSent = true;
        write(formatEvent({ other: [], id: undefined, data: JSON.stringify(mergedAck(states, listen!.id)) }));
      }
      if (!ackSent) return;
      for (const state of states) {
        if (state.held.length) write(state.held.splice(0).join(""));
      }
    };

    const finishIfLast = () => {
      if (!started || states.some((state) => state.open && !state.done)) return;
      flush();
      if (listen && states.every((state) => !state.open || state.completed)) {
        write(formatEvent({ other: [], id: undefined, data: JSON.stringify(completion(listen.id)) }));
      }
      res.end();
      settle({ kind: "served", statusCode: 200 });
    };

    const onEvent = (state: SourceState, parsed: SseEvent) => {
      const message = eventMessage(parsed) as { id?: unknown; method?: unknown; params?: Record<string, unknown> } | undefined;
      if (listen && message) {
        if (message.method === ACKNOWLEDGED && !state.ack) {
          state.ack = message.params ?? {};
          return flush();
        }
        if (message.method === undefined && message.id === listen.id) {
          state.completed = true;
          return;
        }
      }
      const event = state.source.rewriteEvent(parsed);
      if (!event) return;
      const text = formatEvent(event);
      if (started && ackSent && !state.held.length) write(text);
      else state.held.push(text);
    };

    for (const state of states) {
      const { upstream } = state.source;
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(controller) {
          state.controller = controller;
          if (settled) controller.abort(new Error("client closed the connection"));
        },
        onResponseStart(controller, statusCode, headers: IncomingHttpHeaders) {
          releaseRawHeaders(controller);
          state.status = statusCode;
          state.open = statusCode === 200 && String(headers["content-type"] ?? "").startsWith("text/event-stream");
          if (!state.open) {
            state.done = true;
            state.controller?.abort(new Error("not an event stream"));
          }
          decide();
        },
        onResponseData(_controller, chunk: Buffer) {
          try {
            for (const event of state.parser.push(chunk)) onEvent(state, event);
          } catch (err) {
            options.log.warn({ err, upstream: upstream.name }, "upstream event stream unreadable; closing it");
            state.controller?.abort(err as Error);
          }
        },
        onResponseEnd() {
          state.done = true;
          decide();
          finishIfLast();
        },
        onResponseError(_controller, err) {
          const wasOpen = state.open && !state.done;
          state.done = true;
          if (settled) return;
          if (wasOpen) options.log.warn({ err, upstream: upstream.name }, "upstream event stream ended abruptly");
          else if (!state.open && state.status === 0) state.status = 502;
          decide();
          finishIfLast();
        },
      };
      upstream.streams.dispatch(
        { path: upstream.path, method: state.source.method, headers: state.source.headers, body: state.source.body ?? null, headersTimeout: upstream.timeoutMs, bodyTimeout: 0 },
        handler,
      );
    }
  });
}

/** The one acknowledgment the client gets: what any upstream agreed to honour. */
function mergedAck(states: readonly SourceState[], id: JsonRpcId): Record<string, unknown> {
  const notifications: Record<string, unknown> = {};
  const uris = new Set<string>();
  for (const state of states) {
    const agreed = (state.ack?.notifications ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(agreed)) {
      if (key === "resourceSubscriptions" && Array.isArray(value)) value.forEach((uri) => typeof uri === "string" && uris.add(uri));
      else if (value === true) notifications[key] = true;
    }
  }
  if (uris.size) notifications.resourceSubscriptions = [...uris];
  return { jsonrpc: "2.0", method: ACKNOWLEDGED, params: { _meta: { [SUBSCRIPTION_ID_META_KEY]: id }, notifications } };
}

function completion(id: JsonRpcId): Record<string, unknown> {
  return { jsonrpc: "2.0", id, result: { resultType: "complete", _meta: { [SUBSCRIPTION_ID_META_KEY]: id } } };
}
