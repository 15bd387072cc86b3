/** What a load runs against, and what every leg records. */

/**
 * What a user would put in front of an MCP server instead of this gateway (peer-targets.ts):
 * `supergateway-stdio` and `mcp-proxy-stdio` front the stdio fixture (bench/stdio-upstream.ts),
 * `supergateway-http` the HTTP fixture.
 */
export const PEERS = Object.freeze(["supergateway-stdio", "supergateway-http", "mcp-proxy-stdio"] as const);
export type PeerName = (typeof PEERS)[number];

/**
 * `node-relay`: a Node TCP relay without HTTP (bench/node-relay.ts), the floor of any Node process.
 * `node-proxy`: the least a Node MCP proxy does (bench/node-proxy.ts), the gateway's floor.
 * `gateway-fanout`: federation over three upstream processes (the fan-out scenario).
 * `gateway-oauth`: gateway-full with auth-oauth (ES256 access tokens, token cache on) in place of auth-apikey.
 */
export type TargetName = "direct" | "nginx" | "node-relay" | "node-proxy" | "gateway" | "gateway-full" | "gateway-oauth" | "gateway-redis" | "gateway-fanout" | PeerName;

export function isPeer(name: TargetName): name is PeerName {
  return (PEERS as readonly string[]).includes(name);
}

export interface Target {
  name: TargetName;
  /** The MCP endpoint. */
  url: string;
  /** Sent with every request (credentials for gateway-full, the session of a peer). */
  headers: Readonly<Record<string, string>>;
  /**
   * The requests share one MCP session the target opened when it started (its id is in
   * `headers`): requests in flight together need distinct JSON-RPC ids, as in any session, so
   * the load numbers them. With one id for all, a session answers one and leaves the rest hanging.
   */
  sharedSession?: boolean;
  /** The proxy process (absent for direct). */
  pid?: number;
  /**
   * The upstream processes this target's requests reach, when not the shared fixture (the three
   * of gateway-fanout): their CPU together is the target's upstream CPU.
   */
  upstreamPids?: readonly number[];
  /** Other processes whose CPU the target costs (Redis for gateway-redis). */
  auxPids?: readonly number[];
  /** Operations those processes served so far (Redis round trips), read before and after a leg. */
  auxOps?: () => Promise<number>;
}

/** Responses that were not what the upstream sent: any of these makes a leg unusable as a figure. */
export interface Failures {
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
  statusCodes: Record<string, number>;
}

export function failureCount(failures: Failures): number {
  return failures.errors + failures.timeouts + failures.non2xx + failures.mismatches;
}

/** CPU microseconds per completed request, by process. */
export interface CpuPerRequest {
  proxy?: number;
  /** The part of `proxy` spent in the kernel. */
  proxySystem?: number;
  /** Every upstream process the request reached, together. */
  upstream: number;
  aux?: number;
  /** wrk's own CPU, read from /proc; with autocannon, the runner's. */
  loadgen: number;
}

export type Loadgen = "wrk" | "autocannon";

export interface LegResult {
  target: TargetName;
  round: number;
  /** What drove the load: wrk (native), or autocannon (in the runner, caps near 11k req/s here). */
  loadgen: Loadgen;
  requests: number;
  seconds: number;
  rps: number;
  bytesPerSec: number;
  failures: Failures;
  ok: boolean;
  cpuUsPerRequest: CpuPerRequest;
  /** Redis round trips per completed request (gateway-redis). */
  auxOpsPerRequest?: number;
  /** Latency under this load, as the load generator saw it, µs. */
  latencyUs: { p50: number; p90: number; p99: number; max: number };
  /** Proxy memory at the end of the leg, bytes. */
  proxyRss?: number;
  proxyPeakRss?: number;
}
