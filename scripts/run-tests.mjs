#!/usr/bin/env node
// Runs every test file with node's built-in runner (TypeScript through tsx).
// Node 20's --test does not expand globs or find .ts files itself, so we list them here.
// Usage: node scripts/run-tests.mjs [path-filter ...]
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const roots = ["packages", "examples", "test", "bench"].map((dir) => path.join(root, dir));

function collect(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (entry === "node_modules" || entry === "dist" || entry.startsWith(".")) continue;
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) collect(full, out);
    else if (/\.test\.(ts|mts|js|mjs)$/.test(entry)) out.push(full);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = roots
  .flatMap((dir) => collect(dir, []))
  // Filters match the path from the repository root, so a checkout's own location never matches.
  .filter((file) => !filters.length || filters.some((filter) => path.relative(root, file).includes(filter)))
  .sort();
if (!files.length) {
  console.error("run-tests: no test files matched");
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-timeout=120000", ...files.map((file) => path.relative(root, file))],
  { cwd: root, stdio: "inherit", env: process.env },
);
process.exit(result.status ?? 1);
