import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "../src/config/load.js";

const base = { upstreams: [{ name: "a", url: "http://127.0.0.1:9000/mcp" }] };

describe("config validation", () => {
  it("fills defaults, with the sectioned format's forward list plus the modern mirrored headers", () => {
    const config = parseConfig(base, "gw.yaml", {});
    assert.equal(config.server.path, "/mcp");
    assert.equal(config.server.bodyLimit, 2 * 1024 * 1024);
    assert.ok(config.upstreamHeaders.forward.includes("mcp-param-*"));
    assert.equal(config.upstreams[0]!.timeoutMs, 30_000);
  });

  it("names the file and the path of a wrong type", () => {
    assert.throws(() => parseConfig({ ...base, server: { port: "80" } }, "gw.yaml", {}), { code: "MCPGW_ERR_CONFIG_INVALID", message: /^config gw\.yaml: server\.port: / });
  });

  it("rejects unknown keys with their path", () => {
    assert.throws(() => parseConfig({ ...base, server: { prot: 1 } }, "gw.yaml", {}), { message: /server\.prot: unknown key/ });
  });

  it("resolves ${ENV} placeholders and fails on a missing or empty one, naming the path", () => {
    const withAuth = {
      upstreams: [{ name: "a", url: "http://127.0.0.1:9000/mcp", auth: { type: "apiKey", apiKey: { header: "Authorization", value: "Api-Key ${UP_KEY}" } } }],
    };
    const config = parseConfig(withAuth, "gw.yaml", { UP_KEY: "s3cret" });
    const [upstream] = config.upstreams;
    assert.equal(upstream?.type, "http");
    assert.deepEqual(upstream.auth, { type: "apiKey", apiKey: { header: "Authorization", value: "Api-Key s3cret" } });
    assert.throws(() => parseConfig(withAuth, "gw.yaml", { UP_KEY: "" }), /upstreams\[0\]\.auth\.apiKey\.value: environment variable UP_KEY is not set or empty/);
  });

  it("checks federation: session keys by form, federated upstreams by name, each at its path", () => {
    const key = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    const config = parseConfig({ ...base, federation: { sessionKeys: [key] } }, "gw.yaml", {});
    assert.equal(config.federation?.enabled, true);
    assert.equal(config.federation?.collisions, "reject");
    assert.throws(() => parseConfig({ ...base, federation: { sessionKeys: [key, "short"] } }, "gw.yaml", {}), /federation\.sessionKeys\[1\]: must be 32 bytes/);
    assert.throws(() => parseConfig({ ...base, federation: { upstreams: ["nope"] } }, "gw.yaml", {}), /federation\.upstreams\[0\]: unknown upstream "nope"/);
    assert.throws(() => parseConfig({ ...base, upstreams: [{ ...base.upstreams[0], prefix: "a b" }] }, "gw.yaml", {}), /upstreams\[0\]\.prefix: /);
  });

  it("rejects duplicate upstream names", () => {
    assert.throws(() => parseConfig({ upstreams: [base.upstreams[0], base.upstreams[0]] }, "gw.yaml", {}), /upstreams\[1\]\.name: duplicate/);
  });

  it("refuses sections of the sectioned format next to a plugins list", () => {
    assert.throws(() => parseConfig({ ...base, plugins: ["router"], routing: [] }, "gw.yaml", {}), /routing: section/);
  });
});
