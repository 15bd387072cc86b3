/**
 * `mcp-gateway serve -- CMD ARGS…`: one command exposes a stdio server over Streamable HTTP, run
 * as an operator runs it (the real CLI, real signals), driven by the SDK 1.x client.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { describe, it } from "node:test";
import { postJsonRpc, toolsCall, waitFor, within } from "@mcp-gateway/runtime/testing";
import { CLI_BIN, REPO_ROOT, runCli } from "../helpers/spawn-gateway.ts";
import { connectLegacyClient, firstText } from "../helpers/sdk-clients.ts";
import { alive, JSON_ONLY, LEGACY_STDIO } from "../helpers/stdio.ts";

interface Served {
  child: ChildProcess;
  /** The URL it printed. */
  url: string;
  stdout: string[];
  stderr(): string;
  stop(): Promise<number | null>;
}

async function serve(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Served> {
  const child = spawn(process.execPath, [CLI_BIN, "serve", "--port", "0", ...args], { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const stdout: string[] = [];
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  const printed = new Promise<string>((resolve) =>
    createInterface({ input: child.stdout! }).on("line", (line) => {
      stdout.push(line);
      const url = /^mcp-gateway: serving .* at (http:\/\/\S+)$/.exec(line)?.[1];
      if (url) resolve(url);
    }),
  );
  const url = await within(Promise.race([printed, exited.then((code) => Promise.reject(new Error(`serve exited (${code}): ${stderr}`)))]), 20_000, "serve printed its URL");
  return {
    child,
    url,
    stdout,
    stderr: () => stderr,
    async stop() {
      child.kill("SIGTERM");
      return within(exited, 15_000, "serve exited after SIGTERM");
    },
  };
}

const pidOf = async (call: () => Promise<Record<string, unknown>>) => (JSON.parse(firstText(await call())) as { pid: number; env: Record<string, string> });

describe("mcp-gateway serve", () => {
  it("serves the stdio server at the URL it prints, on loopback, warning that it runs without auth; SIGTERM ends it and its server", async () => {
    const served = await serve(["--", process.execPath, LEGACY_STDIO]);
    let pid = 0;
    try {
      assert.match(served.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
      await waitFor("the warning", () => (/without auth/.test(served.stderr()) ? true : undefined));
      const { client, close } = await connectLegacyClient(served.url);
      try {
        assert.equal(firstText(await client.callTool({ name: "echo", arguments: { message: "served" } })), "served");
        pid = (await pidOf(() => client.callTool({ name: "whoami", arguments: {} }) as Promise<Record<string, unknown>>)).pid;
        assert.ok(alive(pid));
      } finally {
        await close();
      }
    } finally {
      assert.equal(await served.stop(), 0);
    }
    await waitFor("the stdio server ended with the gateway", () => (alive(pid) ? undefined : true));
  });

  it("with --api-key refuses callers without the key, serves those with it, and keeps the key from the server and the log", async () => {
    const served = await serve(["--api-key", "s3rve-key", "--shared", "--", process.execPath, LEGACY_STDIO]);
    try {
      assert.doesNotMatch(served.stderr(), /without auth/);
      const refused = await postJsonRpc(served.url, toolsCall(1, "echo", { message: "x" }), JSON_ONLY);
      assert.equal(refused.status, 401);
      const { client, close } = await connectLegacyClient(served.url, { headers: { authorization: "Bearer s3rve-key" } });
      try {
        const { env } = await pidOf(() => client.callTool({ name: "whoami", arguments: {} }) as Promise<Record<string, unknown>>);
        assert.ok(!JSON.stringify(env).includes("s3rve-key"), "the key is not in the server's environment");
      } finally {
        await close();
      }
    } finally {
      await served.stop();
    }
    assert.ok(!served.stdout.some((line) => line.includes("s3rve-key")), "the key is not in the log");
  });

  it("takes the key from MCP_GATEWAY_API_KEY (out of the process list), and leaves the server's own flags after -- alone", async () => {
    const served = await serve(["--", process.execPath, LEGACY_STDIO, "-v", "--help"], { ...process.env, MCP_GATEWAY_API_KEY: "env-key" });
    try {
      assert.equal((await postJsonRpc(served.url, toolsCall(1, "echo", { message: "x" }), JSON_ONLY)).status, 401);
    } finally {
      await served.stop();
    }
  });

  it("without a command, exits 2 with a hint", async () => {
    const result = await runCli(["serve", "--port", "0"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /command after --/);
  });
});
