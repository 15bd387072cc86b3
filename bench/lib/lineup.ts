import { isRunning, type Fleet, type Running, type StartOptions, type Unavailable } from "./fleet.js";
import type { Lineup } from "./scenarios.js";
import type { TargetName } from "./targets.js";

export interface StartedLineup extends Lineup {
  running: Map<TargetName, Running>;
  stop(): Promise<void>;
}

/** Starts the named targets one after another; those that cannot run are kept with their reason. */
export async function startLineup(fleet: Fleet, names: readonly TargetName[], options: StartOptions = {}, log: (line: string) => void = () => undefined): Promise<StartedLineup> {
  const running = new Map<TargetName, Running>();
  const unavailable = new Map<TargetName, Unavailable>();
  for (const name of names) {
    const started = await fleet.start(name, options);
    if (isRunning(started)) running.set(name, started);
    else {
      unavailable.set(name, started);
      log(`${name}: ${started.status}: ${started.note}`);
    }
  }
  return {
    targets: [...running.values()].map((entry) => entry.target),
    unavailable,
    running,
    async stop() {
      await Promise.all([...running.values()].map((entry) => entry.stop()));
    },
  };
}

/** The same lineup restricted to some targets (unavailable ones keep their reasons). */
export function subset(lineup: Lineup, names: readonly TargetName[]): Lineup {
  return {
    targets: lineup.targets.filter((target) => names.includes(target.name)),
    unavailable: new Map([...lineup.unavailable].filter(([name]) => names.includes(name))),
  };
}
