import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { createGateway, loadConfig } from "@mcp-gateway/runtime";

const runtimeEntry = new URL("../../packages/runtime/dist/index.js", import.meta.url).href;

/** A plugin module as a user would write one next to their config. */
function pluginSource(name: string, { api = "^1", extra = "" } = {}): string {
  return `import { definePlugin, z } from ${JSON.stringify(runtimeEntry)};
export default definePlugin({
  name: ${JSON.stringify(name)},
  version: "1.2.3",
  api: ${JSON.stringify(api)},
  options: z.strictObject({ greeting: z.string().default("hi"), limit: z.number().int().positive().optional() }),
  setup(gateway, options) {
    gateway.hooks.authorize.tapPromise(async (ctx) => { ctx.state[${JSON.stringify(name)}] = options.greeting; });
    ${extra}
  },
});
`;
}

describe("plugin loading from a config file", () => {
  let dir: string;
  const write = (file: string, text: string) => writeFile(path.join(dir, file), text);
  const load = async (config: string) => {
    await write("mcp-gateway.config.yaml", config);
    const loaded = await loadConfig({ cwd: dir });
    return createGateway({ config: { ...loaded.config, logging: { ...loaded.config.logging, level: "silent" } }, configFile: loaded.filepath });
  };
  const upstreams = "upstreams:\n  - { name: a, url: 'http://127.0.0.1:9/mcp' }\n";

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "mcpgw-plugins-"));
    await mkdir(path.join(dir, "plugins"));
    await write("plugins/one.mjs", pluginSource("one"));
    await write("plugins/two.mjs", pluginSource("two"));
    await write("plugins/old-api.mjs", pluginSource("old-api", { api: "^0.1" }));
    await write("plugins/not-a-plugin.mjs", "export default { name: 'x' };\n");
    await write("plugins/broken.mjs", "export default definePlugin(;\n");
    await mkdir(path.join(dir, "node_modules", "mcp-gateway-plugin-shorty"), { recursive: true });
    await write("node_modules/mcp-gateway-plugin-shorty/package.json", JSON.stringify({ name: "mcp-gateway-plugin-shorty", type: "module", exports: "./index.js" }));
    await write("node_modules/mcp-gateway-plugin-shorty/index.js", pluginSource("shorty"));
    await mkdir(path.join(dir, "node_modules", "mcp-gateway-plugin-esm-only"), { recursive: true });
    await write(
      "node_modules/mcp-gateway-plugin-esm-only/package.json",
      JSON.stringify({ name: "mcp-gateway-plugin-esm-only", type: "module", exports: { ".": { import: "./index.js" } } }),
    );
    await write("node_modules/mcp-gateway-plugin-esm-only/index.js", pluginSource("esm-only"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("accepts the three entry forms, relative paths and shorthand resolved from the config's directory", async () => {
    const gateway = await load(`${upstreams}plugins:\n  - ./plugins/one.mjs\n  - [./plugins/two.mjs, { greeting: hello }]\n  - { name: shorty, options: { limit: 3 }, stage: POLICY }\n`);
    assert.deepEqual(
      gateway.plugins.map(({ plugin, options }) => [plugin.name, options]),
      [
        ["one", { greeting: "hi" }],
        ["two", { greeting: "hello" }],
        ["shorty", { greeting: "hi", limit: 3 }],
      ],
    );
    // The stage override moved shorty's tap ahead of the default-stage taps.
    assert.deepEqual(gateway.hooks.authorize.taps.map((tap) => tap.name), ["shorty", "one", "two"]);
    await gateway.close();
  });

  it("finds a package that exports for import only (no require or default condition)", async () => {
    const gateway = await load(`${upstreams}plugins:\n  - esm-only\n`);
    assert.deepEqual(gateway.plugins.map(({ plugin }) => plugin.name), ["esm-only"]);
    await gateway.close();
  });

  it("names the plugin, the config file, the entry and every name tried when a plugin is missing", async () => {
    await assert.rejects(load(`${upstreams}plugins:\n  - sso\n`), (err: Error & { code?: string }) => {
      assert.equal(err.code, "MCPGW_ERR_PLUGIN_NOT_FOUND");
      assert.match(err.message, /plugin "sso" declared in .*mcp-gateway\.config\.yaml at plugins\[0\]/);
      assert.match(err.message, /@mcp-gateway\/plugin-sso, mcp-gateway-plugin-sso, sso/);
      return true;
    });
  });

  it("reports an option error with the plugin name and the option path", async () => {
    await assert.rejects(load(`${upstreams}plugins:\n  - [./plugins/one.mjs, { limit: -1 }]\n`), (err: Error & { code?: string }) => {
      assert.equal(err.code, "MCPGW_ERR_PLUGIN_OPTIONS");
      assert.match(err.message, /plugin "one" .* plugins\[0\]\[1\]\.limit: /);
      return true;
    });
  });

  it("refuses a plugin built for another plugin API", async () => {
    await assert.rejects(load(`${upstreams}plugins:\n  - ./plugins/old-api.mjs\n`), { code: "MCPGW_ERR_PLUGIN_API" });
  });

  it("refuses a module whose default export is not a plugin", async () => {
    await assert.rejects(load(`${upstreams}plugins:\n  - ./plugins/not-a-plugin.mjs\n`), { code: "MCPGW_ERR_PLUGIN_INVALID" });
  });

  it("reports a plugin's own syntax error instead of hiding it behind 'not found'", async () => {
    await assert.rejects(load(`${upstreams}plugins:\n  - ./plugins/broken.mjs\n`), (err: Error & { code?: string; cause?: unknown }) => {
      assert.equal(err.code, "MCPGW_ERR_PLUGIN_INVALID");
      assert.match(err.message, /failed to import/);
      assert.ok(err.cause instanceof SyntaxError);
      return true;
    });
  });
});
