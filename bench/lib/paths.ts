import path from "node:path";
import { fileURLToPath } from "node:url";

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const REPO_ROOT = path.resolve(BENCH_DIR, "..");
export const CLI_BIN = path.join(REPO_ROOT, "packages/runtime/bin/mcp-gateway.js");
export const RESULTS_DIR = path.join(BENCH_DIR, "results");
