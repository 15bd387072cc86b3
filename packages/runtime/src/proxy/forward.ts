import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Dispatcher } from "undici";
import type { McpCall, RequestContext } from "../context.js";
import { GatewayError } from "../errors.js";
import type { GatewayHooks } from "../hooks.js";
import { formatEvent, parseEvent, SseSplitter, type SseEvent } from "../federation/sse.js";
import { filterResponseHeaders } from "./headers.js";
import { transformJson, transformSse } from "./transform.js";
import { releaseRawHeaders, upstreamFailure, type Upstream } from "./upstream.js";

export interface ForwardRequest {
  ctx: RequestContext;
  upstream: Upstream;
  method: Dispatcher.HttpMethod;
  headers: Record<string, string>;
  body: Buffer | string | undefined;
  res: ServerResponse;
  hooks: GatewayHooks;
  /** Responses to these calls are buffered and run through `transformResult`. */
  transform: Map<unknown, McpCall> | undefined;
  /** A GET stream or `subscriptions/listen`: sent on the upstream's stream pool. */
  longLived: boolean;
  /** Registers an open event stream so shutdown can end it; returns the unregister function. */
  trackStream(end: () => void): () => void;
  /** Federation: rewrites each event of an event-stream answer as it arrives (undefined drops it). */
  rewriteEvent?: (event: SseEvent) => SseEvent | undefined;
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
class ProxyHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private statusCode = 0;
  private buffered: Buffer[] | undefined;
  private headers: IncomingHttpHeaders | undefined;
  private stream = false;
  private untrack: (() => void) | undefined;
  private splitter: SseSplitter | undefined;
  private endedByGateway = false;
  private clientGone = false;
  private readonly onDrain = () => this.controller?.resume();
  private readonly onClose = () => {
    if (this.request.res.writableFinished) return;
    this.clientGone = true;
    this.controller?.abort(new ClientGone("client closed the connection"));
  };

  constructor(
    private readonly request: ForwardRequest,
    private readonly resolve: (result: ForwardResult) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    request.res.on("close", this.onClose);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    this.request.ctx.timings.upstreamStart = performance.now();
    if (this.request.res.destroyed) this.onClose();
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    releaseRawHeaders(controller);
    const { ctx, res, transform } = this.request;
    ctx.timings.upstreamHeaders = performance.now();
    this.statusCode = statusCode;
    this.stream = isEventStream(headers["content-type"]);
    if (transform && statusCode === 200) {
      this.buffered = [];
      this.headers = headers;
      return;
    }
    const out = this.responseHeaders(headers, !this.stream);
    if (this.stream) out["x-accel-buffering"] = "no";
    res.writeHead(statusCode, out);
    if (this.stream && this.request.rewriteEvent) this.splitter = new SseSplitter();
    if (this.stream) {
      // Push headers out now: an event stream may not send its first event for a while.
      res.flushHeaders();
      // Only streams that never end by themselves are cut at shutdown; an SSE answer to a call
      // drains like any in-flight request.
      if (this.request.longLived) this.untrack = this.request.trackStream(() => this.endByGateway());
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.buffered) {
      this.buffered.push(chunk);
      return;
    }
    if (!this.write(chunk)) {
      controller.pause();
      this.request.res.once("drain", this.onDrain);
    }
  }

  /** Writes a chunk of the answer, event by event when events are rewritten; false when the client is full. */
  private write(chunk: Buffer): boolean {
    const { res, rewriteEvent } = this.request;
    if (!this.splitter || !rewriteEvent) return res.write(chunk);
    let out = "";
    for (const block of this.splitter.push(chunk)) {
      const event = rewriteEvent(parseEvent(block));
      if (event) out += formatEvent(event);
    }
    return out ? res.write(out) : true;
  }

  private responseHeaders(headers: IncomingHttpHeaders, keepLength: boolean): OutgoingHttpHeaders {
    const out = filterResponseHeaders(headers, keepLength);
    return this.request.responseHeaders ? Object.assign(out, this.request.responseHeaders) : out;
  }

  onResponseEnd(): void {
    this.untrack?.();
    if (this.buffered) {
      this.finishTransformed(Buffer.concat(this.buffered).toString("utf8")).then(this.resolve, this.reject);
      return;
    }
    const rest = this.splitter?.rest();
    this.request.res.end(rest || undefined);
    this.resolve({ kind: "served", statusCode: this.statusCode });
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.untrack?.();
    const { res, ctx, upstream } = this.request;
    if (this.endedByGateway) return this.resolve({ kind: "served", statusCode: this.statusCode });
    if (this.clientGone || err instanceof ClientGone) return this.resolve({ kind: "aborted", statusCode: this.statusCode || 499 });
    if (!res.headersSent) return this.reject(upstreamFailure(err, upstream));
    ctx.log.warn({ err, upstream: upstream.name }, "upstream stream failed mid-response");
    res.destroy();
    this.resolve({ kind: "failed", statusCode: this.statusCode, message: "upstream stream ended abruptly" });
  }

  /** Shutdown: the client sees a finished response, not a reset; the upstream stream is let go. */
  private endByGateway(): void {
    this.endedByGateway = true;
    this.request.res.end();
    this.controller?.abort(new GatewayClosing("gateway is shutting down"));
  }

  /** A whole buffered event stream through `rewriteEvent`. */
  private rewriteAll(text: string): string {
    const { rewriteEvent } = this.request;
    if (!rewriteEvent) return text;
    const splitter = new SseSplitter();
    const blocks = splitter.push(Buffer.from(`${text}\n\n`, "utf8"));
    return blocks
      .map((block) => rewriteEvent(parseEvent(block)))
      .filter((event) => event !== undefined)
      .map(formatEvent)
      .join("");
  }

  private async finishTransformed(text: string): Promise<ForwardResult> {
    const { ctx, res, hooks, transform } = this.request;
    let out: string;
    try {
      out = this.stream ? await transformSse(this.rewriteAll(text), hooks, ctx, transform!) : await transformJson(text, hooks, ctx, transform!);
    } catch (err) {
      if ((err as { plugin?: string }).plugin) throw err;
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
      },
      new ProxyHandler(request, resolve, reject),
    );
  });
}
