/**
 * The benchmark's upstream: an MCP Streamable HTTP server on raw `node:http`, so the bare
 * upstream costs as little as possible and the gateway's share of the time stands out.
 *
 * POST /mcp       initialize, tools/list (20 tools), tools/call (echo ~200 B, `large` 1 MiB,
 *                 `stream` answered as SSE), notifications (202)
 *                 With `--tool-prefix P` (or BENCH_UPSTREAM_TOOL_PREFIX) every tool is
 *                 listed as `P.<name>`, and a call to a name without `P.` is an unknown
 *                 tool: the fan-out scenario runs three upstreams whose lists do not collide.
 * GET  /mcp       a long-lived event stream: `: open` at once, then `: keepalive` every tick
 * DELETE /mcp     ends a session (200)
 * GET  /_bench/stats                 open streams, totals, RSS
 * POST /_bench/reset?session=ID      destroys the open streams of that session (all without ID)
 *
 * Run as a child: `node --import tsx bench/upstream.ts [--keepalive-ms 1000] [--tool-prefix P]`;
 * prints one JSON line `{"url": "..."}` once listening and stops on SIGTERM.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import {
  echoAnswer,
  initializeAnswer,
  largeAnswer,
  SESSION_ID,
  STREAM_KEEPALIVE_COMMENT,
  STREAM_OPEN_COMMENT,
  streamAnswer,
  toolsListAnswer,
  toolsOf,
} from "./lib/mcp-fixtures.js";

interface Message {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: { name?: unknown; arguments?: { message?: unknown } };
}

interface OpenStream {
  res: ServerResponse;
  session: string;
}

const JSON_HEADERS = { "content-type": "application/json" };

export function createUpstream(options: { keepaliveMs: number; toolPrefix?: string }) {
  const tools = toolsOf(options.toolPrefix);
  const ownPrefix = options.toolPrefix ? `${options.toolPrefix}.` : undefined;
  const streams = new Set<OpenStream>();
  let streamsOpened = 0;
  let requests = 0;
  // Large answers are cached by id: the load generator repeats the same request body.
  const largeCache = new Map<string, Buffer>();

  function large(id: unknown): Buffer {
    const key = JSON.stringify(id);
    let body = largeCache.get(key);
    if (!body) {
      body = Buffer.from(largeAnswer(id));
      if (largeCache.size > 16) largeCache.clear();
      largeCache.set(key, body);
    }
    return body;
  }

  function send(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = JSON_HEADERS): void {
    res.writeHead(status, { ...headers, "content-length": Buffer.byteLength(body) });
    res.end(body);
  }

  function answer(message: Message, req: IncomingMessage, res: ServerResponse): void {
    const { id, method } = message;
    if (id === undefined) return send(res, 202, "");
    if (method === "initialize") {
      return send(res, 200, initializeAnswer(id), { ...JSON_HEADERS, "mcp-session-id": SESSION_ID });
    }
    if (method === "tools/list") return send(res, 200, toolsListAnswer(id, tools));
    if (method === "tools/call") {
      let tool = message.params?.name;
      if (ownPrefix) {
        // Another upstream's tool: a gateway that routed it here got its routing wrong.
        if (typeof tool !== "string" || !tool.startsWith(ownPrefix)) {
          return send(res, 200, JSON.stringify({ jsonrpc: "2.0", id, error: { code: -32602, message: `Unknown tool: ${String(tool)}` } }));
        }
        tool = tool.slice(ownPrefix.length);
      }
      const text = message.params?.arguments?.message;
      const reply = typeof text === "string" ? text : "";
      if (tool === "large") return send(res, 200, large(id));
      if (tool === "stream" && String(req.headers.accept).includes("text/event-stream")) {
        return send(res, 200, streamAnswer(id, reply), { "content-type": "text/event-stream", "cache-control": "no-cache" });
      }
      return send(res, 200, echoAnswer(id, reply));
    }
    return send(res, 200, JSON.stringify({ jsonrpc: "2.0", id, error: { code: -32601, message: "Method not found" } }));
  }

  function post(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      let message: Message;
      try {
        message = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Message;
      } catch {
        return send(res, 400, JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } }));
      }
      if (Array.isArray(message)) {
        return send(res, 400, JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32600, message: "Batches are not benchmarked" } }));
      }
      answer(message, req, res);
    });
  }

  function openStream(req: IncomingMessage, res: ServerResponse): void {
    if (!String(req.headers.accept).includes("text/event-stream")) return send(res, 405, "");
    const session = req.headers["mcp-session-id"];
    const stream: OpenStream = { res, session: typeof session === "string" ? session : "" };
    streams.add(stream);
    streamsOpened++;
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.write(STREAM_OPEN_COMMENT);
    res.once("close", () => streams.delete(stream));
  }

  function control(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (url.pathname === "/_bench/stats") {
      return send(res, 200, JSON.stringify({ openStreams: streams.size, streamsOpened, requests, rss: process.memoryUsage.rss() }));
    }
    if (url.pathname === "/_bench/reset" && req.method === "POST") {
      const session = url.searchParams.get("session");
      let reset = 0;
      for (const stream of streams) {
        if (session !== null && stream.session !== session) continue;
        // A reset, not an orderly end: the socket goes away under the stream.
        stream.res.socket?.destroy();
        streams.delete(stream);
        reset++;
      }
      return send(res, 200, JSON.stringify({ reset }));
    }
    send(res, 404, "");
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://upstream");
    if (url.pathname.startsWith("/_bench/")) return control(req, res, url);
    requests++;
    if (req.method === "POST") return post(req, res);
    if (req.method === "GET") return openStream(req, res);
    if (req.method === "DELETE") return send(res, 200, "");
    send(res, 405, "");
  });
  // Keep-alive connections from the gateway's pool and the load generator must outlive a round.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 130_000;

  // One timer for every stream: a timer per stream would cost more than the streams themselves.
  const ticker = setInterval(() => {
    for (const stream of streams) stream.res.write(STREAM_KEEPALIVE_COMMENT);
  }, options.keepaliveMs);
  ticker.unref();

  return {
    server,
    async listen(): Promise<string> {
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
    },
    close(): Promise<void> {
      clearInterval(ticker);
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { "keepalive-ms": { type: "string", default: "1000" }, "tool-prefix": { type: "string" } } });
  const upstream = createUpstream({ keepaliveMs: Number(values["keepalive-ms"]), toolPrefix: values["tool-prefix"] ?? process.env.BENCH_UPSTREAM_TOOL_PREFIX });
  const url = await upstream.listen();
  process.stdout.write(`${JSON.stringify({ url })}\n`);
  const stop = () => void upstream.close().then(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
