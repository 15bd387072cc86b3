import type { IncomingHttpHeaders } from "node:http";
import { GatewayError } from "../errors.js";
import { upstreamFailure, type Upstream } from "./upstream.js";
import { eventMessage, eventsOf } from "../mcp/sse.js";

export interface Exchanged {
  status: number;
  headers: IncomingHttpHeaders;
  /** The JSON-RPC response to the request (its `result` or `error`), found by id. */
  response: { result?: unknown; error?: { code?: unknown; message?: unknown } } | undefined;
}

/** JSON-RPC "method not found": an upstream without the feature, which a merge treats as empty. */
export const METHOD_NOT_FOUND = -32601;

/**
 * An upstream's JSON-RPC error answer during a fan-out. Kept apart from transport failures so a
 * merge can tell "this upstream has no prompts" (-32601) from "this upstream is down".
 */
export class UpstreamRpcError extends Error {
  override readonly name = "UpstreamRpcError";
  constructor(
    readonly upstream: string,
    readonly code: number | undefined,
    message: string,
  ) {
    super(`upstream "${upstream}" answered error ${code ?? "?"}: ${message}`);
  }
}

/**
 * One request to one upstream whose whole answer the gateway needs before it can answer (a
 * fan-out): sends `body`, reads the answer as JSON or as an event stream that ends after the
 * response, and returns the response with the given id. Transport failures become the usual
 * 502/504; an HTTP error status is a 502 naming the status. The answer is collected by a dispatch
 * handler, with no stream or async iterator per call: a list fans out to every upstream.
 */
export async function exchange(upstream: Upstream, method: "POST" | "DELETE", headers: Record<string, string>, body: string | Buffer | undefined, id: unknown): Promise<Exchanged> {
  const { status, headers: answerHeaders, text } = await collect(upstream, method, headers, body);
  if (method === "DELETE" || status === 202) return { status, headers: answerHeaders, response: undefined };
  if (status >= 400) {
    throw GatewayError.from("MCPGW_ERR_UPSTREAM_HTTP_ERROR", `Upstream "${upstream.name}" answered HTTP ${status}`, { data: { upstreamStatus: status } });
  }
  const contentType = String(answerHeaders["content-type"] ?? "");
  let messages: unknown[];
  try {
    messages = contentType.startsWith("text/event-stream") ? eventsOf(text, upstream.maxBufferedBytes).flatMap((event) => [eventMessage(event)].flat()) : [JSON.parse(text)].flat();
  } catch (err) {
    throw GatewayError.from("MCPGW_ERR_UPSTREAM_BAD_RESPONSE", `Upstream "${upstream.name}" sent a body that is not JSON`, { cause: err });
  }
  const response = messages.find((message) => (message as { id?: unknown } | null)?.id === id && !("method" in (message as object))) as Exchanged["response"];
  return { status, headers: answerHeaders, response };
}

interface Collected {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** The whole answer of one request, up to the upstream's `maxBufferedBytes`. */
function collect(upstream: Upstream, method: "POST" | "DELETE", headers: Record<string, string>, body: string | Buffer | undefined): Promise<Collected> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let status = 0;
    let answerHeaders: IncomingHttpHeaders = {};
    let tooLarge: GatewayError | undefined;
    upstream.pool.dispatch(
      { path: upstream.path, method, headers, body: body ?? null, headersTimeout: upstream.timeoutMs, bodyTimeout: upstream.timeoutMs },
      {
        onRequestStart() {},
        onResponseStart(_controller, statusCode, responseHeaders: IncomingHttpHeaders) {
          status = statusCode;
          answerHeaders = responseHeaders;
        },
        onResponseData(controller, chunk: Buffer) {
          size += chunk.length;
          if (size > upstream.maxBufferedBytes) {
            tooLarge = GatewayError.from("MCPGW_ERR_UPSTREAM_RESPONSE_TOO_LARGE", `Upstream "${upstream.name}" answered more than ${upstream.maxBufferedBytes} bytes (server.maxBufferedResponseBytes)`);
            controller.abort(tooLarge);
            return;
          }
          chunks.push(chunk);
        },
        onResponseEnd() {
          resolve({ status, headers: answerHeaders, text: Buffer.concat(chunks, size).toString("utf8") });
        },
        onResponseError(_controller, err) {
          reject(tooLarge ?? upstreamFailure(err, upstream));
        },
      },
    );
  });
}

/** The `result` of an exchange, or the error it stands for. */
export function resultOf(upstream: string, exchanged: Exchanged): Record<string, unknown> {
  const { response } = exchanged;
  if (!response) throw new UpstreamRpcError(upstream, undefined, "no response to the request");
  if (response.error) {
    const code = typeof response.error.code === "number" ? response.error.code : undefined;
    throw new UpstreamRpcError(upstream, code, String(response.error.message ?? "error"));
  }
  if (typeof response.result !== "object" || response.result === null) throw new UpstreamRpcError(upstream, undefined, "result is not an object");
  return response.result as Record<string, unknown>;
}
