/**
 * Issue 16, point 6: the quick start is safe and true. `npm run demo` (scripts/demo.mjs) keeps the
 * gateway on loopback, and the README's curl walk-through answers as it says, with the headers a
 * standard MCP server needs.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { within } from "../fixtures/raw-upstream.ts";
import { REPO_ROOT } from "../helpers/spawn-gateway.ts";

interface Curl {
  headers: Record<string, string>;
  body: string | undefined;
}

/** The README's `curl` commands of the "Try it" section, with their headers and body. */
async function readmeCurls(): Promise<Curl[]> {
  const readme = await readFile(path.join(REPO_ROOT, "README.md"), "utf8");
  const section = readme.split("## Try it on a fresh clone")[1]!.split("\n## ")[0]!;
  const commands = section.replace(/\\\n\s*/g, " ").split("\n").filter((line) => line.startsWith("curl "));
  return commands.map((command) => {
    const headers: Record<string, string> = {};
    for (const [, header] of command.matchAll(/-H "([^"]+)"/g)) {
      const colon = header!.indexOf(":");
      headers[header!.slice(0, colon).toLowerCase()] = header!.slice(colon + 1).trim();
    }
    return { headers, body: /-d '([^']*)'/.exec(command)?.[1] };
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("the README's quick start", () => {
  let demo: ChildProcess;
  let dir: string;
  let url: string;
  let address: string;
  let admin: string;

  before(async () => {
    const upstreamPort = await freePort();
    dir = await mkdtemp(path.join(os.tmpdir(), "mcpgw-demo-"));
    const config = path.join(dir, "config.yml");
    const example = await readFile(path.join(REPO_ROOT, "examples/sectioned-config/config.yml"), "utf8");
    await writeFile(config, example.replace("http://127.0.0.1:9000/mcp", `http://127.0.0.1:${upstreamPort}/mcp`));
    demo = spawn(process.execPath, ["scripts/demo.mjs", config, "--port", "0"], {
      cwd: REPO_ROOT,
      env: { ...process.env, MCP_GATEWAY_DEMO_UPSTREAM_PORT: String(upstreamPort), MCP_GATEWAY_DEMO_ADMIN_PORT: "0" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let adminListening!: (line: Record<string, unknown>) => void;
    const adminLine = new Promise<Record<string, unknown>>((resolve) => (adminListening = resolve));
    const listening = new Promise<Record<string, unknown>>((resolve) => {
      createInterface({ input: demo.stdout! }).on("line", (line) => {
        try {
          const parsed = JSON.parse(line) as Record<string, unknown>;
          if (parsed.msg === "admin listening") adminListening(parsed);
          if (parsed.msg === "gateway listening") resolve(parsed);
        } catch {
          // the upstream's plain line
        }
      });
    });
    const line = await within(listening, 20_000, "the demo gateway listens");
    address = String(line.address);
    url = `http://${address}/mcp`;
    admin = `http://${String((await within(adminLine, 5_000, "the demo's admin listener listens")).address)}`;
  });
  after(async () => {
    demo?.kill("SIGTERM");
    await new Promise((resolve) => demo?.once("exit", resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it("serves its status page on a loopback admin listener, naming the demo upstream", async () => {
    assert.match(admin, /^http:\/\/127\.0\.0\.1:\d+$/);
    const status = (await (await fetch(`${admin}/status.json`)).json()) as { upstreams: { name: string; state: string }[] };
    assert.deepEqual(status.upstreams.map(({ name, state }) => ({ name, state })), [{ name: "mcp-local", state: "up" }]);
    assert.match(await (await fetch(admin)).text(), /<title>mcp-gateway status<\/title>/);
  });

  it("listens on loopback only, though the example config says 0.0.0.0", () => {
    // Regression (issue 16): npm run demo served a plain-text example key on every interface.
    assert.match(address, /^127\.0\.0\.1:\d+$/);
  });

  it("asks for both media types in every request, as a standard MCP server requires", async () => {
    for (const curl of await readmeCurls()) assert.equal(curl.headers.accept, "application/json, text/event-stream", JSON.stringify(curl));
  });

  it("answers each of the README's curl commands as the README says", async () => {
    const [initialize, list, call, anonymous] = await readmeCurls();
    const send = (curl: Curl, session?: string) =>
      fetch(url, { method: "POST", headers: { ...curl.headers, ...(session ? { "mcp-session-id": session } : {}) }, body: curl.body });
    const init = await send(initialize!);
    assert.equal(init.status, 200);
    const session = init.headers.get("mcp-session-id");
    assert.ok(session, "initialize answers with an Mcp-Session-Id");
    delete list!.headers["mcp-session-id"];
    delete call!.headers["mcp-session-id"];
    const tools = await send(list!, session);
    assert.equal(tools.status, 200);
    assert.match(await tools.text(), /"echo"/);
    const echoed = await send(call!, session);
    assert.match(await echoed.text(), /"hola"/);
    const refused = await send(anonymous!);
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { id: number }).id, 4);
  });
});
