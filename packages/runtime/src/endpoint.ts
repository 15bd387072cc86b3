import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { GatewayError } from "./errors.js";

export interface EndpointOptions {
  /** The MCP endpoint's path (`server.path`). */
  path: string;
  bodyLimit: number;
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
    if (declared > bodyLimit) return tooLarge(id, req, res);
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > bodyLimit) {
        req.off("data", onData).off("end", onEnd);
        tooLarge(id, req, res);
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

  /** 413, and the connection closes: the rest of the body is not worth reading. */
  function tooLarge(id: string, req: IncomingMessage, res: ServerResponse): void {
    res.setHeader("connection", "close");
    options.reject(id, req, res, GatewayError.from("MCPGW_ERR_BODY_TOO_LARGE"));
    req.resume();
  }

  return (req, res) => {
    if (pathOf(req.url) !== path) return false;
    // randomUUID() returns its string as a chain of ~11 concatenations, which the request's
    // context keeps for as long as the request lives (hours for a held stream): 0.4 KiB. The
    // id is already lower case; toLowerCase() hands it back as one flat string.
    const id = randomUUID().toLowerCase();
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
