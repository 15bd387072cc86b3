/**
 * The benchmark's upstream over stdio, for the peers that front a stdio MCP server
 * (supergateway, mcp-proxy): an MCP SDK 1.x `McpServer` on `StdioServerTransport`, with the
 * same `echo` and `large` tools as bench/upstream.ts and the same answer texts (mcp-fixtures.ts).
 *
 * The SDK writes its own JSON (key order, `isError` left out), so its bytes are not the HTTP
 * fixture's: the peers' responses are checked by meaning (peerEchoCheck in mcp-fixtures.ts).
 *
 * Run by a bridge as `node --import tsx bench/stdio-upstream.ts`; reads stdin until it closes.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";
import { largeText } from "./lib/mcp-fixtures.js";

const server = new McpServer({ name: "bench-stdio-upstream", version: "1.0.0" });
const input = { message: z.string().describe("Text to answer with") };

server.registerTool("echo", { description: "Benchmark tool echo: answers with the message it is given.", inputSchema: input }, ({ message }) => ({
  content: [{ type: "text", text: message }],
}));

// Built once: the load repeats the same call.
const large = largeText();
server.registerTool("large", { description: "Benchmark tool large: answers with 1 MiB of text.", inputSchema: input }, () => ({
  content: [{ type: "text", text: large }],
}));

await server.connect(new StdioServerTransport());
