/**
 * Starts the targets the scenarios compare, each with its own processes, or says why one is
 * not available. Everything started here is stopped by PID (see children.ts).
 */
import { AUTH_HEADERS, FAN_OUT_PREFIXES, fanOutConfig, fullConfig, oauthConfig, passThroughConfig, type ConfigOptions } from "./gateway-configs.js";
import { missingPlugin, startGateway } from "./gateway-process.js";
import { BENCH_RESOURCE, startBenchIssuer, type BenchIssuer } from "./oauth-issuer.js";
import { startNginx } from "./nginx-process.js";
import { startPeer } from "./peer-targets.js";
import { preflight } from "./preflight.js";
import { readsProcessed, startRedis, type RedisProcess } from "./redis-process.js";
import type { Status } from "./results.js";
import type { Target, TargetName } from "./targets.js";
import { startScript, startUpstream, type UpstreamProcess } from "./upstream-process.js";

export interface Running {
  target: Target;
  stop(): Promise<void>;
  /** The generated config file, for gateways. */
  configFile?: string;
  /** `performance.now()` when a gateway process was spawned. */
  spawnedAt?: number;
}

export interface Unavailable {
  status: Exclude<Status, "ok">;
  note: string;
}

export interface StartOptions {
  /** Keep-alive connections per upstream (the SSE fan-in holds one per stream). */
  connections?: number;
  nodeArgs?: readonly string[];
  /** Suffix for the config file name, so fresh gateways do not overwrite each other's. */
  label?: string;
}

export class Fleet {
  private redis: Promise<RedisProcess | string> | undefined;
  /** The fan-out gateway's own upstreams, started the first time it is. */
  private fanOutUpstreams: Promise<UpstreamProcess[]> | undefined;
  /** The authorization server gateway-oauth trusts, started the first time it is. */
  private oauthIssuer: Promise<BenchIssuer> | undefined;

  constructor(
    readonly upstream: UpstreamProcess,
    private readonly dir: string,
    private readonly keepaliveMs: number,
    /** Node flags for every Node proxy started here (gateways, the Node anchors, the peers). */
    private readonly proxyNodeArgs: readonly string[] = [],
  ) {}

  /** Starts a target and checks it answers correctly; or explains why it cannot be measured. */
  async start(name: TargetName, options: StartOptions = {}): Promise<Running | Unavailable> {
    let running: Running | Unavailable;
    try {
      running = await this.launch(name, options);
    } catch (err) {
      return { status: "errors", note: `did not start: ${(err as Error).message.split("\n")[0]}` };
    }
    if (!("target" in running)) return running;
    const problems = await preflight(running.target);
    if (problems.length) {
      await running.stop();
      return { status: "errors", note: `preflight failed: ${problems.join("; ")}` };
    }
    return running;
  }

  private async launch(name: TargetName, options: StartOptions): Promise<Running | Unavailable> {
    const config: Omit<ConfigOptions, "port"> = { upstreamUrl: this.upstream.url, ...(options.connections ? { connections: options.connections } : {}) };
    const configName = `${name}${options.label ? `-${options.label}` : ""}`;
    const nodeArgs = [...this.proxyNodeArgs, ...(options.nodeArgs ?? [])];
    switch (name) {
      case "direct":
        return { target: { name, url: this.upstream.url, headers: {} }, stop: async () => undefined };
      case "nginx": {
        const nginx = await startNginx(this.dir, this.upstream.url);
        if (typeof nginx === "string") return { status: "skipped", note: nginx };
        return { target: { name, url: nginx.url, headers: {}, pid: nginx.pid }, stop: () => nginx.child.stop() };
      }
      case "node-relay": {
        const relay = await startScript("node-relay", "node-relay.ts", ["--upstream", this.upstream.url], nodeArgs);
        return { target: { name, url: relay.url, headers: {}, pid: relay.child.pid }, stop: () => relay.child.stop() };
      }
      case "node-proxy": {
        const proxy = await startScript("node-proxy", "node-proxy.ts", ["--upstream", this.upstream.url], nodeArgs);
        return { target: { name, url: proxy.url, headers: {}, pid: proxy.child.pid }, stop: () => proxy.child.stop() };
      }
      case "gateway": {
        const gateway = await startGateway({ name: configName, dir: this.dir, config: (port) => passThroughConfig({ ...config, port }), nodeArgs });
        return { target: { name, url: gateway.url, headers: {}, pid: gateway.pid }, stop: gateway.stop, configFile: gateway.configFile, spawnedAt: gateway.spawnedAt };
      }
      case "gateway-fanout": {
        const fanOut = await (this.fanOutUpstreams ??= startFanOutUpstreams(this.keepaliveMs));
        const upstreams = fanOut.map((upstream, index) => ({ name: FAN_OUT_PREFIXES[index]!, url: upstream.url }));
        const gateway = await startGateway({ name: configName, dir: this.dir, config: (port) => fanOutConfig({ port, upstreams }), nodeArgs });
        const upstreamPids = fanOut.map((upstream) => upstream.child.pid);
        return { target: { name, url: gateway.url, headers: {}, pid: gateway.pid, upstreamPids }, stop: gateway.stop, configFile: gateway.configFile, spawnedAt: gateway.spawnedAt };
      }
      case "gateway-full":
      case "gateway-redis": {
        const missing = missingPlugin();
        if (missing) return { status: "skipped", note: `plugin ${missing} not available (packages/plugin-${missing} is not built)` };
        let env: NodeJS.ProcessEnv = {};
        let aux: Pick<Target, "auxPids" | "auxOps"> = {};
        if (name === "gateway-redis") {
          const redis = await (this.redis ??= startRedis());
          if (typeof redis === "string") return { status: "skipped", note: redis };
          env = { REDIS_URL: redis.url };
          aux = { auxPids: [redis.pid], auxOps: () => readsProcessed(redis.url) };
        }
        const gateway = await startGateway({
          name: configName,
          dir: this.dir,
          config: (port) => fullConfig({ ...config, port }),
          env,
          nodeArgs,
        });
        return { target: { name, url: gateway.url, headers: AUTH_HEADERS, pid: gateway.pid, ...aux }, stop: gateway.stop, configFile: gateway.configFile, spawnedAt: gateway.spawnedAt };
      }
      case "gateway-oauth": {
        const missing = missingPlugin(["auth-oauth"]);
        if (missing) return { status: "skipped", note: `plugin ${missing} not available (packages/plugin-${missing} is not built)` };
        const issuer = await (this.oauthIssuer ??= startBenchIssuer());
        const gateway = await startGateway({
          name: configName,
          dir: this.dir,
          config: (port) => oauthConfig({ ...config, port, issuer: issuer.issuer, resource: BENCH_RESOURCE }),
          nodeArgs,
        });
        const headers = { authorization: `Bearer ${issuer.token}` };
        return { target: { name, url: gateway.url, headers, pid: gateway.pid }, stop: gateway.stop, configFile: gateway.configFile, spawnedAt: gateway.spawnedAt };
      }
      case "supergateway-stdio":
      case "supergateway-http":
      case "mcp-proxy-stdio":
        return startPeer(name, nodeArgs);
    }
  }

  async close(): Promise<void> {
    const redis = await this.redis;
    if (redis && typeof redis !== "string") await redis.stop();
    const issuer = await this.oauthIssuer?.catch(() => undefined);
    await issuer?.close();
    const fanOut = await this.fanOutUpstreams?.catch(() => []);
    await Promise.all((fanOut ?? []).map((upstream) => upstream.child.stop()));
  }
}

/** One fixture process per FAN_OUT_PREFIXES entry; if one cannot start, those that did are stopped. */
async function startFanOutUpstreams(keepaliveMs: number): Promise<UpstreamProcess[]> {
  const started = await Promise.allSettled(FAN_OUT_PREFIXES.map((prefix) => startUpstream(keepaliveMs, prefix)));
  const failed = started.find((outcome) => outcome.status === "rejected");
  if (!failed) return started.map((outcome) => (outcome as PromiseFulfilledResult<UpstreamProcess>).value);
  await Promise.all(started.flatMap((outcome) => (outcome.status === "fulfilled" ? [outcome.value.child.stop()] : [])));
  throw (failed as PromiseRejectedResult).reason;
}

export function isRunning(value: Running | Unavailable): value is Running {
  return "target" in value;
}
