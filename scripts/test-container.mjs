#!/usr/bin/env node
// `npm run test:container`: builds the two images of the Dockerfile and runs them together the
// way the Compose example does (the demo upstream, the gateway on a loopback port), when a Docker
// daemon is available. Without one it says so on one line and exits 0: the static checks of the
// Dockerfile run in `npm test` (test/e2e/container.test.ts) either way. CI prints which happened.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const tag = `mcpgw-test-${process.pid}`;
const names = { network: `${tag}-net`, upstream: `${tag}-upstream`, gateway: `${tag}-gateway` };

function docker(args, { check = true, quiet = false } = {}) {
  const run = spawnSync("docker", args, { cwd: root, encoding: "utf8", stdio: quiet ? "pipe" : ["ignore", "pipe", "inherit"] });
  if (check && run.status !== 0) throw new Error(`docker ${args.join(" ")} failed (${run.status}): ${run.stderr ?? ""}`);
  return run;
}

const info = spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], { encoding: "utf8" });
if (info.error || info.status !== 0) {
  const reason = info.error ? info.error.message : (info.stderr || "").trim().split("\n").pop();
  console.log(`container test: SKIPPED — no Docker daemon here (docker info: ${reason}); the Dockerfile's static checks ran in npm test`);
  process.exit(0);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let failed = false;
try {
  console.log(`container test: Docker ${info.stdout.trim()}; building the images`);
  docker(["build", "--target", "gateway", "-t", `${tag}:gateway`, "."]);
  docker(["build", "--target", "demo-upstream", "-t", `${tag}:demo-upstream`, "."]);
  docker(["network", "create", names.network], { quiet: true });
  docker(["run", "-d", "--name", names.upstream, "--network", names.network, "--network-alias", "mcp-dummy", `${tag}:demo-upstream`], { quiet: true });
  const config = path.join(root, "examples/docker-compose/config.yml");
  docker(["run", "-d", "--name", names.gateway, "--network", names.network, "-p", "127.0.0.1::8080", "-v", `${config}:/config/config.yml:ro`, `${tag}:gateway`], { quiet: true });

  const uid = docker(["exec", names.gateway, "id", "-u"], { quiet: true }).stdout.trim();
  if (uid === "0") throw new Error("the gateway runs as root");
  let health = "";
  for (let attempt = 0; attempt < 60 && health !== "healthy"; attempt++) {
    await sleep(1_000);
    health = docker(["inspect", "--format", "{{.State.Health.Status}}", names.gateway], { quiet: true }).stdout.trim();
  }
  if (health !== "healthy") throw new Error(`the gateway's HEALTHCHECK says "${health}"`);
  const port = docker(["port", names.gateway, "8080/tcp"], { quiet: true }).stdout.trim().split(":").pop();
  const response = await fetch(`http://127.0.0.1:${port}/mcp`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", origin: "http://localhost:3000", authorization: "Bearer dev_key_1" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-03-26", capabilities: {}, clientInfo: { name: "container-test", version: "1" } } }),
  });
  if (response.status !== 200) throw new Error(`initialize through the gateway answered ${response.status}: ${await response.text()}`);
  docker(["stop", "--time", "20", names.gateway], { quiet: true });
  const exit = docker(["inspect", "--format", "{{.State.ExitCode}}", names.gateway], { quiet: true }).stdout.trim();
  if (exit !== "0") throw new Error(`the gateway exited ${exit} on SIGTERM, not 0`);
  console.log("container test: PASSED — built both images; non-root, healthy, served initialize, drained on SIGTERM (exit 0)");
} catch (err) {
  failed = true;
  console.error(`container test: FAILED — ${err.message}`);
  spawnSync("docker", ["logs", names.gateway], { stdio: "inherit" });
} finally {
  for (const name of [names.gateway, names.upstream]) spawnSync("docker", ["rm", "-f", name], { stdio: "ignore" });
  spawnSync("docker", ["network", "rm", names.network], { stdio: "ignore" });
  spawnSync("docker", ["rmi", "-f", `${tag}:gateway`, `${tag}:demo-upstream`], { stdio: "ignore" });
}
process.exit(failed ? 1 : 0);
