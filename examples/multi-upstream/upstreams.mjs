#!/usr/bin/env node
// Three small stateless MCP servers (official SDK 1.x) for the multi-upstream example, one per
// team: mcp-math owns the `math.*` tools, mcp-kb the `kb://` resources, mcp-reports the
// `reports.*` prompts. Each records what reached it, so a test can prove where a request went.
// Usage: node examples/multi-upstream/upstreams.mjs   (127.0.0.1:9101, :9102, :9103)
import { createServer } from "node:http";
import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";

const text = (value) => ({ content: [{ type: "text", text: value }] });

const ARTICLES = {
  onboarding: "Ask for gateway access in #platform; you get a client id and a signing secret.",
  "rate-limits": "Each client may call tools 120 times a minute.",
};

const UPSTREAMS = {
  "mcp-math": {
    port: 9101,
    build(server) {
      server.registerTool("math.add", { description: "Adds two numbers", inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) => text(String(a + b)));
      server.registerTool("math.multiply", { description: "Multiplies two numbers", inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) =>
        text(String(a * b)),
      );
    },
  },
  "mcp-kb": {
    port: 9102,
    build(server) {
      const list = async () => ({ resources: Object.keys(ARTICLES).map((slug) => ({ uri: `kb://articles/${slug}`, name: slug, mimeType: "text/plain" })) });
      server.registerResource("article", new ResourceTemplate("kb://articles/{slug}", { list }), { mimeType: "text/plain" }, async (uri, { slug }) => {
        const article = ARTICLES[String(slug)];
        if (article === undefined) throw new Error(`no article ${uri.href}`);
        return { contents: [{ uri: uri.href, mimeType: "text/plain", text: article }] };
      });
    },
  },
  "mcp-reports": {
    port: 9103,
    build(server) {
      server.registerPrompt("reports.weekly", { description: "Drafts the weekly report", argsSchema: { team: z.string() } }, ({ team }) => ({
        messages: [{ role: "user", content: { type: "text", text: `Write the weekly report for the ${team} team.` } }],
      }));
    },
  },
};

/** What a request asked for, e.g. `tools/call math.add`; the unit a test checks routing by. */
function describeCall(message) {
  const name = message?.params?.name ?? message?.params?.uri;
  return name === undefined ? String(message?.method) : `${message.method} ${name}`;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** One stateless Streamable HTTP server: a fresh McpServer and transport per POST, no sessions. */
async function startUpstream(name, { build }, { host, port }) {
  const served = [];
  const http = createServer(async (req, res) => {
    if (req.method !== "POST" || !req.url?.startsWith("/mcp")) {
      // Stateless: no GET event stream and no session to DELETE.
      res.writeHead(405, { "content-type": "application/json", allow: "POST" });
      res.end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32000, message: "Method not allowed" } }));
      return;
    }
    let body;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } }));
      return;
    }
    for (const message of [body].flat()) if (message?.method) served.push(describeCall(message));
    const server = new McpServer({ name, version: "1.0.0" });
    build(server);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  });
  await new Promise((resolve) => http.listen(port, host, resolve));
  return {
    name,
    url: `http://${host}:${http.address().port}/mcp`,
    served,
    close: () =>
      new Promise((resolve) => {
        http.closeAllConnections();
        http.close(resolve);
      }),
  };
}

/**
 * Starts all three. `ports` overrides the fixed ports (tests pass 0 for free ones).
 * Returns each upstream's URL and the calls it served, by upstream name.
 */
export async function startUpstreams({ host = "127.0.0.1", ports = {} } = {}) {
  const started = [];
  try {
    for (const [name, spec] of Object.entries(UPSTREAMS)) started.push(await startUpstream(name, spec, { host, port: ports[name] ?? spec.port }));
  } catch (err) {
    await Promise.all(started.map((upstream) => upstream.close()));
    throw err;
  }
  return {
    upstreams: Object.fromEntries(started.map((upstream) => [upstream.name, { url: upstream.url, served: upstream.served }])),
    close: () => Promise.all(started.map((upstream) => upstream.close())).then(() => undefined),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const running = await startUpstreams();
  for (const [name, { url }] of Object.entries(running.upstreams)) console.log(`${name} listening on ${url}`);
  const stop = () => running.close().then(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
