import assert from "node:assert/strict";
import { describe, it } from "node:test";
import semver from "semver";
import { PLUGIN_API_VERSION, type GatewayPlugin } from "../plugin.js";
import { startTestGateway, type TestGatewayOptions } from "./index.js";

export interface ConformanceOptions {
  /** Options the plugin accepts. */
  options: Record<string, unknown>;
  /** Options it must refuse at load. */
  invalidOptions: Record<string, unknown>;
  /** Extra gateway config (upstreams, server) the plugin needs. */
  config?: TestGatewayOptions["config"];
  env?: TestGatewayOptions["env"];
  /** Headers that make a request pass the plugin (e.g. credentials). */
  headers?: Record<string, string>;
  /** A request the plugin rejects, and the error code it must carry in `error.data.code`. */
  rejects?: { message: unknown; headers?: Record<string, string>; status: number; code: string };
}

/**
 * The checks every plugin passes, run with node:test:
 * `pluginConformance(plugin, { options: {...}, invalidOptions: {...} })` in a test file.
 */
export function pluginConformance(plugin: GatewayPlugin, conformance: ConformanceOptions): void {
  const start = (extra: Partial<TestGatewayOptions> = {}) =>
    startTestGateway({
      ...(conformance.config ? { config: conformance.config } : {}),
      ...(conformance.env ? { env: conformance.env } : {}),
      plugins: [{ plugin, options: conformance.options }],
      ...extra,
    });

  describe(`plugin conformance: ${plugin.name}`, () => {
    it("declares a name, a semver version and an API range this runtime satisfies", () => {
      assert.match(plugin.name, /^[a-z0-9][a-z0-9-]*$/);
      assert.ok(semver.valid(plugin.version), `version ${plugin.version} is not semver`);
      assert.ok(semver.satisfies(PLUGIN_API_VERSION, plugin.api), `api ${plugin.api} does not admit ${PLUGIN_API_VERSION}`);
    });

    it("loads with valid options and serves a request through a real gateway", async () => {
      const gw = await start();
      try {
        const response = await gw.post({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }, conformance.headers);
        assert.ok(response.status < 500, `status ${response.status}: ${response.text}`);
      } finally {
        await gw.close();
      }
    });

    it("refuses invalid options at load, naming the plugin", async () => {
      await assert.rejects(
        startTestGateway({
          ...(conformance.config ? { config: conformance.config } : {}),
          plugins: [{ plugin, options: conformance.invalidOptions }],
        }),
        (err: Error & { code?: string }) => err.code === "MCPGW_ERR_PLUGIN_OPTIONS" && err.message.includes(`"${plugin.name}"`),
      );
    });

    it("survives close twice", async () => {
      const gw = await start();
      await gw.close();
      await gw.gateway.hooks.close.promise();
    });

    if (conformance.rejects) {
      const { message, headers, status, code } = conformance.rejects;
      it(`rejects with ${status} and error code ${code}, echoing the request id`, async () => {
        const gw = await start();
        try {
          const response = await gw.post(message, headers);
          assert.equal(response.status, status);
          const body = response.body as { id?: unknown; error?: { data?: { code?: string } } };
          assert.equal(body.error?.data?.code, code);
          assert.equal(body.id, (message as { id?: unknown }).id);
        } finally {
          await gw.close();
        }
      });
    }
  });
}
