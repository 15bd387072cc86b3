/**
 * Throughput load from wrk: native, one thread, so on a 2-core box the load generator is not
 * what caps `direct` (autocannon in the Node runner tops out near 11k req/s here; wrk drives the
 * same upstream at more than twice that).
 *
 * A Lua script, written per leg, sets the method, body and headers, checks every response in
 * `response()` and prints one JSON line from `done()`. wrk then waits for a line on its stdin
 * before it exits, so its CPU time can be read from /proc with all of its work in it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { spawnChild } from "./children.js";
import type { Driven, Numbered, Workload } from "./load.js";
import { MCP_POST_HEADERS } from "./mcp-fixtures.js";
import { cpuMicros } from "./proc-stats.js";
import type { Target } from "./targets.js";

/** What done() prints (see SCRIPT). Times in µs. */
interface WrkReport {
  requests: number;
  durationUs: number;
  bytes: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  non2xx: number;
  mismatches: number;
  statusCodes: Record<string, number>;
  latencyUs: { p50: number; p90: number; p99: number; max: number };
}

/** A Lua string literal: printable ASCII as it is, every other byte (and `"`, a backslash) as `\ddd`. */
function lua(text: string): string {
  let literal = "";
  for (const byte of Buffer.from(text)) {
    literal += byte >= 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x5c ? String.fromCharCode(byte) : `\\${String(byte).padStart(3, "0")}`;
  }
  return `"${literal}"`;
}

/**
 * The largest exact answer wrk compares on every response. To hand a body to `response()` wrk
 * copies it into Lua: for the 1 MiB answers that cost wrk ~300 µs more per response (~600 µs
 * without) and took 15–20 % off direct's MB/s on a 2-core box, so the load generator would cap
 * the figure again. Above this size wrk counts failed statuses itself (4xx and 5xx) and runLeg
 * compares one body before the leg and one after. For a ~200-byte answer the check costs wrk
 * ~1.4 µs per response (~11 µs without), leaving it far from being what limits a leg.
 */
export const WRK_BODY_LIMIT = 64 * 1024;

/**
 * The part of the script that is the same for every leg. `check` is "exact", "contains",
 * "status" (every status counted, bodies not checked) or "none" (no `response()`: wrk's own
 * count of 4xx and 5xx). Bodies are read from files next to the script, so they need no
 * escaping. `response()` runs in each wrk thread's own Lua state, `done()` in the main one,
 * which reads the threads' counters.
 */
const SCRIPT = `
local function read(name)
  local file = assert(io.open(dir .. name, "rb"))
  local text = file:read("*a")
  file:close()
  return text
end

wrk.method = "POST"
wrk.body = read("body")
local expected = check == "exact" and read("expected") or nil
local contains = check == "contains" and read("contains") or nil

if numbered then
  -- One thread, so one counter gives every request in flight its own id.
  local before, after, id = read("before"), read("after"), firstId
  function request()
    id = id + 1
    return wrk.format(nil, nil, nil, before .. id .. after)
  end
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

non2xx, mismatches, codes = 0, 0, {}
if check ~= "none" then
  function response(status, headers, body)
    codes[status] = (codes[status] or 0) + 1
    if status < 200 or status > 299 then
      non2xx = non2xx + 1
    elseif expected and body ~= expected then
      mismatches = mismatches + 1
    elseif contains and not string.find(body, contains, 1, true) then
      mismatches = mismatches + 1
    end
  end
end

function done(summary, latency, requests)
  local failed, wrong, all = check == "none" and summary.errors.status or 0, 0, {}
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("non2xx")
    wrong = wrong + thread:get("mismatches")
    for code, count in pairs(thread:get("codes")) do all[code] = (all[code] or 0) + count end
  end
  local statuses = {}
  for code, count in pairs(all) do table.insert(statuses, string.format('"%d":%.0f', code, count)) end
  local e = summary.errors
  io.write(string.format(
    '{"requests":%.0f,"durationUs":%.0f,"bytes":%.0f,' ..
      '"errors":{"connect":%.0f,"read":%.0f,"write":%.0f,"status":%.0f,"timeout":%.0f},' ..
      '"non2xx":%.0f,"mismatches":%.0f,"statusCodes":{%s},"latencyUs":{"p50":%.0f,"p90":%.0f,"p99":%.0f,"max":%.0f}}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    failed, wrong, table.concat(statuses, ","),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
  io.flush()
  -- Stay until the runner has read this process's CPU time.
  io.read("*l")
end
`;

function writeScript(dir: string, target: Target, workload: Workload, numbered: Numbered | undefined): string {
  const files: Record<string, string> = { body: workload.body };
  let check = "status";
  if (typeof workload.expect === "string") {
    if (workload.expect.length > WRK_BODY_LIMIT) check = "none";
    else [check, files.expected] = ["exact", workload.expect];
  } else if (workload.contains !== undefined) [check, files.contains] = ["contains", workload.contains];
  if (numbered) [files.before, files.after] = [numbered.before, numbered.after];
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  const headers = Object.entries({ ...MCP_POST_HEADERS, ...target.headers }).map(([name, value]) => `wrk.headers[${lua(name)}] = ${lua(value)}`);
  const head = [
    `dir = ${lua(`${dir}${path.sep}`)}`,
    `check = ${lua(check)}`,
    `numbered = ${numbered ? "true" : "false"}`,
    `firstId = ${numbered?.firstId ?? 0}`,
  ];
  const file = path.join(dir, "load.lua");
  writeFileSync(file, [...head, SCRIPT, ...headers, ""].join("\n"));
  return file;
}

/** Runs wrk against the target for `seconds`; resolves once wrk has reported, with its CPU time. */
export async function driveWrk(bin: string, target: Target, workload: Workload, seconds: number, numbered: Numbered | undefined): Promise<Driven> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-wrk-"));
  try {
    const script = writeScript(dir, target, workload, numbered);
    // wrk takes whole seconds only.
    const args = ["-t", "1", "-c", String(workload.connections), "-d", `${Math.max(1, Math.round(seconds))}s`, "--timeout", "10s", "-s", script, target.url];
    const child = spawnChild("wrk", bin, args, { stdio: ["pipe", "pipe", "pipe"] });
    const line = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.process.stdout! });
      lines.on("line", (text) => {
        if (text.startsWith("{")) resolve(text);
      });
      void child.exited.then((code) => reject(new Error(`wrk exited (${code}) without a report: ${child.stderr().trim()}`)));
    });
    const cpu = cpuMicros(child.pid) ?? NaN;
    child.process.stdin!.end("\n");
    await child.exited;
    const report = JSON.parse(line) as WrkReport;
    const { connect, read, write, timeout } = report.errors;
    return {
      loadgen: "wrk",
      requests: report.requests,
      seconds: report.durationUs / 1e6,
      bytes: report.bytes,
      failures: { errors: connect + read + write, timeouts: timeout, non2xx: report.non2xx, mismatches: report.mismatches, statusCodes: report.statusCodes },
      loadgenCpuMicros: cpu,
      latencyUs: report.latencyUs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
