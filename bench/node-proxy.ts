/**
 * The Node anchor: the least an MCP-aware reverse proxy on Node does, with the same parts the
 * gateway is built on. It reads the POST body, parses it once (an MCP proxy must look at the
 * message), sends the same bytes upstream with undici's `Pool#dispatch`, and streams the answer
 * back as it arrives. No auth, no policy, no logging, no checks: what is left when a Node proxy
 * does nothing else. The gateway's own cost is what it spends above this; nginx shows what a
 * proxy costs without Node.
 *
 * Run as a child: `node --import tsx bench/node-proxy.ts --upstream URL`; prints one JSON line
 * `{"url": "..."}` once listening and stops on SIGTERM.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { pathToFileURL } from "node:url";
import { Pool, type Dispatcher } from "undici";
import { runAnchor } from "./lib/anchor.js";

/** Request headers an MCP upstream needs; everything else stays behind. */
const FORWARDED = ["content-type", "accept", "mcp-protocol-version", "mcp-session-id", "mcp-method", "mcp-name", "last-event-id"];
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding"]);

function requestHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of FORWARDED) {
    const value = headers[name];
    if (typeof value === "string") out[name] = value;
  }
  return out;
}

/** Writes the upstream's answer into the client's response as it arrives. */
class Relay implements Dispatcher.DispatchHandler {
  #controller: Dispatcher.DispatchController | undefined;

  constructor(private readonly res: ServerResponse) {
    res.once("close", () => {
      if (!res.writableFinished) this.#controller?.abort(new Error("client left"));
    });
    res.on("drain", () => this.#controller?.resume());
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    const out: Record<string, string | string[]> = {};
    for (const name in headers) if (!HOP_BY_HOP.has(name)) out[name] = headers[name]!;
    this.res.writeHead(statusCode, out);
    if (String(headers["content-type"]).startsWith("text/event-stream")) this.res.flushHeaders();
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.res.write(chunk)) controller.pause();
  }

  onResponseEnd(): void {
    this.res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    if (this.res.headersSent) this.res.destroy(err);
    else this.res.writeHead(502).end();
  }
}

export function createNodeProxy(upstreamUrl: string) {
  const upstream = new URL(upstreamUrl);
  // The gateway's defaults for an upstream: 128 keep-alive connections, idle for up to 60 s.
  const pool = new Pool(upstream.origin, { connections: 128, keepAliveTimeout: 60_000 });
  const path = upstream.pathname + upstream.search;

  function forward(req: IncomingMessage, res: ServerResponse, body: Buffer | null): void {
    pool.dispatch({ path, method: req.method as Dispatcher.HttpMethod, headers: requestHeaders(req.headers), body, bodyTimeout: 0 }, new Relay(res));
  }

  return createServer((req, res) => {
    if (req.method !== "POST") {
      req.resume();
      return forward(req, res, null);
    }
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      try {
        JSON.parse(body.toString("utf8"));
      } catch {
        res.writeHead(400).end();
        return;
      }
      forward(req, res, body);
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runAnchor("node-proxy.ts", (upstreamUrl) => {
    const server = createNodeProxy(upstreamUrl);
    return { server, closeConnections: () => server.closeAllConnections() };
  });
}
