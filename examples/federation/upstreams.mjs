#!/usr/bin/env node
// Two small stateful MCP servers (official SDK 1.x) for the federation example. Each issues its own
// Mcp-Session-Id on initialize and rejects any other, as most real servers do; both offer a tool
// named `status`, so the example shows the collision policy at work.
// Usage: node examples/federation/upstreams.mjs   (math on 127.0.0.1:9201, kb on :9202)
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";

const text = (value) => ({ content: [{ type: "text", text: value }] });

const ARTICLES = { onboarding: "Ask for gateway access in #platform.", "rate-limits": "120 tool calls a minute per client." };

const UPSTREAMS = {
  math: {
    port: 9201,
    build(server) {
      server.registerTool("add", { description: "Adds two numbers", inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) => text(String(a + b)));
      server.registerTool("status", { description: "Health of the math service" }, async () => text("math: ok"));
    },
  },
  kb: {
    port: 9202,
    build(server) {
      server.registerTool("search", { description: "Searches the knowledge base", inputSchema: { query: z.string() } }, async ({ query }) =>
        text(Object.keys(ARTICLES).filter((slug) => slug.includes(query.toLowerCase())).join(", ") || "no match"),
      );
      server.registerTool("status", { description: "Health of the knowledge base" }, async () => text("kb: ok"));
    },
  },
};

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function reject(res, status, message) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32000, message } }));
}

/** One stateful Streamable HTTP server: a McpServer and transport per session. */
async function startUpstream(name, { build }, { host, port }) {
  const sessions = new Map();
  const record = { issued: [], ended: [] };
  const http = createServer(async (req, res) => {
    if (!req.url?.startsWith("/mcp")) return reject(res, 404, "Not found");
    const sessionId = req.headers["mcp-session-id"];
    const body = req.method === "POST" ? JSON.parse((await readBody(req)) || "null") : undefined;
    let transport = typeof sessionId === "string" ? sessions.get(sessionId) : undefined;
    if (!transport) {
      if (sessionId !== undefined) return reject(res, 404, "Session not found");
      if (req.method !== "POST" || !isInitializeRequest(body)) return reject(res, 400, "Bad Request: no valid session id");
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (id) => {
          sessions.set(id, transport);
          record.issued.push(id);
        },
      });
      transport.onclose = () => {
        if (transport.sessionId && sessions.delete(transport.sessionId)) record.ended.push(transport.sessionId);
      };
      const server = new McpServer({ name, version: "1.0.0" });
      build(server);
      await server.connect(transport);
    }
    await transport.handleRequest(req, res, body);
  });
  await new Promise((resolve) => http.listen(port, host, resolve));
  return {
    url: `http://${host}:${http.address().port}/mcp`,
    sessions: record,
    async close() {
      for (const transport of sessions.values()) await transport.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

export async function startUpstreams({ host = "127.0.0.1", ports = {} } = {}) {
  const upstreams = {};
  for (const [name, spec] of Object.entries(UPSTREAMS)) upstreams[name] = await startUpstream(name, spec, { host, port: ports[name] ?? spec.port });
  return {
    upstreams,
    async close() {
      await Promise.all(Object.values(upstreams).map((upstream) => upstream.close()));
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { upstreams, close } = await startUpstreams();
  for (const [name, { url }] of Object.entries(upstreams)) console.log(`${name} listening on ${url}`);
  const stop = () => close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
