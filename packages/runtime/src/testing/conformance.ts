import assert from "node:assert/strict";
import { describe, it } from "node:test";
import semver from "semver";
import { PLUGIN_API_VERSION, type GatewayPlugin } from "../plugin.js";
import { createTestGateway, startTestGateway, type TestGatewayOptions } from "./gateway.js";
import { toolsList } from "./messages.js";

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

/** The `method` of each JSON-RPC message in a body the upstream received. */
function methodsOf(body: string): unknown[] {
  try {
    return [JSON.parse(body) as unknown].flat().map((message) => (message as { method?: unknown } | null)?.method);
  } catch {
    return [];
  }
}

/** Runs after every other tap of the hook, so it runs only if none of them threw. */
const LAST = { name: "conformance-probe", stage: Number.MAX_SAFE_INTEGER };

/**
 * The checks every plugin passes, run with node:test:
 * `pluginConformance(plugin, { options: {...}, invalidOptions: {...} })` in a test file.
 */
export function pluginConformance(plugin: GatewayPlugin, conformance: ConformanceOptions): void {
  const gatewayOptions = (extra: Partial<TestGatewayOptions> = {}): TestGatewayOptions => ({
    ...(conformance.config ? { config: conformance.config } : {}),
    ...(conformance.env ? { env: conformance.env } : {}),
    plugins: [{ plugin, options: conformance.options }],
    ...extra,
  });
  const start = () => startTestGateway(gatewayOptions());

  describe(`plugin conformance: ${plugin.name}`, () => {
    it("declares a name, a semver version and an API range this runtime satisfies", () => {
      assert.match(plugin.name, /^[a-z0-9][a-z0-9-]*$/);
      assert.ok(semver.valid(plugin.version), `version ${plugin.version} is not semver`);
      assert.ok(semver.satisfies(PLUGIN_API_VERSION, plugin.api), `api ${plugin.api} does not admit ${PLUGIN_API_VERSION}`);
    });

    it("loads with valid options and answers a request (with the given headers) 2xx with the upstream's result", async () => {
      const gw = await start();
      try {
        // This exact body: a plugin that signs requests signs `JSON.stringify` of it (key order included).
        const response = await gw.post(toolsList(1), conformance.headers);
        assert.ok(response.status >= 200 && response.status < 300, `expected a 2xx answer, got ${response.status}: ${response.text}`);
        const body = response.body as { jsonrpc?: unknown; id?: unknown; result?: unknown; error?: unknown } | undefined;
        assert.ok(body && typeof body === "object" && !Array.isArray(body), `expected one JSON-RPC response, got: ${response.text}`);
        assert.equal(body.error, undefined, `expected a result, got an error: ${response.text}`);
        assert.equal(body.jsonrpc, "2.0");
        assert.equal(body.id, 1);
        assert.ok(body.result !== null && typeof body.result === "object", `expected a result object: ${response.text}`);
        if (gw.upstream) {
          // The echo upstream answered it: the request reached it, and nothing else made up the answer.
          const forwarded = gw.upstream.requests.flatMap((request) => methodsOf(request.body));
          assert.ok(forwarded.includes("tools/list"), `the echo upstream never received the request (it saw: ${JSON.stringify(forwarded)})`);
        }
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

    // The close contract (docs/hooks.md, "close"): gateway.close() is idempotent, and a plugin's
    // close taps must be safe to run twice and without `ready` having run.
    it("survives close twice: gateway.close() twice, then its close taps a second time", async () => {
      const gw = await start();
      let runs = 0;
      gw.gateway.hooks.close.tapPromise(LAST, async () => void runs++);
      try {
        await gw.gateway.close();
        await gw.gateway.close();
        assert.equal(runs, 1, "gateway.close() ran the close taps again on its second call");
        // What a second close of the plugin looks like: its taps run again, and none may throw.
        await gw.gateway.hooks.close.promise();
        assert.equal(runs, 2);
      } finally {
        await gw.close();
      }
    });

    it("closes without ready having run (as mcp-gateway validate does), twice", async () => {
      const { gateway, upstream } = await createTestGateway(gatewayOptions());
      let runs = 0;
      gateway.hooks.close.tapPromise(LAST, async () => void runs++);
      try {
        await gateway.close();
        await gateway.hooks.close.promise();
        assert.equal(runs, 2);
      } finally {
        await upstream?.close();
      }
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
