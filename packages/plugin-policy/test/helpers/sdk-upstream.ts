/**
 * A real MCP SDK 1.x server, stateless, with tools, prompts, resources and templates that a
 * policy can tell apart: `public` and `private` things, `math.*` tools and an `rm` tool.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "@mcp-gateway/runtime";
import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";

export interface SdkUpstream {
  url: string;
  /** The `method` of every JSON-RPC request that reached the server. */
  methods: string[];
  close(): Promise<void>;
}

const text = (value: string) => ({ content: [{ type: "text" as const, text: value }] });

function createMcpServer(): McpServer {
  const server = new McpServer({ name: "policy-fixture", version: "1.0.0" });
  for (const name of ["echo", "math.add", "math.divide", "rm"]) {
    server.registerTool(name, { description: `the ${name} tool`, inputSchema: { value: z.string().optional() } }, async () => text(`${name} ran`));
  }
  for (const name of ["review", "internal"]) {
    server.registerPrompt(name, { description: `the ${name} prompt` }, async () => ({ messages: [{ role: "user", content: { type: "text", text: name } }] }));
  }
  for (const uri of ["fixture://public/readme", "fixture://private/keys"]) {
    server.registerResource(uri, uri, { mimeType: "text/plain" }, async (href) => ({ contents: [{ uri: href.href, text: uri }] }));
  }
  for (const area of ["public", "private"]) {
    server.registerResource(
      `${area}-docs`,
      new ResourceTemplate(`fixture://${area}/docs/{name}`, { list: undefined }),
      { mimeType: "text/plain" },
      async (href) => ({ contents: [{ uri: href.href, text: area }] }),
    );
  }
  return server;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export async function startSdkUpstream(): Promise<SdkUpstream> {
  const methods: string[] = [];
  const http = createServer((req, res) => {
    void (async () => {
      if (req.method !== "POST") {
        res.writeHead(405).end();
        return;
      }
      const parsed = JSON.parse(await readBody(req)) as unknown;
      for (const message of [parsed].flat() as { method?: string; id?: unknown }[]) {
        if (message.method && message.id !== undefined) methods.push(message.method);
      }
      const server = createMcpServer();
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.once("close", () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, parsed);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    methods,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
