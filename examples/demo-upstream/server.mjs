#!/usr/bin/env node
// Demo MCP upstream for the examples: a stateful Streamable HTTP server built with the official
// SDK (1.x), offering an `echo` tool, an `add` tool, a resource and a prompt.
// Usage: node examples/demo-upstream/server.mjs [--port 9000] [--host 127.0.0.1]
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";

function buildServer() {
  const server = new McpServer({ name: "demo-upstream", version: "1.0.0" });
  server.registerTool(
    "echo",
    { description: "Echoes the message back", inputSchema: { message: z.string() } },
    async ({ message }) => ({ content: [{ type: "text", text: message }] }),
  );
  server.registerTool(
    "add",
    { description: "Adds two numbers", inputSchema: { a: z.number(), b: z.number() } },
    async ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }] }),
  );
  server.registerResource("readme", "demo://readme", { mimeType: "text/plain" }, async (uri) => ({
    contents: [{ uri: uri.href, text: "This upstream sits behind mcp-gateway." }],
  }));
  server.registerPrompt("greet", { description: "Greets someone", argsSchema: { name: z.string() } }, ({ name }) => ({
    messages: [{ role: "user", content: { type: "text", text: `Say hello to ${name}.` } }],
  }));
  return server;
}

export async function startDemoUpstream({ port = 9000, host = "127.0.0.1" } = {}) {
  const sessions = new Map();
  const http = createServer(async (req, res) => {
    if (!req.url?.startsWith("/mcp")) {
      res.writeHead(404).end();
      return;
    }
    // The sectioned format README's curl walk-through sends `Accept: application/json` alone; the SDK wants
    // both types, so this demo answers such clients with plain JSON (enableJsonResponse below).
    const accept = req.headers.accept ?? "";
    if (req.method === "POST" && !accept.includes("text/event-stream")) req.headers.accept = "application/json, text/event-stream";
    const sessionId = req.headers["mcp-session-id"];
    let transport = typeof sessionId === "string" ? sessions.get(sessionId) : undefined;
    if (!transport) {
      if (sessionId !== undefined) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32001, message: "Session not found" } }));
        return;
      }
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: true,
        onsessioninitialized: (id) => sessions.set(id, transport),
      });
      transport.onclose = () => transport.sessionId && sessions.delete(transport.sessionId);
      await buildServer().connect(transport);
    }
    await transport.handleRequest(req, res);
  });
  await new Promise((resolve) => http.listen(port, host, resolve));
  return {
    url: `http://${host}:${http.address().port}/mcp`,
    close: () => new Promise((resolve) => {
      http.closeAllConnections();
      http.close(resolve);
    }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { port: { type: "string", default: "9000" }, host: { type: "string", default: "127.0.0.1" } } });
  const upstream = await startDemoUpstream({ port: Number(values.port), host: values.host });
  console.log(`demo upstream listening on ${upstream.url}`);
  const stop = () => upstream.close().then(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
