import { createServer, type IncomingHttpHeaders } from "node:http";
import { createServer as createTcpServer } from "node:net";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface EchoUpstream {
  /** MCP endpoint URL (`http://127.0.0.1:PORT/mcp`). */
  url: string;
  /** Every request the upstream received, in order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * A minimal JSON-RPC upstream on loopback: answers each request with
 * `{ result: { method, params } }`, notifications and responses with 202. Enough to run a
 * plugin through a real gateway without an MCP SDK.
 */
export async function startEchoUpstream(): Promise<EchoUpstream> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      requests.push({ method: req.method ?? "", headers: req.headers, body });
      if (req.method !== "POST") {
        res.writeHead(405).end();
        return;
      }
      const parsed = JSON.parse(body) as unknown;
      const messages = (Array.isArray(parsed) ? parsed : [parsed]) as { id?: unknown; method?: string; params?: unknown }[];
      const answers = messages
        .filter((message) => message.id !== undefined && message.method !== undefined)
        .map((message) => ({ jsonrpc: "2.0", id: message.id, result: { method: message.method, params: message.params ?? {} } }));
      if (!answers.length) {
        res.writeHead(202).end();
        return;
      }
      const out = JSON.stringify(Array.isArray(parsed) ? answers : answers[0]);
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(out) }).end(out);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A loopback port nobody listens on right now: for an upstream or a store that is down, or for a
 * server a test starts itself. (Another process could take it before the test uses it; on a
 * test machine that is rare enough.)
 */
export async function freePort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
