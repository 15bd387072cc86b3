import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import { freePort, startTestGateway } from "@mcp-gateway/runtime/testing";
import { REPO_ROOT, runCli } from "../helpers/spawn-gateway.ts";

const lines = (text: string) => text.split("\n").filter(Boolean);

const GOOD_CONFIG = `server:
  port: 0
upstreams:
  - name: local
    url: "http://127.0.0.1:9/mcp"
`;

describe("mcp-gateway CLI", () => {
  let dir: string;
  const writeConfig = async (name: string, text: string) => {
    const file = path.join(dir, name);
    await writeFile(file, text);
    return file;
  };
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "mcpgw-cli-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("prints the runtime's version with --version", async () => {
    const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, "packages/runtime/package.json"), "utf8")) as { version: string };
    const result = await runCli(["--version"]);
    assert.equal(result.code, 0);
    assert.equal(result.stdout, `${pkg.version}\n`);
  });

  it("prints sha256:<hex> of a key with hash-key", async () => {
    const result = await runCli(["hash-key", "dev_key_1"]);
    assert.equal(result.code, 0);
    assert.equal(result.stdout, `sha256:${createHash("sha256").update("dev_key_1").digest("hex")}\n`);
  });

  describe("validate", () => {
    it("prints OK and exits 0 for a valid config", async () => {
      const result = await runCli(["validate", "-c", await writeConfig("good.yml", GOOD_CONFIG)]);
      assert.equal(result.stderr, "");
      assert.equal(result.stdout, "OK\n");
      assert.equal(result.code, 0);
    });

    it("rejects a value of the wrong type in one line naming the file and the path", async () => {
      const file = await writeConfig("wrong-type.yml", GOOD_CONFIG.replace("port: 0", 'port: "eighty"'));
      const result = await runCli(["validate", "-c", file]);
      assert.notEqual(result.code, 0);
      assert.equal(result.stdout, "");
      assert.equal(lines(result.stderr).length, 1);
      assert.ok(result.stderr.includes(file), result.stderr);
      assert.match(result.stderr, /server\.port: /);
    });

    it("rejects an unknown key, naming its path", async () => {
      const file = await writeConfig("unknown-key.yml", `${GOOD_CONFIG}    timeout: 5000\n`);
      const result = await runCli(["validate", "-c", file]);
      assert.notEqual(result.code, 0);
      assert.equal(lines(result.stderr).length, 1);
      assert.ok(result.stderr.includes(file), result.stderr);
      assert.match(result.stderr, /upstreams\[0\]\.timeout: unknown key/);
    });

    it("rejects a ${ENV} placeholder whose variable is not set, naming the variable", async () => {
      const file = await writeConfig(
        "missing-env.yml",
        `${GOOD_CONFIG}    auth:\n      type: bearer\n      token: "\${MCPGW_TEST_UNSET_TOKEN}"\n`,
      );
      const { MCPGW_TEST_UNSET_TOKEN: _unset, ...env } = process.env;
      const result = await runCli(["validate", "-c", file], { env });
      assert.notEqual(result.code, 0);
      assert.equal(lines(result.stderr).length, 1);
      assert.match(result.stderr, /upstreams\[0\]\.auth\.token: environment variable MCPGW_TEST_UNSET_TOKEN is not set/);
    });

    it("rejects an unknown plugin in one line naming the plugin, every name tried and the config file", async () => {
      const file = await writeConfig("unknown-plugin.yml", `${GOOD_CONFIG}plugins:\n  - no-such-plugin\n`);
      const result = await runCli(["validate", "-c", file]);
      assert.notEqual(result.code, 0);
      assert.equal(lines(result.stderr).length, 1);
      const [line] = lines(result.stderr);
      assert.match(line!, /plugin "no-such-plugin"/);
      assert.ok(line!.includes(file), line);
      for (const tried of ["@mcp-gateway/plugin-no-such-plugin", "mcp-gateway-plugin-no-such-plugin"]) assert.ok(line!.includes(tried), line);
    });
  });

  it("lists the upstreams with their URLs with routes", async () => {
    const file = await writeConfig(
      "routes.yml",
      `upstreams:\n  - name: math\n    url: "http://10.0.0.11:9000/mcp"\n  - name: kb\n    url: "http://10.0.0.12:9000/mcp"\n    timeoutMs: 45000\n`,
    );
    const result = await runCli(["routes", "-c", file]);
    assert.equal(result.code, 0, result.stderr);
    const out = lines(result.stdout);
    assert.equal(out[0], "Upstreams:");
    assert.match(out[1]!, /^\s+math\s+http:\/\/10\.0\.0\.11:9000\/mcp\b/);
    assert.match(out[2]!, /^\s+kb\s+http:\/\/10\.0\.0\.12:9000\/mcp\s+\(timeout 45000 ms\)/);
    assert.match(out.at(-1)!, /fallback -> math/);
  });

  it("says under federation which calls go to the upstream that lists the name, and the prefixes", async () => {
    const file = await writeConfig(
      "federated.yml",
      `upstreams:\n  - name: math\n    url: "http://10.0.0.11:9000/mcp"\n  - name: kb\n    url: "http://10.0.0.12:9000/mcp"\n    prefix: kb\nfederation:\n  sessionKeys: ["Zm9yLXRlc3RzLW9ubHktMzItYnl0ZXMtb2Yta2V5IS0"]\n`,
    );
    const result = await runCli(["routes", "-c", file]);
    assert.equal(result.code, 0, result.stderr);
    const out = lines(result.stdout);
    assert.ok(out.some((line) => /tools\/call.*-> the upstream that lists the name/.test(line)), out.join("\n"));
    assert.ok(out.includes("Federation: math, kb as one server; lists merged, collisions: reject"), out.join("\n"));
    assert.ok(out.includes("  kb listed as kb.<name>"), out.join("\n"));
  });

  it("prints, per hook, the taps of a plugin file next to the config with name@version", async () => {
    await mkdir(path.join(dir, "plugins"), { recursive: true });
    const runtime = pathToFileURL(path.join(REPO_ROOT, "packages/runtime/dist/index.js")).href;
    await writeFile(
      path.join(dir, "plugins", "stamp.mjs"),
      `import { definePlugin } from ${JSON.stringify(runtime)};
export default definePlugin({
  name: "stamp",
  version: "2.1.0",
  api: "^1",
  setup(gateway) {
    gateway.hooks.onRequest.tapPromise({ stage: "AUTHN" }, async () => {});
    gateway.hooks.onResponse.tapPromise(async () => {});
    gateway.hooks.transformResult.for("tools/list").tapPromise(async (result) => result);
  },
});
`,
    );
    const file = await writeConfig("plugins.yml", `${GOOD_CONFIG}plugins:\n  - ./plugins/stamp.mjs\n`);
    const result = await runCli(["plugins", "-c", file]);
    assert.equal(result.code, 0, result.stderr);
    const out = lines(result.stdout);
    assert.ok(out.includes("onRequest: stamp@2.1.0 (stage -3000)"), result.stdout);
    assert.ok(out.includes("onResponse: stamp@2.1.0"), result.stdout);
    assert.ok(out.includes("authorize: (none)"), result.stdout);
    assert.match(result.stdout, /transformResult\[tools\/list\]: mcp-gateway@\d+\.\d+\.\d+, stamp@2\.1\.0/, result.stdout);
  });

  describe("health", () => {
    it("exits 0 when the gateway at --url is healthy", async () => {
      const gw = await startTestGateway();
      try {
        const result = await runCli(["health", "--url", `${gw.baseUrl}/health`]);
        assert.equal(result.code, 0, result.stderr);
        assert.equal((JSON.parse(result.stdout) as { status: string }).status, "ok");
      } finally {
        await gw.close();
      }
    });

    it("exits non-zero when nothing listens at --url", async () => {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}/health`;
      const result = await runCli(["health", "--url", url]);
      assert.notEqual(result.code, 0);
      assert.ok(result.stderr.includes(url), result.stderr);
    });
  });
});
