import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import type { Dispatcher } from "undici";
import type { McpCall } from "../context.js";
import { GatewayError } from "../errors.js";
import type { GatewayHooks } from "../hooks.js";
import { formatEvent, SseParser, type SseEvent } from "../mcp/sse.js";
import { filterResponseHeaders } from "./headers.js";
import { transformJson, transformSse } from "./transform.js";
import { releaseRawHeaders, upstreamFailure, type Upstream } from "./upstream.js";
import type { Context, Cuttable } from "../request-context.js";
import { errorBody, errorEvents, sendError } from "../respond.js";

export interface ForwardRequest {
  /** The request; its `res` receives the answer, and the forwarding registers as its `cutter`. */
  ctx: Context;
  upstream: Upstream;
  method: Dispatcher.HttpMethod;
  headers: Record<string, string>;
  body: Buffer | string | undefined;
  hooks: GatewayHooks;
  /** Responses to these calls are buffered and run through `transformResult`. */
  transform: Map<unknown, McpCall> | undefined;
  /** A GET stream or `subscriptions/listen`: sent on the upstream's stream pool. */
  longLived: boolean;
  /** Registers an open event stream so shutdown can end it; returns the unregister function. */
  trackStream(end: () => void, upstream?: Upstream): () => void;
  /** Federation: rewrites each event of an event-stream answer as it arrives (undefined drops it). */
  rewriteEvent?: (event: SseEvent) => SseEvent | undefined;
  /** The subject a per-session stdio process is bound to (single upstream; federation binds its own sessions). */
  caller?: string;
  /** Federation: response headers set over the upstream's (the gateway's session id). */
  responseHeaders?: Readonly<Record<string, string>>;
}

/** How the forwarding ended, for `ctx.outcome`. */
export type ForwardResult =
  | { kind: "served"; statusCode: number }
  | { kind: "aborted"; statusCode: number }
  | { kind: "failed"; statusCode: number; message: string };

function isEventStream(contentType: unknown): boolean {
  return typeof contentType === "string" && contentType.startsWith("text/event-stream");
}

class ClientGone extends Error {
  override readonly name = "ClientGone";
}

class GatewayClosing extends Error {
  override readonly name = "GatewayClosing";
}

/**
 * An undici dispatch handler that writes the upstream's answer straight into the client's
 * response: no intermediate Readable, no stream.pipeline, no AbortController per request.
 * Upstream backpressure follows the client (pause on a full socket, resume on drain), and a
 * client that leaves aborts the upstream request, so no upstream stream outlives its client.
 */
class ProxyHandler implements Dispatcher.DispatchHandler, Cuttable {
  private controller: Dispatcher.DispatchController | undefined;
  private statusCode = 0;
  private buffered: Buffer[] | undefined;
  private bufferedBytes = 0;
  /** Set when the answer grew past what the gateway reads whole: the upstream request was aborted for it. */
  private tooLarge: GatewayError | undefined;
  private headers: IncomingHttpHeaders | undefined;
  private stream = false;
  private untrack: (() => void) | undefined;
  private parser: SseParser | undefined;
  private endedByGateway = false;
  /** Shutdown ended the answer with this error. */
  private cutBy: GatewayError | undefined;
  private clientGone = false;
  private readonly onDrain = () => this.controller?.resume();
  private readonly res: Context["res"];
  private readonly onClose = () => {
    if (this.res.writableFinished) return;
    this.clientGone = true;
    this.controller?.abort(new ClientGone("client closed the connection"));
  };

  constructor(
    private readonly request: ForwardRequest,
    private readonly resolve: (result: ForwardResult) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    this.res = request.ctx.res;
    this.res.on("close", this.onClose);
    request.ctx.cutter = this;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    this.request.ctx.timings.upstreamStart = performance.now();
    if (this.res.destroyed) this.onClose();
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    releaseRawHeaders(controller);
    if (this.cutBy) return;
    const { ctx, transform } = this.request;
    const { res } = this;
    ctx.timings.upstreamHeaders = performance.now();
    this.statusCode = statusCode;
    this.stream = isEventStream(headers["content-type"]);
    // Any success may carry the result a plugin rewrites (a list filtered by policy): an upstream
    // answering 203 instead of 200 must not get it past the filter.
    if (transform && statusCode >= 200 && statusCode < 300) {
      this.buffered = [];
      this.headers = headers;
      return;
    }
    const out = this.responseHeaders(headers, !this.stream);
    if (this.stream) out["x-accel-buffering"] = "no";
    res.writeHead(statusCode, out);
    if (this.stream && this.request.rewriteEvent) this.parser = new SseParser(this.request.upstream.maxBufferedBytes);
    if (this.stream) {
      // Push headers out now: an event stream may not send its first event for a while.
      res.flushHeaders();
      // Only streams that never end by themselves are cut at shutdown; an SSE answer to a call
      // drains like any in-flight request.
      if (this.request.longLived) this.untrack = this.request.trackStream(() => this.endByGateway(), this.request.upstream);
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.cutBy) return;
    if (this.buffered) {
      this.bufferedBytes += chunk.length;
      if (this.bufferedBytes > this.request.upstream.maxBufferedBytes) {
        const { upstream } = this.request;
        this.tooLarge = GatewayError.from(
          "MCPGW_ERR_UPSTREAM_RESPONSE_TOO_LARGE",
          `Upstream "${upstream.name}" answered more than ${upstream.maxBufferedBytes} bytes (server.maxBufferedResponseBytes) where the gateway must read the whole answer`,
        );
        this.buffered = [];
        controller.abort(this.tooLarge);
        return;
      }
      this.buffered.push(chunk);
      return;
    }
    let written: boolean;
    try {
      written = this.write(chunk);
    } catch (err) {
      // An event past the limit: the stream is broken; end it rather than hold it whole.
      controller.abort(err as Error);
      return;
    }
    if (!written) {
      controller.pause();
      this.res.once("drain", this.onDrain);
    }
  }

  /** Writes a chunk of the answer, event by event when events are rewritten; false when the client is full. */
  private write(chunk: Buffer): boolean {
    const { res } = this;
    if (!this.parser) return res.write(chunk);
    const out = this.rewritten(this.parser.push(chunk));
    return out ? res.write(out) : true;
  }

  private rewritten(events: readonly SseEvent[]): string {
    const { rewriteEvent } = this.request;
    let out = "";
    for (const parsed of events) {
      const event = rewriteEvent!(parsed);
      if (event) out += formatEvent(event);
    }
    return out;
  }

  private responseHeaders(headers: IncomingHttpHeaders, keepLength: boolean): OutgoingHttpHeaders {
    const out = filterResponseHeaders(headers, keepLength);
    return this.request.responseHeaders ? Object.assign(out, this.request.responseHeaders) : out;
  }

  onResponseEnd(): void {
    this.untrack?.();
    if (this.cutBy) return this.resolve({ kind: "failed", statusCode: this.res.statusCode, message: this.cutBy.message });
    if (this.buffered) {
      this.finishTransformed(Buffer.concat(this.buffered, this.bufferedBytes)).then(this.resolve, this.reject);
      return;
    }
    let rest: string | undefined;
    try {
      rest = this.parser && this.rewritten(this.parser.end(true));
    } catch {
      rest = undefined;
    }
    this.res.end(rest || undefined);
    this.resolve({ kind: "served", statusCode: this.statusCode });
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.untrack?.();
    const { ctx, upstream } = this.request;
    const { res } = this;
    if (this.endedByGateway) return this.resolve({ kind: "served", statusCode: this.statusCode });
    if (this.cutBy) return this.resolve({ kind: "failed", statusCode: res.statusCode, message: this.cutBy.message });
    if (this.tooLarge) return this.reject(this.tooLarge);
    if (this.clientGone || err instanceof ClientGone) return this.resolve({ kind: "aborted", statusCode: this.statusCode || 499 });
    if (!res.headersSent) return this.reject(upstreamFailure(err, upstream));
    ctx.log.warn({ err, upstream: upstream.name }, "upstream stream failed mid-response");
    res.destroy();
    this.resolve({ kind: "failed", statusCode: this.statusCode, message: "upstream stream ended abruptly" });
  }

  /**
   * Shutdown, past the drain time: the client reads why its call ended (an error response, or an
   * error event per request on an event stream under way) before the connection closes, and the
   * upstream request is let go. A JSON answer half sent can only be cut.
   */
  cut(err: GatewayError): void {
    const { ctx } = this.request;
    const { res } = this;
    this.cutBy = err;
    if (!res.headersSent) {
      res.setHeader("connection", "close");
      sendError(res, err, errorBody(err, ctx.messages, ctx.calls, ctx.batch, ctx.id));
    } else if (this.stream) res.end(errorEvents(err, ctx.calls, ctx.id));
    else res.destroy();
    this.controller?.abort(new GatewayClosing("gateway is shutting down"));
  }

  /** Shutdown: the client sees a finished response, not a reset; the upstream stream is let go. */
  private endByGateway(): void {
    this.endedByGateway = true;
    this.res.end();
    this.controller?.abort(new GatewayClosing("gateway is shutting down"));
  }

  private async finishTransformed(body: Buffer): Promise<ForwardResult> {
    const { ctx, hooks, transform, upstream, rewriteEvent } = this.request;
    const { res } = this;
    let out: string;
    try {
      if (body.length === 0) out = "";
      else if (this.stream) out = await transformSse(body, hooks, ctx, transform!, { upstream: upstream.name, maxEventBytes: upstream.maxBufferedBytes, rewriteEvent });
      else out = await transformJson(body.toString("utf8"), hooks, ctx, transform!, upstream.name);
    } catch (err) {
      if ((err as { plugin?: string }).plugin || err instanceof GatewayError) throw err;
      throw GatewayError.from("MCPGW_ERR_UPSTREAM_BAD_RESPONSE", undefined, { cause: err });
    }
    if (res.destroyed) return { kind: "aborted", statusCode: this.statusCode };
    const headers = this.responseHeaders(this.headers!, false);
    headers["content-length"] = Buffer.byteLength(out);
    if (this.stream) headers["x-accel-buffering"] = "no";
    res.writeHead(this.statusCode, headers);
    res.end(out);
    return { kind: "served", statusCode: this.statusCode };
  }
}

/**
 * Sends the request upstream and streams the answer to the client as it arrives, status and
 * headers intact. Rejects with a GatewayError (502/504) only before anything was written.
 */
export function forward(request: ForwardRequest): Promise<ForwardResult> {
  const { upstream } = request;
  return new Promise((resolve, reject) => {
    (request.longLived ? upstream.streams : upstream.pool).dispatch(
      {
        path: upstream.path,
        method: request.method,
        headers: request.headers,
        body: request.body ?? null,
        headersTimeout: upstream.timeoutMs,
        // Event streams may stay quiet for a long time; the client's disconnect ends them.
        bodyTimeout: 0,
        ...(request.caller === undefined ? {} : { caller: request.caller }),
      },
      new ProxyHandler(request, resolve, reject),
    );
  });
}
