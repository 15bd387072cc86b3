/**
 * stdio upstreams end to end: real SDK servers on stdio (1.x `StdioServerTransport`, 2.x
 * `serveStdio`) spawned by the gateway, real SDK clients (1.x legacy, 2.x modern) over HTTP in
 * front, and everything a gateway adds (policy, audit, federation) on the way.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from "@modelcontextprotocol/client";
import { ToolListChangedNotificationSchema, type Progress } from "@modelcontextprotocol/sdk/types.js";
import { callerHeaders, headerAuthPlugin, postJsonRpc, startTestGateway, toolsCall, waitFor, within, type TestGateway } from "@mcp-gateway/runtime/testing";
import { startLegacyServer, type LegacyServer } from "../fixtures/legacy-server.ts";
import { connectLegacyClient, firstText } from "../helpers/sdk-clients.ts";
import { alive, JSON_ONLY, LEGACY_STDIO, MODERN_STDIO, openSession, RAW_STDIO, stdioUpstream } from "../helpers/stdio.ts";

const MODERN = "2026-07-28";
const WAIT_MS = 10_000;

const whoami = async (call: (name: string) => Promise<Record<string, unknown>>) => JSON.parse(firstText(await call("whoami"))) as { pid: number; env: Record<string, string> };

describe("a per-session stdio upstream (SDK 1.x server on stdio) with SDK 1.x clients", () => {
  let gateway: TestGateway;
  before(async () => {
    gateway = await startTestGateway({ config: { upstreams: [stdioUpstream("files", LEGACY_STDIO)] } });
  });
  after(async () => {
    await gateway?.close();
  });

  it("gives each session a process of its own: initialize, list, call", async () => {
    const first = await connectLegacyClient(gateway.url);
    const second = await connectLegacyClient(gateway.url);
    try {
      const { tools } = await first.client.listTools();
      assert.ok(tools.some((tool) => tool.name === "echo"));
      assert.equal(firstText(await first.client.callTool({ name: "echo", arguments: { message: "hello over stdio" } })), "hello over stdio");
      const call = (client: typeof first) => (name: string) => client.client.callTool({ name, arguments: {} }) as Promise<Record<string, unknown>>;
      const [a, b] = [await whoami(call(first)), await whoami(call(second))];
      assert.notEqual(a.pid, b.pid, "two sessions, two processes");
      assert.ok(alive(a.pid) && alive(b.pid));
      const health = (await (await fetch(`${gateway.baseUrl}/health`)).json()) as { checks: Record<string, { processes: number; status: string }> };
      assert.equal(health.checks["upstream:files"]?.processes, 2);
      assert.equal(health.checks["upstream:files"]?.status, "ok");
    } finally {
      await first.close();
      await second.close();
    }
  });

  it("streams progress notifications of a call to its client", async () => {
    const { client, close } = await connectLegacyClient(gateway.url);
    try {
      const seen: Progress[] = [];
      const result = await client.callTool({ name: "slow", arguments: { steps: 3 } }, undefined, { onprogress: (progress) => seen.push(progress) });
      assert.equal(firstText(result), "done after 3 steps");
      assert.deepEqual(
        seen.map(({ progress, total }) => [progress, total]),
        [
          [1, 3],
          [2, 3],
          [3, 3],
        ],
      );
    } finally {
      await close();
    }
  });

  it("passes a sampling request of the server to the client and its answer back", async () => {
    const { client, close } = await connectLegacyClient(gateway.url, {
      onSample: () => ({ role: "assistant", model: "test-model", content: { type: "text", text: "short" } }),
    });
    try {
      assert.equal(firstText(await client.callTool({ name: "summarize", arguments: { text: "a long story" } })), "summary: short");
    } finally {
      await close();
    }
  });

  it("passes the client's cancellation to the server", async () => {
    const { client, close } = await connectLegacyClient(gateway.url);
    try {
      const controller = new AbortController();
      const call = client.callTool({ name: "slow", arguments: { steps: 500 } }, undefined, { signal: controller.signal, onprogress: () => controller.abort("enough") });
      await assert.rejects(call);
      const cancelled = await waitFor("the server saw the cancellation", async () => {
        const ids = JSON.parse(firstText(await client.callTool({ name: "cancelled", arguments: {} }))) as unknown[];
        return ids.length ? ids : undefined;
      });
      assert.equal(cancelled.length, 1);
    } finally {
      await close();
    }
  });

  it("tells the server to stop when a client goes away mid-call", async () => {
    const { client, transport, close } = await connectLegacyClient(gateway.url);
    try {
      const controller = new AbortController();
      const response = await fetch(gateway.url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-session-id": transport.sessionId!, "mcp-protocol-version": "2025-11-25" },
        body: JSON.stringify({ ...toolsCall("gone-1", "slow", { steps: 500 }), params: { name: "slow", arguments: { steps: 500 }, _meta: { progressToken: "p" } } }),
        signal: controller.signal,
      });
      const reader = response.body!.getReader();
      await reader.read(); // the first progress event: the call is running
      controller.abort();
      const cancelled = await waitFor("the server saw notifications/cancelled", async () => {
        const ids = JSON.parse(firstText(await client.callTool({ name: "cancelled", arguments: {} }))) as unknown[];
        return ids.includes("gone-1") ? ids : undefined;
      });
      assert.ok(cancelled.includes("gone-1"));
    } finally {
      await close();
    }
  });

  it("delivers what the server sends outside a call on the session's GET stream, one stream per session", async () => {
    const { client, transport, getStreamOpened, close } = await connectLegacyClient(gateway.url);
    try {
      await within(getStreamOpened, WAIT_MS, "the GET stream opened");
      let changed!: () => void;
      const notified = new Promise<void>((resolve) => (changed = resolve));
      client.setNotificationHandler(ToolListChangedNotificationSchema, async () => changed());
      await client.callTool({ name: "later", arguments: {} });
      await within(notified, WAIT_MS, "tools/list_changed on the GET stream");
      const second = await fetch(gateway.url, { headers: { accept: "text/event-stream", "mcp-session-id": transport.sessionId!, "mcp-protocol-version": "2025-11-25" } });
      assert.equal(second.status, 409, "a second GET stream of the session is refused");
      await second.body?.cancel();
    } finally {
      await close();
    }
  });

  it("ends the session's process on DELETE; the session's next request gets 404 saying why", async () => {
    const { client, transport } = await connectLegacyClient(gateway.url);
    const { pid } = await whoami((name) => client.callTool({ name, arguments: {} }) as Promise<Record<string, unknown>>);
    const session = transport.sessionId!;
    await transport.terminateSession();
    await client.close();
    await waitFor("the process ended", () => (alive(pid) ? undefined : true));
    const after = await postJsonRpc(gateway.url, toolsCall(2, "echo", { message: "x" }), { ...JSON_ONLY, "mcp-session-id": session });
    assert.equal(after.status, 404);
    const error = (after.body as { error: { message: string; data: { code: string } } }).error;
    assert.equal(error.data.code, "MCPGW_ERR_SESSION_NOT_FOUND");
    assert.match(error.message, /deleted/);
  });

  it("answers a client that accepts only JSON with one JSON body, a batch with an array", async () => {
    const session = await openSession(gateway.url);
    const one = await postJsonRpc(gateway.url, toolsCall(5, "echo", { message: "json" }), { ...JSON_ONLY, "mcp-session-id": session });
    assert.equal(one.headers.get("content-type"), "application/json");
    assert.deepEqual((one.body as { id: number; result: { content: { text: string }[] } }).result.content[0]!.text, "json");
    const batch = await postJsonRpc(gateway.url, [toolsCall(6, "echo", { message: "a" }), toolsCall(7, "echo", { message: "b" })], { ...JSON_ONLY, "mcp-session-id": session });
    assert.deepEqual((batch.body as { id: number }[]).map((answer) => answer.id).sort(), [6, 7]);
    const unknown = await postJsonRpc(gateway.url, toolsCall(8, "echo", { message: "x" }), { ...JSON_ONLY, "mcp-session-id": "not-a-session" });
    assert.equal(unknown.status, 404);
  });
});

describe("a per-session stdio upstream with the SDK 2.x client in the legacy era", () => {
  let gateway: TestGateway;
  before(async () => {
    gateway = await startTestGateway({ config: { upstreams: [stdioUpstream("files", LEGACY_STDIO)] } });
  });
  after(async () => {
    await gateway?.close();
  });

  it("initializes, lists, calls with progress, answers a sampling request, cancels, and ends its session with DELETE", async () => {
    const client = new ModernClient({ name: "e2e-2x-legacy", version: "1.0.0" }, { capabilities: { sampling: {} } });
    client.setRequestHandler("sampling/createMessage", async () => ({ role: "assistant", model: "m", content: { type: "text", text: "brief" } }));
    const transport = new ModernTransport(new URL(gateway.url));
    await client.connect(transport);
    try {
      assert.ok(transport.sessionId, "a session of its own");
      assert.ok((await client.listTools()).tools.some((tool) => tool.name === "slow"));
      const progress: number[] = [];
      const slow = await client.callTool({ name: "slow", arguments: { steps: 2 } }, { onprogress: (p) => progress.push(p.progress) });
      assert.equal((slow.content as { text: string }[])[0]!.text, "done after 2 steps");
      assert.deepEqual(progress, [1, 2]);
      const summary = await client.callTool({ name: "summarize", arguments: { text: "x" } });
      assert.equal((summary.content as { text: string }[])[0]!.text, "summary: brief");
      const controller = new AbortController();
      await assert.rejects(client.callTool({ name: "slow", arguments: { steps: 500 } }, { signal: controller.signal, onprogress: () => controller.abort("enough") }));
      await waitFor("the server saw the cancellation", async () => {
        const result = await client.callTool({ name: "cancelled", arguments: {} });
        return (JSON.parse((result.content as { text: string }[])[0]!.text) as unknown[]).length ? true : undefined;
      });
      const { pid } = JSON.parse(((await client.callTool({ name: "whoami", arguments: {} })).content as { text: string }[])[0]!.text) as { pid: number };
      await transport.terminateSession();
      await waitFor("the session's process ended", () => (alive(pid) ? undefined : true));
    } finally {
      await client.close();
    }
  });
});

describe("a per-session stdio process belongs to the subject that opened it", () => {
  let gateway: TestGateway;
  before(async () => {
    gateway = await startTestGateway({ config: { upstreams: [stdioUpstream("files", LEGACY_STDIO)] }, plugins: [{ plugin: headerAuthPlugin() }] });
  });
  after(async () => {
    await gateway?.close();
  });

  it("answers another subject presenting the session id with 404, as if it did not exist, and leaves the session alone", async () => {
    const alice = callerHeaders("acme", "alice");
    const mallory = callerHeaders("acme", "mallory");
    const session = await openSession(gateway.url, alice);
    for (const request of [
      () => postJsonRpc(gateway.url, toolsCall(2, "echo", { message: "x" }), { ...JSON_ONLY, ...mallory, "mcp-session-id": session }),
      () => fetch(gateway.url, { headers: { ...mallory, accept: "text/event-stream", "mcp-session-id": session } }),
      () => fetch(gateway.url, { method: "DELETE", headers: { ...mallory, "mcp-session-id": session } }),
    ]) {
      const response = await request();
      assert.equal(response.status, 404);
    }
    const unknown = await postJsonRpc(gateway.url, toolsCall(3, "echo", { message: "x" }), { ...JSON_ONLY, ...mallory, "mcp-session-id": "0b0e5e25-0000-4000-8000-000000000000" });
    const stolen = await postJsonRpc(gateway.url, toolsCall(3, "echo", { message: "x" }), { ...JSON_ONLY, ...mallory, "mcp-session-id": session });
    assert.equal((stolen.body as { error: { message: string } }).error.message.replace(session, "ID"), (unknown.body as { error: { message: string } }).error.message.replace("0b0e5e25-0000-4000-8000-000000000000", "ID"));
    const own = await postJsonRpc(gateway.url, toolsCall(4, "echo", { message: "still mine" }), { ...JSON_ONLY, ...alice, "mcp-session-id": session });
    assert.equal((own.body as { result: { content: { text: string }[] } }).result.content[0]!.text, "still mine");
  });
});

describe("a shared stdio upstream: one process for every caller", () => {
  let gateway: TestGateway;
  before(async () => {
    gateway = await startTestGateway({ config: { upstreams: [stdioUpstream("files", LEGACY_STDIO, { mode: "shared" })] } });
  });
  after(async () => {
    await gateway?.close();
  });

  it("serves two clients from one process, each answer (and progress) back to its own caller though their ids collide", async () => {
    const first = await connectLegacyClient(gateway.url);
    const second = await connectLegacyClient(gateway.url);
    try {
      assert.notEqual(first.transport.sessionId, second.transport.sessionId);
      const call = (client: typeof first) => (name: string) => client.client.callTool({ name, arguments: {} }) as Promise<Record<string, unknown>>;
      assert.equal((await whoami(call(first))).pid, (await whoami(call(second))).pid, "one process");
      // Both clients number their requests alike and use the id as progress token: the gateway keeps them apart.
      const progress: Record<string, number[]> = { first: [], second: [] };
      const [a, b] = await Promise.all([
        first.client.callTool({ name: "slow", arguments: { steps: 4 } }, undefined, { onprogress: (p) => progress.first!.push(p.progress) }),
        second.client.callTool({ name: "slow", arguments: { steps: 2 } }, undefined, { onprogress: (p) => progress.second!.push(p.progress) }),
      ]);
      assert.equal(firstText(a), "done after 4 steps");
      assert.equal(firstText(b), "done after 2 steps");
      assert.deepEqual(progress, { first: [1, 2, 3, 4], second: [1, 2] });
      const echoes = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? first : second).client.callTool({ name: "echo", arguments: { message: `m${i}` } })));
      assert.deepEqual(
        echoes.map((result) => firstText(result)),
        Array.from({ length: 20 }, (_, i) => `m${i}`),
      );
    } finally {
      await first.close();
      await second.close();
    }
  });

  it("refuses a server request (which caller would answer it?) instead of sending it to another client", async () => {
    const { client, close } = await connectLegacyClient(gateway.url, { onSample: () => assert.fail("a shared process's sampling request reached a client") });
    try {
      const result = await client.callTool({ name: "summarize", arguments: { text: "x" } });
      assert.equal(result.isError, true);
      assert.match(firstText(result), /mode: shared/);
    } finally {
      await close();
    }
  });

  it("lets a caller cancel only its own requests", async () => {
    const mine = await openSession(gateway.url);
    const theirs = await openSession(gateway.url);
    const call = fetch(gateway.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", "mcp-session-id": theirs },
      body: JSON.stringify(toolsCall(1, "slow", { steps: 10 })),
    }).then((response) => response.json() as Promise<{ result?: { content: { text: string }[] } }>);
    // The same id, cancelled from another session: it must not reach their call.
    await postJsonRpc(gateway.url, { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1 } }, { ...JSON_ONLY, "mcp-session-id": mine });
    assert.equal((await call).result?.content[0]?.text, "done after 10 steps");
  });
});

describe("2026-07-28 clients (SDK 2.x) on stdio upstreams", () => {
  let gateway: TestGateway;
  before(async () => {
    gateway = await startTestGateway({
      config: {
        upstreams: [stdioUpstream("legacy", LEGACY_STDIO), stdioUpstream("modern", MODERN_STDIO)],
        federation: { enabled: false },
        plugins: [["router", { rules: [{ match: { tool: "whoami" }, upstream: "modern" }] }]],
      },
    });
  });
  after(async () => {
    await gateway?.close();
  });

  async function modernClient(): Promise<ModernClient> {
    const client = new ModernClient({ name: "e2e-modern", version: "1.0.0" }, { versionNegotiation: { mode: { pin: MODERN } } });
    await client.connect(new ModernTransport(new URL(gateway.url)));
    return client;
  }

  it("serves a stateless client from the process kept warm, answering server/discover for a server that predates it", async () => {
    const client = await modernClient();
    try {
      const discovered = await client.discover();
      assert.deepEqual(discovered.supportedVersions, [MODERN]);
      assert.equal((discovered._meta?.["io.modelcontextprotocol/serverInfo"] as { name: string }).name, "stdio-legacy-fixture");
      assert.ok(discovered.capabilities.tools);
      const { tools } = await client.listTools();
      assert.ok(tools.some((tool) => tool.name === "echo"));
      const result = await client.callTool({ name: "echo", arguments: { message: "modern over stdio" } });
      assert.equal((result.content as { text: string }[])[0]!.text, "modern over stdio");
    } finally {
      await client.close();
    }
  });

  it("initializes a server that exits on the server/discover probe in a fresh process instead", async () => {
    const strict = await startTestGateway({ config: { upstreams: [{ ...stdioUpstream("strict", RAW_STDIO), args: [RAW_STDIO, "strict"] }] } });
    const client = new ModernClient({ name: "e2e-modern", version: "1.0.0" }, { versionNegotiation: { mode: { pin: MODERN } } });
    try {
      await client.connect(new ModernTransport(new URL(strict.url)));
      const discovered = await client.discover();
      assert.equal((discovered._meta?.["io.modelcontextprotocol/serverInfo"] as { name: string }).name, "raw-fixture");
      const result = await client.callTool({ name: "anything", arguments: {} });
      assert.equal((result.content as { text: string }[])[0]!.text, "raw strict");
    } finally {
      await client.close();
      await strict.close();
    }
  });

  it("reaches a 2026-07-28 stdio server (SDK 2.x serveStdio) in its own era", async () => {
    const client = await modernClient();
    try {
      const first = await client.callTool({ name: "whoami", arguments: {} });
      const second = await client.callTool({ name: "whoami", arguments: {} });
      const pid = (result: typeof first) => (JSON.parse((result.content as { text: string }[])[0]!.text) as { pid: number }).pid;
      assert.equal(pid(first), pid(second), "stateless calls share the warm process");
    } finally {
      await client.close();
    }
  });

  it("serves a legacy SDK 1.x client from a 2.x stdio server too (a process of its own, opened with initialize)", async () => {
    const only = await startTestGateway({ config: { upstreams: [stdioUpstream("modern", MODERN_STDIO)] } });
    const { client, close } = await connectLegacyClient(only.url);
    try {
      assert.equal(firstText(await client.callTool({ name: "echo", arguments: { message: "legacy to modern" } })), "legacy to modern");
    } finally {
      await close();
      await only.close();
    }
  });
});

describe("a stdio upstream governed like any other: policy, audit, federation with an HTTP upstream", () => {
  let gateway: TestGateway;
  let remote: LegacyServer;
  before(async () => {
    remote = await startLegacyServer();
    gateway = await startTestGateway({
      config: {
        upstreams: [{ name: "remote", url: remote.url }, stdioUpstream("files", LEGACY_STDIO, { prefix: "files" })],
        federation: {},
        plugins: [
          ["policy", { default: "allow", rules: [{ deny: { tools: ["files.crash", "files.whoami"] } }] }],
          ["audit", { environments: ["*"] }],
        ],
      },
    });
  });
  after(async () => {
    await gateway?.close();
    await remote?.close();
  });

  it("merges the stdio server's tools with the HTTP server's and routes each call to its owner", async () => {
    const { client, close } = await connectLegacyClient(gateway.url);
    try {
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      assert.ok(names.includes("add"), "the HTTP upstream's tool");
      assert.ok(names.includes("files.echo"), "the stdio upstream's tool, prefixed");
      assert.ok(!names.includes("files.whoami"), "policy filtered the stdio upstream's list");
      assert.equal(firstText(await client.callTool({ name: "files.echo", arguments: { message: "via federation" } })), "via federation");
      assert.equal(firstText(await client.callTool({ name: "add", arguments: { a: 2, b: 3 } })), "5");
      const denied = await client.callTool({ name: "files.whoami", arguments: {} }).then(
        () => undefined,
        (err: unknown) => err as Error,
      );
      assert.ok(denied, "policy denied the stdio tool");
      const audit = gateway.logs.filter((line) => line.msg === "audit" && (line.upstream === "files" || (line.upstreams as string[] | undefined)?.includes("files")));
      assert.ok(audit.length > 0, "audit records name the stdio upstream");
    } finally {
      await close();
    }
  });
});
