/**
 * Summarises a `.cpuprofile` written by `npm run bench -- --profile` (or any `node --cpu-prof`):
 *
 *   node --import tsx bench/profile-summary.ts FILE [--skip-ms 1500] [--top 30] [--callers NAME]
 *
 * Prints self time by package and by function; with --callers, the call paths leading to the
 * functions whose name starts with NAME (e.g. `DOMException`), to see who pays for them.
 */
import { parseArgs } from "node:util";
import { callersOf, summariseProfile } from "./lib/cpu-profile.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { "skip-ms": { type: "string" }, top: { type: "string" }, callers: { type: "string" } },
});
const file = positionals[0];
if (!file) {
  console.error("usage: node --import tsx bench/profile-summary.ts FILE [--skip-ms MS] [--top N] [--callers NAME]");
  process.exit(2);
}
const skipMs = Number(values["skip-ms"] ?? 0);
const top = Number(values.top ?? 25);
const summary = summariseProfile(file, { skipMs, top });
console.log(`${file}: ${summary.busyMs} ms busy, ${summary.idleMs} ms idle (first ${summary.skippedMs} ms left out)\n\nself time by package:`);
for (const area of summary.areas) console.log(`${area.percent.toFixed(1).padStart(6)}%  ${area.name}`);
console.log("\nself time by function:");
for (const fn of summary.functions) console.log(`${fn.percent.toFixed(1).padStart(6)}%  ${fn.name}  [${fn.area}]`);
if (values.callers) {
  console.log(`\ncall paths to ${values.callers}*:`);
  for (const path of callersOf(file, values.callers, { skipMs, top })) console.log(`${path.percent.toFixed(1).padStart(6)}%  ${path.stack.join(" < ")}`);
}
