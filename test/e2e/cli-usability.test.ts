/**
 * Issue 16, points 3 to 5: config syntax errors that say where, every problem in one pass, a CLI
 * that explains each command, shell completion and colour.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { CLI_BIN, REPO_ROOT } from "../helpers/spawn-gateway.ts";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...options.env };
    for (const [name, value] of Object.entries(options.env ?? {})) if (value === undefined) delete env[name];
    const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd: REPO_ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

const COMMANDS = ["start", "validate", "routes", "plugins", "health", "hash-key", "completion"];
const NO_COLOR_ENV = { NO_COLOR: "1", FORCE_COLOR: undefined };

describe("config problems, all of them, each where it is", () => {
  let dir: string;
  const file = async (name: string, text: string) => {
    const full = path.join(dir, name);
    await writeFile(full, text);
    return full;
  };
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "mcpgw-cli-usability-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("shows a YAML syntax error's reason, line and column, and the line with a caret", async () => {
    // Regression (issue 16): it printed "YAML Error in …/x.yml:" and nothing after.
    const yml = await file("x.yml", "server: {port: 80\n  bad: [\n");
    const run = await cli(["validate", "-c", yml]);
    assert.equal(run.code, 1);
    assert.deepEqual(run.stderr.trimEnd().split("\n"), [`mcp-gateway: config ${yml}:2:6: missed comma between flow collection entries`, "  2 |   bad: [", "    |      ^"]);
  });

  it("shows a JSON syntax error (a trailing comma) the same way", async () => {
    const json = await file("bad.json", '{\n  "server": { "port": 80, },\n  "upstreams": []\n}\n');
    const run = await cli(["validate", "-c", json]);
    assert.equal(run.code, 1);
    const [first, source, caret] = run.stderr.trimEnd().split("\n");
    assert.match(first!, new RegExp(`^mcp-gateway: config ${json.replace(/[.]/g, "\\.")}:2:27: .+`));
    assert.equal(source, '  2 |   "server": { "port": 80, },');
    assert.equal(caret!.indexOf("^"), source!.indexOf("}"));
  });

  it("reports the config's problems and every plugin's in one run, one per line with its path", async () => {
    const config = await file(
      "multi.yml",
      [
        "server:",
        '  port: "x"',
        "upstreams:",
        "  - name: a",
        '    url: "http://127.0.0.1:9/mcp"',
        "    timeout: 3",
        "plugins:",
        '  - [auth-apikey, { apiKeys: [{ key: "k", tenant: t }] }]',
        '  - [policy, { rules: [{ deny: { tools: ["[z-a]"] } }] }]',
        "",
      ].join("\n"),
    );
    const run = await cli(["validate", "-c", config]);
    assert.equal(run.code, 1);
    const lines = run.stderr.trimEnd().split("\n");
    assert.equal(lines[0], `mcp-gateway: config ${config} has 4 problems`);
    for (const where of ["server.port:", "upstreams[0].timeout: unknown key", "plugins[0][1].apiKeys[0].client:", "plugins[1][1].rules[0].deny.tools[0]:"]) {
      assert.equal(lines.filter((line) => line.startsWith("  ") && line.includes(where)).length, 1, `one line for ${where}`);
    }
  });
});

describe("a CLI that explains itself", () => {
  for (const command of COMMANDS) {
    it(`prints ${command}'s own usage, options and an example with ${command} --help`, async () => {
      const run = await cli([command, "--help"], { env: NO_COLOR_ENV });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`^Usage: mcp-gateway ${command}`));
      assert.match(run.stdout, /\nOptions:\n/);
      assert.match(run.stdout, /\nExamples:\n {2}mcp-gateway /);
      assert.doesNotMatch(run.stdout, /Commands:/, "not the global help");
    });
  }

  it("hashes every key given, one line each, in order", async () => {
    const run = await cli(["hash-key", "a", "b"]);
    assert.equal(run.code, 0);
    assert.deepEqual(run.stdout.trimEnd().split("\n"), [
      "sha256:ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb",
      "sha256:3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d",
    ]);
    assert.equal((await cli(["hash-key"], { input: "a\n" })).stdout.trim(), "sha256:ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb");
  });

  it("asks a config's /health without needing the secrets the config names", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "mcpgw-health-"));
    try {
      const config = path.join(dir, "c.yml");
      await writeFile(config, 'server: { port: 9 }\nupstreams:\n  - { name: a, url: "http://127.0.0.1:9/mcp", auth: { type: bearer, token: "${MCPGW_TEST_NEVER_SET}" } }\n');
      const run = await cli(["health", "-c", config], { env: { MCPGW_TEST_NEVER_SET: undefined } });
      assert.equal(run.code, 1);
      assert.match(run.stderr, /health check of http:\/\/127\.0\.0\.1:9\/health failed/);
      assert.doesNotMatch(run.stderr, /MCPGW_TEST_NEVER_SET/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("names an unknown option plainly, and refuses extra arguments", async () => {
    const bogus = await cli(["validate", "--bogus"]);
    assert.equal(bogus.code, 2);
    assert.equal(bogus.stderr.trim(), "mcp-gateway validate: unknown option --bogus (see mcp-gateway validate --help)");
    const extra = await cli(["validate", "x"]);
    assert.equal(extra.code, 2);
    assert.match(extra.stderr, /unexpected argument "x"/);
  });

  it("completes commands, options and config files in bash", async () => {
    const script = (await cli(["completion", "bash"])).stdout;
    const complete = (words: string[]) => {
      const body = `${script}\nCOMP_WORDS=(${words.map((word) => `'${word}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _mcp_gateway; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const run = spawnSync("bash", ["-c", body], { cwd: REPO_ROOT, encoding: "utf8" });
      assert.equal(run.status, 0, run.stderr);
      return run.stdout.trim().split("\n");
    };
    assert.deepEqual(complete(["mcp-gateway", "va"]), ["validate"]);
    assert.ok(complete(["mcp-gateway", "routes", "--"]).includes("--config"));
    assert.ok(complete(["mcp-gateway", "validate", "-c", "READ"]).includes("README.md"));
    assert.deepEqual(complete(["mcp-gateway", "completion", "f"]), ["fish"]);
  });

  it("prints zsh and fish scripts naming every command", async () => {
    for (const shell of ["zsh", "fish"]) {
      const run = await cli(["completion", shell]);
      assert.equal(run.code, 0);
      for (const command of COMMANDS) assert.ok(run.stdout.includes(command), `${shell} script names ${command}`);
    }
    assert.equal((await cli(["completion", "tcsh"])).code, 2);
  });

  it("colours human output for a terminal (FORCE_COLOR), never with NO_COLOR, and never a hash", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "mcpgw-color-"));
    try {
      const config = path.join(dir, "ok.yml");
      await writeFile(config, 'upstreams: [{ name: a, url: "http://127.0.0.1:9/mcp" }]\n');
      assert.equal((await cli(["validate", "-c", config], { env: { FORCE_COLOR: "1", NO_COLOR: undefined } })).stdout, "\u001b[32mOK\u001b[39m\n");
      assert.equal((await cli(["validate", "-c", config], { env: { FORCE_COLOR: "1", NO_COLOR: "1" } })).stdout, "OK\n");
      assert.equal((await cli(["validate", "-c", config], { env: { FORCE_COLOR: undefined, NO_COLOR: undefined } })).stdout, "OK\n", "a pipe is not a terminal");
      assert.ok(!(await cli(["hash-key", "a"], { env: { FORCE_COLOR: "1" } })).stdout.includes("\u001b"), "a hash is never coloured");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
