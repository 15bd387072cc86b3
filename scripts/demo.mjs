#!/usr/bin/env node
// `npm run demo`: the demo upstream on 127.0.0.1:9000 and the gateway on 127.0.0.1:8080 in front of
// it, using the original mcp-gateway's quick-start config (memory stores, no Redis), with its status
// page on http://127.0.0.1:9464/. Ctrl-C stops both. Usage: node scripts/demo.mjs [CONFIG [mcp-gateway
// run options…]]; MCP_GATEWAY_DEMO_UPSTREAM_PORT moves the upstream (the config's upstream URL must
// follow it), MCP_GATEWAY_DEMO_ADMIN_PORT the admin listener (0: a free port; off: none).
import { spawn } from "node:child_process";
import path from "node:path";
import { startDemoUpstream } from "../examples/demo-upstream/server.mjs";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const [config = "examples/sectioned-config/config.yml", ...extra] = process.argv.slice(2);
const upstream = await startDemoUpstream({ port: Number(process.env.MCP_GATEWAY_DEMO_UPSTREAM_PORT ?? 9000) });
console.log(`demo upstream listening on ${upstream.url}`);
// The example config listens on 0.0.0.0 (as a container needs) with a plain-text example key: the
// demo keeps the gateway on loopback.
const adminPort = process.env.MCP_GATEWAY_DEMO_ADMIN_PORT ?? "9464";
const admin = adminPort === "off" ? [] : ["--admin-port", adminPort];
const gateway = spawn(process.execPath, [path.join(root, "packages/runtime/bin/mcp-gateway.js"), "run", "-c", config, "--host", "127.0.0.1", ...admin, ...extra], {
  cwd: root,
  stdio: "inherit",
});
const stop = (signal) => gateway.kill(signal);
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
gateway.once("exit", async (code) => {
  await upstream.close();
  process.exit(code ?? 0);
});
