#!/usr/bin/env node
// `npm run demo`: the demo upstream on 127.0.0.1:9000 and the gateway on :8080 in front of it,
// using the sectioned format's quick-start config (memory stores, no Redis). Ctrl-C stops both.
import { spawn } from "node:child_process";
import path from "node:path";
import { startDemoUpstream } from "../examples/demo-upstream/server.mjs";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const config = process.argv[2] ?? "examples/sectioned-config/config.yml";
const upstream = await startDemoUpstream({ port: 9000 });
console.log(`demo upstream listening on ${upstream.url}`);
const gateway = spawn(process.execPath, [path.join(root, "packages/runtime/bin/mcp-gateway.js"), "run", "-c", config], {
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
