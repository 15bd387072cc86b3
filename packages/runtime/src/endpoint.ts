import { randomUUID } from "node:crypto";
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { GatewayError } from "./errors.js";

export interface EndpointOptions {
  /** The MCP endpoint's path (`server.path`). */
  path: string;
  bodyLimit: number;
  /**
   * After refusing a body as too large: how much more of it is read and discarded, and for how
   * long, before the 413 goes out and the connection closes (a lingering close, as nginx does).
   */
  lingering: { bytes: number; ms: number };
  /** Runs the pipeline; the body is the raw bytes of a POST (undefined for GET and DELETE). */
  serve(id: string, req: IncomingMessage, res: ServerResponse, body: Buffer | undefined): Promise<void>;
  /** Answers a request that never reaches the pipeline. */
  reject(id: string, req: IncomingMessage, res: ServerResponse, err: GatewayError): void;
}

const SERVED_METHODS = new Set(["POST", "GET", "DELETE"]);
const ALLOW = "GET, POST, DELETE";

function pathOf(url: string | undefined): string {
  if (url === undefined) return "/";
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

/** `application/json`, with or without parameters such as `charset`. */
function isJson(contentType: string): boolean {
  const semicolon = contentType.indexOf(";");
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase() === "application/json";
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

/**
 * The MCP endpoint on the bare node server, ahead of Fastify (which keeps `/health` and the
 * 404s). Every proxied call passes here, so it does only what the endpoint needs: match the path,
 * check the method and media type, and collect the body as bytes under the size limit. The body is
 * parsed once, by the pipeline, and forwarded as these same bytes.
 *
 * Returns false for a request that is not for the endpoint.
 */
export function createEndpoint(options: EndpointOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { path, bodyLimit } = options;

  function receive(id: string, req: IncomingMessage, res: ServerResponse): void {
    const contentType = req.headers["content-type"];
    if (contentType === undefined ? hasBody(req) : !isJson(contentType)) {
      return options.reject(id, req, res, GatewayError.from("MCPGW_ERR_UNSUPPORTED_MEDIA_TYPE"));
    }
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > bodyLimit) return tooLarge(id, req, res, 0, declared);
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > bodyLimit) {
        req.off("data", onData).off("end", onEnd);
        tooLarge(id, req, res, size, size);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      // An empty POST is a body that is not JSON (-32700), like any other.
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      void options.serve(id, req, res, body);
    };
    req.on("data", onData).once("end", onEnd);
    // A client that goes away mid-body has nobody to answer.
    req.once("error", () => res.destroy());
  }

  /**
   * 413, and the connection closes. A client that writes its whole body before reading (node:http,
   * fetch, the SDKs) would meet a reset instead of the answer if the gateway closed while it
   * writes: so the rest of the body is read and discarded first, up to `lingering.bytes` in all
   * and `lingering.ms`, then the 413 goes out. A body declared larger than that is answered at once.
   */
  function tooLarge(id: string, req: IncomingMessage, res: ServerResponse, read: number, expected: number): void {
    res.setHeader("connection", "close");
    const answer = () => {
      clearTimeout(timer);
      req.off("data", count).off("end", answer);
      if (!res.headersSent && !res.destroyed) options.reject(id, req, res, GatewayError.from("MCPGW_ERR_BODY_TOO_LARGE"));
    };
    let discarded = read;
    const count = (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > options.lingering.bytes) answer();
    };
    const timer = setTimeout(answer, options.lingering.ms);
    timer.unref();
    if (expected > options.lingering.bytes || req.complete) answer();
    else req.on("data", count).once("end", answer);
    req.resume();
  }

  return (req, res) => {
    if (pathOf(req.url) !== path) return false;
    const id = requestId(req.headers["x-request-id"]);
    res.setHeader("x-request-id", id);
    const method = req.method ?? "GET";
    if (!SERVED_METHODS.has(method)) {
      options.reject(id, req, res, GatewayError.from("MCPGW_ERR_METHOD_NOT_ALLOWED", undefined, { headers: { allow: ALLOW } }));
      req.resume();
      return true;
    }
    if (method === "POST") receive(id, req, res);
    else {
      req.resume();
      void options.serve(id, req, res, undefined);
    }
    return true;
  };
}

/** 1 to 128 characters of visible ASCII: no spaces (node joins repeated headers with ", "), no controls. */
const SANE_REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * The request's id: the caller's `X-Request-Id` when it is sane (a load balancer's, so one id
 * follows the request through every hop), else a new UUID. It goes back in `X-Request-Id`, upstream
 * in `X-Request-Id`, into `error.data.requestId`, and on every log line as `requestId`.
 */
export function requestId(given: string | string[] | undefined): string {
  if (typeof given === "string" && SANE_REQUEST_ID.test(given)) return given;
  // randomUUID() returns its string as a chain of ~11 concatenations, which the request's
  // context keeps for as long as the request lives (hours for a held stream): 0.4 KiB. The
  // id is already lower case; toLowerCase() hands it back as one flat string.
  return randomUUID().toLowerCase();
}

/** node's client errors, as JSON-RPC errors: the status and registry code for each. */
function clientErrorAnswer(code: string | undefined): GatewayError {
  if (code === "ERR_HTTP_REQUEST_TIMEOUT") return GatewayError.from("MCPGW_ERR_REQUEST_TIMEOUT");
  if (code === "HPE_HEADER_OVERFLOW") return GatewayError.from("MCPGW_ERR_HEADERS_TOO_LARGE");
  return GatewayError.from("MCPGW_ERR_INVALID_REQUEST", "Bad Request: the HTTP request is malformed");
}

/**
 * What a client gets when node refuses its request before any handler runs: a client that took
 * longer than `headersTimeoutMs` or `requestTimeoutMs` (408), headers too large (431), bytes that
 * are not HTTP (400). One JSON-RPC error, then the connection closes; other clients are not affected.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  // A response already on its way (a lingering 413) is not followed by another.
  if (socket.writable && (socket as Duplex & { bytesWritten?: number }).bytesWritten === 0) {
    const answer = clientErrorAnswer(err.code);
    const body = JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: answer.jsonRpcCode, message: answer.message, data: { code: answer.code } } });
    socket.write(`HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}
