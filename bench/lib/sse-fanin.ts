/**
 * SSE fan-in: N clients each hold a GET event stream through the target for a while. Measures
 * the memory each held stream costs the proxy, its CPU while holding them (keepalives flow every
 * tick), and how many upstream streams are still open once the clients have gone.
 */
import { callRequest, echoAnswer, ECHO_MESSAGE } from "./mcp-fixtures.js";
import { sleep } from "./net.js";
import { cpuMicros, memory } from "./proc-stats.js";
import { closeStreams, openStreams, poll } from "./sse-client.js";
import type { Target, TargetName } from "./targets.js";
import type { UpstreamProcess } from "./upstream-process.js";

export interface FanInResult {
  target: TargetName;
  streams: number;
  opened: number;
  /** First reasons streams failed to open, for the report. */
  failures: string[];
  /** Streams the upstream held while the clients held theirs. */
  upstreamOpenDuringHold: number;
  /** Streams that saw at least one keepalive after opening. */
  streamsWithKeepalives: number;
  holdSeconds: number;
  /** RSS growth of the measured process per held stream, bytes (the figure). */
  rssPerStream: number;
  /**
   * RSS growth per stream of the second half alone, bytes: what one more stream costs once the
   * process has grown its fixed parts (V8's young generation grows to ~48 MiB under the opening
   * burst whatever the stream count).
   */
  rssPerStreamMarginal: number;
  rssBefore: number;
  /** RSS with the first half of the streams open. */
  rssHalf: number;
  rssHeld: number;
  peakRss: number;
  /** CPU of the measured process while holding, as % of one core. */
  cpuPercentHolding: number;
  /** Upstream streams still open when the clients had been gone for `drainWaitMs`. */
  upstreamLeftOpen: number;
  drainWaitMs: number;
  ok: boolean;
}

export interface FanInOptions {
  target: Target;
  upstream: UpstreamProcess;
  streams: number;
  holdSeconds: number;
  /** Grace after the clients leave before counting upstream streams. */
  drainWaitMs?: number;
}

/** Pause after the first half of the streams opened, before reading RSS. */
const SETTLE_MS = 1_000;

export async function sseFanIn(options: FanInOptions): Promise<FanInResult> {
  const { target, upstream, streams: count, holdSeconds } = options;
  const drainWaitMs = options.drainWaitMs ?? 5_000;
  const pid = target.pid ?? upstream.child.pid;
  await poll(async () => (await upstream.stats()).openStreams === 0, 5_000);
  const rssBefore = memory(pid)?.rss ?? NaN;
  const half = Math.floor(count / 2);
  const firstHalf = await openStreams(half, target.url, target.headers);
  await sleep(SETTLE_MS);
  const rssHalf = memory(pid)?.rss ?? NaN;
  const secondHalf = await openStreams(count - half, target.url, target.headers);
  const streams = [...firstHalf, ...secondHalf];
  const opened = streams.filter((stream) => stream.opened);
  const openedSecond = secondHalf.filter((stream) => stream.opened).length;
  try {
    const cpuStart = cpuMicros(pid) ?? NaN;
    const wallStart = performance.now();
    const chunksAtOpen = opened.map((stream) => stream.chunks);
    await sleep(holdSeconds * 1000);
    const cpuPercentHolding = (((cpuMicros(pid) ?? NaN) - cpuStart) / ((performance.now() - wallStart) * 1000)) * 100;
    const mem = memory(pid);
    const upstreamOpenDuringHold = (await upstream.stats()).openStreams;
    const streamsWithKeepalives = opened.filter((stream, index) => stream.chunks > chunksAtOpen[index]!).length;
    closeStreams(streams);
    const drained = await poll(async () => (await upstream.stats()).openStreams === 0, drainWaitMs);
    const upstreamLeftOpen = drained ? 0 : (await upstream.stats()).openStreams;
    const rssHeld = mem?.rss ?? NaN;
    const failures = [...new Set(streams.flatMap((stream) => (stream.failure ? [stream.failure] : [])))].slice(0, 3);
    return {
      target: target.name,
      streams: count,
      opened: opened.length,
      failures,
      upstreamOpenDuringHold,
      streamsWithKeepalives,
      holdSeconds,
      rssPerStream: opened.length ? (rssHeld - rssBefore) / opened.length : NaN,
      rssPerStreamMarginal: openedSecond ? (rssHeld - rssHalf) / openedSecond : NaN,
      rssBefore,
      rssHalf,
      rssHeld,
      peakRss: mem?.peakRss ?? NaN,
      cpuPercentHolding,
      upstreamLeftOpen,
      drainWaitMs,
      ok: opened.length === count && upstreamOpenDuringHold === count && upstreamLeftOpen === 0,
    };
  } finally {
    closeStreams(streams);
  }
}

export interface ResetResult {
  target: TargetName;
  /** Streams per group: one group is reset by the upstream, the other must not notice. */
  streams: number;
  reset: number;
  /** Clients of reset upstream streams whose stream ended (none may hang). */
  clientsEnded: number;
  /** Streams of the other group still open and still receiving keepalives afterwards. */
  othersAlive: number;
  /** A tools/call through the target right after the reset answered correctly. */
  callAfterReset: boolean;
  upstreamLeftOpen: number;
  ok: boolean;
}

/** The upstream resets half of the streams: only their clients may notice. */
export async function upstreamReset(target: Target, upstream: UpstreamProcess, count: number, keepaliveMs: number): Promise<ResetResult> {
  await poll(async () => (await upstream.stats()).openStreams === 0, 5_000);
  const doomed = await openStreams(count, target.url, { ...target.headers, "mcp-session-id": "reset-me" });
  const others = await openStreams(count, target.url, { ...target.headers, "mcp-session-id": "keep-me" });
  try {
    const reset = await upstream.reset("reset-me");
    const ended = await poll(() => doomed.every((stream) => stream.closed), 5_000);
    const before = others.map((stream) => stream.chunks);
    const alive = () => others.filter((stream, index) => stream.opened && !stream.closed && stream.chunks > before[index]!).length;
    // Every surviving stream must see a keepalive sent after the reset; a busy machine may delay one.
    await poll(() => alive() === count, keepaliveMs * 5 + 1_000);
    const othersAlive = alive();
    const response = await fetch(target.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...target.headers },
      body: callRequest(7, "echo"),
    });
    const callAfterReset = response.status === 200 && (await response.text()) === echoAnswer(7, ECHO_MESSAGE);
    closeStreams(others);
    const drained = await poll(async () => (await upstream.stats()).openStreams === 0, 5_000);
    const upstreamLeftOpen = drained ? 0 : (await upstream.stats()).openStreams;
    const clientsEnded = ended ? count : doomed.filter((stream) => stream.closed).length;
    return {
      target: target.name,
      streams: count,
      reset,
      clientsEnded,
      othersAlive,
      callAfterReset,
      upstreamLeftOpen,
      ok: reset === count && clientsEnded === count && othersAlive === count && callAfterReset && upstreamLeftOpen === 0,
    };
  } finally {
    closeStreams(doomed);
    closeStreams(others);
  }
}
