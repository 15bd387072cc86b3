/**
 * CPU and memory of another process, read from /proc: `process.cpuUsage()` only sees the
 * current process, and the gateway runs as a child so that its cost is its own.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

let clockTicks: number | undefined;

/** Kernel clock ticks per second (utime/stime unit); 100 on nearly every Linux. */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

export interface CpuTimes {
  /** User + system, microseconds. */
  total: number;
  /** In the kernel (system calls, the loopback network stack), microseconds. */
  system: number;
}

/** CPU time a process has used so far; undefined once it is gone. */
export function cpuTimes(pid: number): CpuTimes | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces; fields are counted after its closing paren.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return { total: ((utime + stime) * 1e6) / ticksPerSecond(), system: (stime * 1e6) / ticksPerSecond() };
  } catch {
    return undefined;
  }
}

/** User + system CPU time a process has used so far, in microseconds; undefined once it is gone. */
export function cpuMicros(pid: number): number | undefined {
  return cpuTimes(pid)?.total;
}

/**
 * Every process below `pid` (its children, theirs, …): the MCP server a bridge spawned over stdio,
 * with the shell it may have spawned it through.
 */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // Gone since the listing.
    }
  }
  const found: number[] = [];
  for (let queue = [pid]; queue.length; ) {
    const next = children.get(queue.shift()!) ?? [];
    found.push(...next);
    queue.push(...next);
  }
  return found;
}

export interface Memory {
  /** Resident set now, bytes. */
  rss: number;
  /** Peak resident set since the process started (VmHWM), bytes. */
  peakRss: number;
}

export function memory(pid: number): Memory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kib("VmRSS"), peakRss: kib("VmHWM") };
  } catch {
    return undefined;
  }
}

const GONE: CpuTimes = { total: NaN, system: NaN };

/** CPU used by a set of processes between two readings. */
export class CpuMeter {
  private readonly start = new Map<number, CpuTimes>();
  private startWall = 0;

  constructor(private readonly pids: readonly number[]) {}

  begin(): void {
    this.startWall = performance.now();
    for (const pid of this.pids) this.start.set(pid, cpuTimes(pid) ?? GONE);
  }

  /** CPU microseconds per pid since `begin` (total and in the kernel), and the wall time elapsed. */
  end(): { cpu: Map<number, number>; system: Map<number, number>; wallMs: number } {
    const cpu = new Map<number, number>();
    const system = new Map<number, number>();
    for (const pid of this.pids) {
      const now = cpuTimes(pid) ?? GONE;
      const then = this.start.get(pid) ?? GONE;
      cpu.set(pid, now.total - then.total);
      system.set(pid, now.system - then.system);
    }
    return { cpu, system, wallMs: performance.now() - this.startWall };
  }
}
