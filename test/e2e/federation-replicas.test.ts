/**
 * Federated sessions behind a load balancer: two gateway processes sharing `sessionKeys` serve
 * one client session with requests alternating between them (the session state travels sealed in
 * its id), and a process with another key does not know the session.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { startLegacyServer, type LegacyServer } from "../fixtures/legacy-server.ts";
import { firstText } from "../helpers/sdk-clients.ts";
import { spawnGateway, type SpawnedGateway } from "../helpers/spawn-gateway.ts";

const SHARED_KEY = "c2hhcmVkLWJ5LWV2ZXJ5LXJlcGxpY2EtMzItYnl0ZXM";
const OTHER_KEY = "b3RoZXIta2V5LW9mLWFub3RoZXItZmxlZXQtMzJieXQ";

describe("one federated session served by two gateway processes in turn", () => {
  let servers: LegacyServer[];
  let replicas: SpawnedGateway[];
  let stranger: SpawnedGateway;
  let dir: string;
  let client: Client;
  let transport: StreamableHTTPClientTransport;
  /** Which replica each HTTP request of the client went to, in order. */
  const servedBy: number[] = [];

  before(async () => {
    servers = await Promise.all([startLegacyServer(), startLegacyServer()]);
    dir = await mkdtemp(path.join(tmpdir(), "mcpgw-replicas-"));
    const config = {
      server: { host: "127.0.0.1", port: 0 },
      upstreams: [
        { name: "math", url: servers[0]!.url },
        { name: "kb", url: servers[1]!.url, prefix: "kb" },
      ],
      federation: { sessionKeys: ["${MCP_GATEWAY_SESSION_KEY}"] },
    };
    const file = path.join(dir, "config.json");
    await writeFile(file, JSON.stringify(config));
    const start = (key: string) => spawnGateway(file, { env: { ...process.env, MCP_GATEWAY_SESSION_KEY: key } });
    replicas = await Promise.all([start(SHARED_KEY), start(SHARED_KEY)]);
    stranger = await start(OTHER_KEY);

    // The load balancer: every request of the client goes to the next replica.
    let turn = 0;
    const balanced = (input: string | URL, init?: RequestInit) => {
      const replica = turn++ % replicas.length;
      servedBy.push(replica);
      return fetch(new URL(new URL(input).pathname, replicas[replica]!.baseUrl), init);
    };
    client = new Client({ name: "replicas-client", version: "1.0.0" }, { capabilities: { elicitation: {} } });
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: "accept", content: { answer: "42" } }));
    transport = new StreamableHTTPClientTransport(new URL(replicas[0]!.url), { fetch: balanced });
    await client.connect(transport);
  });

  after(async () => {
    await client?.close();
    await Promise.all([...(replicas ?? []), stranger].filter(Boolean).map((gateway) => gateway.stop("SIGTERM")));
    await Promise.all(servers?.map((server) => server.close()) ?? []);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("lists, calls each upstream, answers an elicitation and gets progress with requests alternating between replicas", async () => {
    assert.deepEqual(servers.map((server) => server.issuedSessions.length), [1, 1]);
    for (let round = 0; round < 2; round++) {
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      assert.ok(names.includes("add") && names.includes("kb.add"), names.join(","));
      assert.equal(firstText(await client.callTool({ name: "add", arguments: { a: round, b: 1 } })), String(round + 1));
      assert.equal(firstText(await client.callTool({ name: "kb.echo", arguments: { message: `round ${round}` } })), `round ${round}`);
    }
    assert.equal(firstText(await client.callTool({ name: "kb.ask", arguments: { question: "?" } })), "answer: 42");
    const progress: number[] = [];
    const slow = await client.callTool({ name: "kb.slow", arguments: { steps: 3 } }, undefined, { onprogress: ({ progress: step }) => progress.push(step) });
    assert.equal(firstText(slow), "done after 3 steps");
    assert.deepEqual(progress, [1, 2, 3]);
    assert.ok(servedBy.includes(0) && servedBy.includes(1), "both replicas served the session");
    assert.deepEqual(servers.map((server) => server.issuedSessions.length), [1, 1], "no replica opened upstream sessions of its own");
  });

  it("is unknown to a gateway with another session key", async () => {
    const response = await fetch(stranger.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-session-id": transport.sessionId!, "mcp-protocol-version": "2025-06-18" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/list" }),
    });
    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as { error: { code: number } }).error.code, -32001);
  });

  it("ends both upstream sessions on a DELETE sent to either replica", async () => {
    await transport.terminateSession();
    for (const server of servers) assert.deepEqual(server.terminatedSessions, server.issuedSessions);
  });
});
