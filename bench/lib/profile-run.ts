/**
 * `--profile`: gateway-full (the bare gateway when the plugins are not built) under the
 * tools/call load with `node --cpu-prof`, apart from the measured rounds (the profiler slows
 * the process it watches). The profile is written when the gateway exits after SIGTERM.
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { summariseProfile, type ProfileSummary } from "./cpu-profile.js";
import { isRunning, type Fleet } from "./fleet.js";
import { runLeg, type LoadgenChoice, type Workload } from "./load.js";
import type { ProfileTarget } from "./options.js";
import { RESULTS_DIR } from "./paths.js";

/** `requests`: completed during the profiled leg, to read the profile as µs per request. */
export type ProfileOutcome = (ProfileSummary & { target: string; requests: number }) | string;

export async function profileGateway(
  fleet: Fleet,
  wanted: ProfileTarget,
  workload: Workload,
  seconds: number,
  stamp: string,
  loadgen: LoadgenChoice,
): Promise<ProfileOutcome> {
  const dir = path.join(RESULTS_DIR, "profiles");
  mkdirSync(dir, { recursive: true });
  const fileOf = (target: string) => `${target}-${stamp}.cpuprofile`;
  const start = (target: ProfileTarget) =>
    fleet.start(target, { nodeArgs: ["--cpu-prof", "--cpu-prof-dir", dir, "--cpu-prof-name", fileOf(target)], label: "profile" });
  let started = await start(wanted);
  if (!isRunning(started) && started.status === "skipped") started = await start("gateway");
  if (!isRunning(started)) return `${started.status}: ${started.note}`;
  // Startup and warm-up (module loading, first compiles) are left out of the summary.
  let skipMs = 0;
  let requests = 0;
  try {
    await runLeg(started.target, workload, 1, 0, fleet.upstream.child.pid, loadgen);
    skipMs = performance.now() - (started.spawnedAt ?? performance.now());
    const leg = await runLeg(started.target, workload, seconds, 1, fleet.upstream.child.pid, loadgen);
    if (!leg.ok) return `profiled run had failed responses: ${JSON.stringify(leg.failures)}`;
    requests = leg.requests;
  } finally {
    await started.stop();
  }
  const file = path.join(dir, fileOf(started.target.name));
  if (!existsSync(file)) return `no profile written at ${file} (the gateway did not exit cleanly)`;
  return { target: started.target.name, requests, ...summariseProfile(file, { skipMs }) };
}
