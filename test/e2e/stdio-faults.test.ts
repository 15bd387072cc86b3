/**
 * stdio upstreams when things go wrong: chatty, noisy, crashing, missing, silent, greedy and
 * stuck processes, secrets in the gateway's environment, and shutdown. Each fault gets a clear
 * answer naming the upstream, within a bounded time, and the gateway keeps serving.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { postJsonRpc, startTestGateway, toolsCall, toolsList, waitFor, type TestGateway } from "@mcp-gateway/runtime/testing";
import { connectLegacyClient } from "../helpers/sdk-clients.ts";
import { runCli } from "../helpers/spawn-gateway.ts";
import { alive, initialize, JSON_ONLY, LEGACY_STDIO, openSession, RAW_STDIO, stdioUpstream } from "../helpers/stdio.ts";

interface ErrorBody {
  id: unknown;
  error: { code: number; message: string; data: { code: string } };
}
const errorOf = (body: unknown) => (body as ErrorBody).error;
const textOf = (body: unknown) => (body as { result: { content: { text: string }[] } }).result.content[0]!.text;

/** The raw fixture in one of its modes. */
const raw = (name: string, mode: string, extra: Record<string, unknown> = {}) => ({ ...stdioUpstream(name, RAW_STDIO), args: [RAW_STDIO, mode], ...extra });

/** A gateway in front of these upstreams only; closed after the describe block. */
function gatewayFor(upstreams: Record<string, unknown>[], more: Record<string, unknown> = {}) {
  const holder: { gateway: TestGateway } = { gateway: undefined as unknown as TestGateway };
  before(async () => {
    holder.gateway = await startTestGateway({ config: { upstreams: upstreams as never, ...more } });
  });
  after(async () => {
    await holder.gateway?.close();
  });
  return holder;
}

async function whoami(url: string, session: string | undefined): Promise<{ pid: number; env: Record<string, string> }> {
  const response = await postJsonRpc(url, toolsCall(90, "whoami"), { ...JSON_ONLY, ...(session ? { "mcp-session-id": session } : {}) });
  assert.equal(response.status, 200, response.text);
  return JSON.parse(textOf(response.body)) as { pid: number; env: Record<string, string> };
}

interface StdioHealth {
  status: string;
  processes: number;
  sessions?: number;
  restarts: number;
  lastExit?: { detail: string; at: string };
  error?: string;
}

async function health(baseUrl: string, upstream: string): Promise<StdioHealth> {
  const body = (await (await fetch(`${baseUrl}/health`)).json()) as { checks: Record<string, StdioHealth> };
  return body.checks[`upstream:${upstream}`]!;
}

describe("what a stdio process writes besides JSON-RPC", () => {
  const at = gatewayFor([raw("noisy", "noise")]);

  it("skips a stdout line that is not JSON-RPC, logging it, and answers the call", async () => {
    const { gateway } = at;
    const session = await openSession(gateway.url);
    const response = await postJsonRpc(gateway.url, toolsCall(2, "anything"), { ...JSON_ONLY, "mcp-session-id": session });
    assert.equal(response.status, 200);
    assert.equal(textOf(response.body), "raw noise");
    const skipped = gateway.logs.filter((line) => line.upstream === "noisy" && String(line.msg).includes("not JSON-RPC"));
    assert.ok(skipped.length >= 2, "both stray lines were logged");
    assert.equal(typeof skipped[0]!.pid, "number");
  });

  it("logs stderr lines tagged with upstream and pid, at most 20 a second, and reports how many it dropped", async () => {
    const { gateway } = at;
    const stderr = () => gateway.logs.filter((line) => line.upstream === "noisy" && line.msg === "stdio upstream stderr");
    const session = await openSession(gateway.url);
    const before = stderr().length;
    await postJsonRpc(gateway.url, toolsCall(3, "anything"), { ...JSON_ONLY, "mcp-session-id": session });
    const dropped = await waitFor("a report of the dropped lines", () => gateway.logs.find((line) => line.upstream === "noisy" && typeof line.suppressed === "number"));
    const logged = stderr().length - before;
    assert.ok(logged > 0 && logged <= 20, `${logged} of 200 lines logged`);
    assert.ok((dropped.suppressed as number) >= 180 - 20, `${String(dropped.suppressed)} reported dropped`);
    assert.equal(typeof stderr().at(-1)!.pid, "number");
    assert.match(String(stderr().at(-1)!.stderr), /^chatty line \d+$/);
  });
});

describe("a per-session process that exits", () => {
  const at = gatewayFor([stdioUpstream("files", LEGACY_STDIO)]);

  it("fails the call in flight at once, as an error event on its stream, and the session's next request gets 404 saying why", async () => {
    const { gateway } = at;
    const { client, transport, close } = await connectLegacyClient(gateway.url);
    try {
      const session = transport.sessionId!;
      const started = Date.now();
      const failed = await client.callTool({ name: "crash", arguments: {} }).then(
        () => assert.fail("the call should fail"),
        (err: Error) => err,
      );
      assert.match(failed.message, /"files" exited with code 3/);
      assert.ok(Date.now() - started < 5_000, "the failure came at once, not at a timeout");
      const next = await postJsonRpc(gateway.url, toolsList(2), { ...JSON_ONLY, "mcp-session-id": session });
      assert.equal(next.status, 404);
      assert.equal(errorOf(next.body).data.code, "MCPGW_ERR_SESSION_NOT_FOUND");
      assert.match(errorOf(next.body).message, /exited with code 3/);
      assert.match((await health(gateway.baseUrl, "files")).lastExit!.detail, /exited with code 3/);
    } finally {
      await close().catch(() => undefined);
    }
  });

  it("answers a JSON call in flight with 502 MCPGW_ERR_UPSTREAM_EXITED and its id", async () => {
    const { gateway } = at;
    const session = await openSession(gateway.url);
    const response = await postJsonRpc(gateway.url, toolsCall(4, "crash"), { ...JSON_ONLY, "mcp-session-id": session });
    assert.equal(response.status, 502);
    assert.equal(errorOf(response.body).data.code, "MCPGW_ERR_UPSTREAM_EXITED");
    assert.equal((response.body as ErrorBody).id, 4);
  });
});

describe("a shared process that exits", () => {
  const at = gatewayFor([stdioUpstream("shared", LEGACY_STDIO, { mode: "shared" })]);

  it("is restarted with backoff; calls meanwhile fail at once; /health counts the restart", async () => {
    const { gateway } = at;
    const before = await waitFor("the shared process started", () => whoami(gateway.url, undefined).catch(() => undefined));
    const crash = await postJsonRpc(gateway.url, toolsCall(5, "crash"), JSON_ONLY);
    assert.equal(crash.status, 502);
    assert.equal(errorOf(crash.body).data.code, "MCPGW_ERR_UPSTREAM_EXITED");
    // It crashed young, so the restart waits 0.5 s: a call now is answered at once, not queued.
    const during = await postJsonRpc(gateway.url, toolsCall(6, "echo", { message: "x" }), JSON_ONLY);
    assert.equal(during.status, 502);
    assert.equal(errorOf(during.body).data.code, "MCPGW_ERR_UPSTREAM_START_FAILED");
    assert.match(errorOf(during.body).message, /restarting in \d+ ms/);
    const after = await waitFor("the restarted process answered", () => whoami(gateway.url, undefined).catch(() => undefined));
    assert.notEqual(after.pid, before.pid);
    assert.ok(!alive(before.pid));
    const check = await health(gateway.baseUrl, "shared");
    assert.equal(check.restarts, 1);
    assert.equal(check.processes, 1);
    assert.match(check.lastExit!.detail, /exited with code 3/);
  });
});

describe("a stdio command that cannot serve", () => {
  /** A gateway in front of just this upstream: initialize, then whether the gateway still answers. */
  async function initializeAt(upstream: Record<string, unknown>) {
    const gateway = await startTestGateway({ config: { upstreams: [upstream] as never } });
    try {
      const started = Date.now();
      const response = await postJsonRpc(gateway.url, initialize(), JSON_ONLY);
      const ms = Date.now() - started;
      const again = await postJsonRpc(gateway.url, initialize(), JSON_ONLY);
      return { response, again, ms, health: await health(gateway.baseUrl, String(upstream.name)), logs: gateway.logs };
    } finally {
      await gateway.close();
    }
  }

  it("a command that does not exist: 502 naming the upstream and the reason, at once; a warning at startup; the gateway keeps serving", async () => {
    const { response, again, ms, health: check, logs } = await initializeAt({ name: "missing", type: "stdio", command: "mcp-gateway-no-such-command" });
    assert.equal(response.status, 502);
    assert.equal(errorOf(response.body).data.code, "MCPGW_ERR_UPSTREAM_START_FAILED");
    assert.match(errorOf(response.body).message, /"missing".*ENOENT/);
    assert.ok(ms < 2_000, `${ms} ms`);
    assert.equal(again.status, 502, "the gateway is still up and answers the same");
    assert.equal(check.status, "fail");
    assert.match(String(check.error), /ENOENT/);
    assert.ok(logs.some((line) => line.upstream === "missing" && String(line.msg).includes("not found on PATH")));
  });

  it("a process that exits at once: 502 with its exit code", async () => {
    const { response } = await initializeAt(raw("quitter", "exit-at-once"));
    assert.equal(response.status, 502);
    assert.equal(errorOf(response.body).data.code, "MCPGW_ERR_UPSTREAM_START_FAILED");
    assert.match(errorOf(response.body).message, /"quitter".*exited with code 7 before answering initialize/);
  });

  it("a process that never answers initialize: 502 after startTimeoutMs, and the process is ended", async () => {
    const { response, ms, health: check } = await initializeAt(raw("mute", "silent", { startTimeoutMs: 500 }));
    assert.equal(response.status, 502);
    assert.match(errorOf(response.body).message, /"mute".*did not answer initialize within 500 ms/);
    assert.ok(ms >= 450 && ms < 5_000, `${ms} ms`);
    assert.equal(check.processes, 0, "the silent process was ended");
  });
});

describe("limits of a per-session upstream", () => {
  const at = gatewayFor([stdioUpstream("files", LEGACY_STDIO, { maxProcesses: 2, idleTimeoutMs: 1_500, maxMessageBytes: 100_000 })]);

  it("refuses a session past maxProcesses with 503 MCPGW_ERR_UPSTREAM_AT_CAPACITY; a DELETE frees a place", async () => {
    const { gateway } = at;
    const first = await openSession(gateway.url);
    await openSession(gateway.url);
    const third = await postJsonRpc(gateway.url, initialize(), JSON_ONLY);
    assert.equal(third.status, 503);
    assert.equal(errorOf(third.body).data.code, "MCPGW_ERR_UPSTREAM_AT_CAPACITY");
    assert.match(errorOf(third.body).message, /"files".*2/);
    const deleted = await fetch(gateway.url, { method: "DELETE", headers: { "mcp-session-id": first } });
    assert.equal(deleted.status, 200);
    assert.ok(await openSession(gateway.url));
  });

  it("ends a session idle past idleTimeoutMs within a second or so; its next request hears why", async () => {
    const { gateway } = at;
    await waitFor("earlier sessions idled out", async () => ((await health(gateway.baseUrl, "files")).sessions === 0 ? true : undefined), { timeoutMs: 10_000 });
    const session = await openSession(gateway.url);
    const { pid } = await whoami(gateway.url, session);
    const idleSince = Date.now();
    await waitFor("the idle process ended", () => (alive(pid) ? undefined : true), { timeoutMs: 10_000 });
    const ms = Date.now() - idleSince;
    assert.ok(ms >= 1_400 && ms < 4_000, `ended ${ms} ms after its last request`);
    const next = await postJsonRpc(gateway.url, toolsList(3), { ...JSON_ONLY, "mcp-session-id": session });
    assert.equal(next.status, 404);
    assert.match(errorOf(next.body).message, /1500 ms without a request/);
  });

  it("discards an answer line past maxMessageBytes with 502 MCPGW_ERR_UPSTREAM_RESPONSE_TOO_LARGE; the session goes on", async () => {
    const { gateway } = at;
    const session = await openSession(gateway.url);
    const big = await postJsonRpc(gateway.url, toolsCall(4, "big", { bytes: 200_000 }), { ...JSON_ONLY, "mcp-session-id": session });
    assert.equal(big.status, 502);
    assert.equal(errorOf(big.body).data.code, "MCPGW_ERR_UPSTREAM_RESPONSE_TOO_LARGE");
    assert.match(errorOf(big.body).message, /maxMessageBytes \(100000\)/);
    const small = await postJsonRpc(gateway.url, toolsCall(5, "big", { bytes: 1_000 }), { ...JSON_ONLY, "mcp-session-id": session });
    assert.equal(small.status, 200);
    assert.equal(textOf(small.body).length, 1_000);
  });
});

describe("a process that stops reading its input", () => {
  const at = gatewayFor([raw("stuck", "ok")]);

  it("is not sent more than 1 MiB: past it, 503 MCPGW_ERR_UPSTREAM_OVERLOADED instead of an ever-growing buffer", async () => {
    const { gateway } = at;
    const session = await openSession(gateway.url);
    const stopped = await postJsonRpc(gateway.url, toolsCall(2, "stop_reading"), { ...JSON_ONLY, "mcp-session-id": session });
    assert.equal(textOf(stopped.body), "not reading any more");
    const filler = "y".repeat(400 * 1024);
    const statuses: number[] = [];
    const controllers: AbortController[] = [];
    for (let i = 0; i < 8 && !statuses.includes(503); i++) {
      const controller = new AbortController();
      controllers.push(controller);
      const response = await fetch(gateway.url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-session-id": session },
        body: JSON.stringify(toolsCall(10 + i, "anything", { filler })),
        signal: controller.signal,
      });
      statuses.push(response.status);
      if (response.status === 503) assert.equal(((await response.json()) as ErrorBody).error.data.code, "MCPGW_ERR_UPSTREAM_OVERLOADED");
    }
    for (const controller of controllers) controller.abort();
    assert.ok(statuses.includes(503), `statuses: ${statuses.join(", ")}`);
    assert.ok(statuses.indexOf(503) >= 2, "the first bodies were written (the pipe holds 64 KiB, the gateway 1 MiB)");
  });
});

describe("the environment of a stdio process", () => {
  const secrets = { REDIS_URL: "redis://:hunter2@127.0.0.1:6379/0", MCP_GATEWAY_API_KEY: "sk-live-secret", UPSTREAM_TOKEN: "t0ken" };
  const saved: Record<string, string | undefined> = {};
  before(() => {
    for (const [name, value] of Object.entries(secrets)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
  });
  after(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  const at = gatewayFor([stdioUpstream("files", LEGACY_STDIO, { env: { LOG_LEVEL: "info", TOKEN: "${UPSTREAM_TOKEN}" } }), stdioUpstream("everything", LEGACY_STDIO, { inheritEnv: true })], {
    federation: { enabled: false },
  });

  it("has the listed variables and the few a process needs, none of the gateway's secrets", async () => {
    const { gateway } = at;
    const { env } = await whoami(gateway.url, await openSession(gateway.url));
    assert.equal(env.LOG_LEVEL, "info");
    assert.equal(env.TOKEN, "t0ken", "a ${ENV} placeholder in env resolves");
    assert.equal(env.PATH, process.env.PATH);
    for (const name of Object.keys(secrets)) assert.equal(env[name], undefined, `${name} reached the child`);
    const allowed = new Set(["PATH", "HOME", "USER", "LOGNAME", "SHELL", "TERM", "LOG_LEVEL", "TOKEN"]);
    // Node itself may add a few of its own (none carry the gateway's values).
    const extra = Object.keys(env).filter((name) => !allowed.has(name) && process.env[name] !== undefined && process.env[name] === env[name]);
    assert.deepEqual(extra, [], "nothing else of the gateway's environment");
  });

  it("with inheritEnv: true gets the gateway's whole environment", async () => {
    const gateway = await startTestGateway({ config: { upstreams: [stdioUpstream("everything", LEGACY_STDIO, { inheritEnv: true })] } });
    try {
      const { env } = await whoami(gateway.url, await openSession(gateway.url));
      assert.equal(env.REDIS_URL, secrets.REDIS_URL);
    } finally {
      await gateway.close();
    }
  });
});

describe("shutdown", () => {
  it("ends every process and the processes they started (the whole process group): no orphans", async () => {
    const gateway = await startTestGateway({ config: { upstreams: [raw("spawner", "grandchild", { stopTimeoutMs: 1_000 })] } });
    let pids: number[] = [];
    try {
      await openSession(gateway.url);
      await openSession(gateway.url);
      const grandchildren = await waitFor("both grandchildren reported", () => {
        const found = gateway.logs.filter((line) => line.upstream === "spawner" && /^grandchild \d+$/.test(String(line.stderr)));
        return found.length === 2 ? found : undefined;
      });
      pids = [...grandchildren.map((line) => Number(String(line.stderr).split(" ")[1])), ...grandchildren.map((line) => line.pid as number)];
      assert.equal(new Set(pids).size, 4);
      assert.ok(pids.every(alive));
    } finally {
      await gateway.close();
    }
    // SIGKILL takes a moment to land; nothing may be left once it has.
    await waitFor("every process of the groups ended", () => (pids.some(alive) ? undefined : true), { timeoutMs: 3_000 }).catch(() => undefined);
    const left = pids.filter(alive);
    assert.deepEqual(left, [], `processes left after shutdown: ${left.join(", ")}`);
  });
});

describe("a stdio upstream in the config", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "mcpgw-stdio-config-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("is refused when malformed, every problem named by its path, nothing started", async () => {
    const file = path.join(dir, "bad.yaml");
    writeFileSync(
      file,
      ["upstreams:", "  - { name: a, type: ftp, url: 'http://x' }", "  - { name: b, type: stdio, url: 'http://x' }", "  - { name: c, type: stdio, command: node, env: { BAD-NAME: x }, mode: pooled }", ""].join("\n"),
    );
    const result = await runCli(["validate", "-c", file]);
    assert.equal(result.code, 1);
    for (const problem of [
      /upstreams\[0\]\.type: type must be "http" \(the default\) or "stdio"/,
      /upstreams\[1\]\.command: /,
      /upstreams\[1\]\.url: unknown key/,
      /upstreams\[2\]\.env\.BAD-NAME: "BAD-NAME" is not an environment variable name/,
      /upstreams\[2\]\.mode: .*"per-session"\|"shared"/,
    ]) {
      assert.match(result.stderr, problem);
    }
  });

  it("is listed by mcp-gateway routes with its command and mode, never its arguments or environment", async () => {
    const file = path.join(dir, "good.yaml");
    writeFileSync(
      file,
      ["upstreams:", "  - name: files", "    type: stdio", "    command: npx", "    args: [-y, secret-arg]", "    env: { TOKEN: hush }", "    maxProcesses: 4", "  - { name: shared, type: stdio, command: node, mode: shared }", ""].join("\n"),
    );
    const result = await runCli(["routes", "-c", file]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /files {2}stdio: npx {2}\(a process per session, at most 4; timeout 30000 ms\)/);
    assert.match(result.stdout, /shared {2}stdio: node {2}\(one shared process;/);
    assert.doesNotMatch(result.stdout, /secret-arg|hush/);
  });
});
