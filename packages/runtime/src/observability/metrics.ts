import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Context } from "../request-context.js";
import { METHODS } from "../mcp/methods.js";
import type { Labels, MetricCounter, MetricGauge, MetricHistogram, PluginMetrics } from "../plugin.js";

/** Every metric of the gateway, and every metric a plugin registers, is named under this. */
export const METRIC_PREFIX = "mcp_gateway_";

/** What the gauges read at scrape time, from the generation serving now. */
export interface MetricSources {
  /** Long-lived event streams open (GET streams, `subscriptions/listen`). */
  openStreams(): number;
  /** Each stdio upstream's processes and per-session sessions. */
  stdio(): readonly { upstream: string; processes: number; sessions: number }[];
  /** Federated sessions in use (seen within their max age). */
  federatedSessions(): number;
}

export interface MetricsOptions {
  /** Distinct tool names labelled in `tool_calls_total`; past it, `tool="_other"`. */
  maxToolLabels: number;
  version: string;
  sources(): MetricSources | undefined;
}

/** Seconds: a gateway adds microseconds, an upstream may take seconds, a tool call minutes. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

const OTHER_TOOL = "_other";
const NAME = /^[a-z_][a-z0-9_]*$/;
const LABEL = /^[a-z_][a-z0-9_]*$/;
/** Labels prom-client or Prometheus give a meaning of their own. */
const RESERVED_LABELS = new Set(["le", "quantile"]);

type Child = { inc(value?: number): void };
type Timer = { observe(value: number): void };

/**
 * The gateway's Prometheus metrics, one registry per gateway (a config reload keeps counting).
 * Per request the work is a few map lookups and increments, at the end of the request: label
 * values come from bounded sets (configured upstream and plugin names, the MCP method table,
 * tool names an upstream listed), never from what a client made up.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter;
  readonly #duration: Histogram;
  readonly #upstreamDuration: Histogram;
  readonly #toolCalls: Counter;
  readonly #authFailures: Counter;
  readonly #policyDenials: Counter;
  readonly #storeErrors: Counter;
  readonly #reloads: Counter;
  readonly #children = new Map<string, Child>();
  readonly #timers = new Map<string, Timer>();
  /** Tool names seen in a `tools/list` result, up to `maxToolLabels`. */
  readonly #tools = new Set<string>();
  readonly #maxToolLabels: number;
  readonly #plugins = new Map<string, { kind: string; labels: string; metric: unknown }>();

  constructor(options: MetricsOptions) {
    const { registry } = this;
    this.#maxToolLabels = options.maxToolLabels;
    collectDefaultMetrics({ register: registry });
    const counter = (name: string, help: string, labelNames: string[]) => new Counter({ name: METRIC_PREFIX + name, help, labelNames, registers: [registry] });
    const histogram = (name: string, help: string, labelNames: string[]) => new Histogram({ name: METRIC_PREFIX + name, help, labelNames, buckets: DURATION_BUCKETS, registers: [registry] });
    this.#requests = counter("requests_total", "MCP endpoint requests by MCP method, upstream and outcome", ["method", "upstream", "outcome"]);
    this.#duration = histogram("request_duration_seconds", "Time from a request's arrival to the end of its answer (event streams that stay open are not observed)", ["method", "upstream"]);
    this.#upstreamDuration = histogram("upstream_duration_seconds", "Time from sending a request upstream to the upstream's response headers", ["upstream"]);
    this.#toolCalls = counter("tool_calls_total", "tools/call calls by tool (names an upstream listed; the rest _other), upstream and outcome", ["tool", "upstream", "outcome"]);
    this.#authFailures = counter("auth_failures_total", "Requests refused by authentication: missing, invalid or ambiguous credentials", ["plugin", "reason"]);
    this.#policyDenials = counter("policy_denials_total", "Calls a policy refused (403)", ["plugin"]);
    this.#storeErrors = counter("store_errors_total", "Failures of a store a plugin depends on (Redis)", ["store"]);
    this.#reloads = counter("config_reloads_total", "Config reloads by result", ["result"]);
    new Gauge({ name: `${METRIC_PREFIX}build_info`, help: "The gateway's version and Node's; always 1", labelNames: ["version", "node"], registers: [registry] })
      .labels(options.version, process.versions.node)
      .set(1);
    new Gauge({
      name: `${METRIC_PREFIX}open_streams`,
      help: "Long-lived event streams open (GET streams, subscriptions/listen)",
      registers: [registry],
      collect() {
        this.set(options.sources()?.openStreams() ?? 0);
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}stdio_processes`,
      help: "Processes a stdio upstream runs",
      labelNames: ["upstream"],
      registers: [registry],
      collect() {
        this.reset();
        for (const { upstream, processes } of options.sources()?.stdio() ?? []) this.labels(upstream).set(processes);
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}sessions`,
      help: 'Client sessions the gateway holds state for: a per-session stdio upstream\'s processes, and upstream="federated" for federated sessions seen within their max age',
      labelNames: ["upstream"],
      registers: [registry],
      collect() {
        this.reset();
        const sources = options.sources();
        for (const { upstream, sessions } of sources?.stdio() ?? []) this.labels(upstream).set(sessions);
        const federated = sources?.federatedSessions() ?? 0;
        if (federated) this.labels("federated").set(federated);
      },
    });
    this.#reloads.labels("ok").inc(0);
    this.#reloads.labels("error").inc(0);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** A `tools/list` result passed through: its tool names become label values (up to the cap). */
  learnTools(result: unknown): void {
    const tools = (result as { tools?: unknown } | null)?.tools;
    if (!Array.isArray(tools)) return;
    for (const tool of tools) {
      if (this.#tools.size >= this.#maxToolLabels) return;
      const name = (tool as { name?: unknown } | null)?.name;
      if (typeof name === "string" && name.length <= 128) this.#tools.add(name);
    }
  }

  configReload(result: "ok" | "error"): void {
    this.#reloads.labels(result).inc();
  }

  /** Counts a finished request: called once, when its outcome is known and the client has its answer. */
  observe(ctx: Context): void {
    const method = methodLabel(ctx);
    const upstream = ctx.upstream?.name ?? (ctx.federation ? "federated" : "none");
    const outcome = outcomeLabel(ctx);
    this.#count(this.#requests, `r\0${method}\0${upstream}\0${outcome}`, [method, upstream, outcome]);
    const { start, end, upstreamStart, upstreamHeaders } = ctx.timings;
    if (end !== undefined && method !== "GET" && method !== "subscriptions/listen") this.#time(this.#duration, `d\0${method}\0${upstream}`, [method, upstream], (end - start) / 1000);
    if (upstreamStart !== undefined && upstreamHeaders !== undefined) this.#time(this.#upstreamDuration, `u\0${upstream}`, [upstream], (upstreamHeaders - upstreamStart) / 1000);
    for (const call of ctx.calls) {
      if (call.toolName === undefined || call.method !== "tools/call") continue;
      const tool = this.#tools.has(call.toolName) ? call.toolName : OTHER_TOOL;
      this.#count(this.#toolCalls, `t\0${tool}\0${upstream}\0${outcome}`, [tool, upstream, outcome]);
    }
    const code = ctx.outcome?.errorCode;
    if (code === undefined) return;
    const plugin = ctx.outcome?.plugin ?? "none";
    if (code === "MCPGW_ERR_UNAUTHENTICATED" || code === "MCPGW_ERR_AMBIGUOUS_CREDENTIALS") {
      const reason = code === "MCPGW_ERR_AMBIGUOUS_CREDENTIALS" ? "ambiguous" : ctx.authFailures.length ? "invalid" : "missing";
      this.#count(this.#authFailures, `a\0${plugin}\0${reason}`, [plugin, reason]);
    } else if (code === "MCPGW_ERR_FORBIDDEN") this.#count(this.#policyDenials, `p\0${plugin}`, [plugin]);
  }

  #count(counter: Counter, key: string, labels: string[]): void {
    let child = this.#children.get(key);
    if (!child) this.#children.set(key, (child = counter.labels(...labels)));
    child.inc();
  }

  #time(histogram: Histogram, key: string, labels: string[], seconds: number): void {
    let child = this.#timers.get(key);
    if (!child) this.#timers.set(key, (child = histogram.labels(...labels)));
    child.observe(seconds);
  }

  /**
   * A plugin's view: metrics it registers are named `mcp_gateway_<plugin>_<name>`, so two plugins
   * never collide and the runtime's own names stay the runtime's. Registering a metric again (a
   * reload runs `setup` again) returns the one already registered, which keeps counting.
   */
  forPlugin(plugin: string): PluginMetrics {
    const prefix = `${METRIC_PREFIX}${plugin.toLowerCase().replace(/[^a-z0-9_]/g, "_")}_`;
    const register = <T>(kind: string, name: string, labelNames: readonly string[], make: (full: string) => T): T => {
      if (!NAME.test(name)) throw new TypeError(`plugin "${plugin}": metric name "${name}" must be lower-case letters, digits and _`);
      for (const label of labelNames) {
        if (!LABEL.test(label) || RESERVED_LABELS.has(label)) throw new TypeError(`plugin "${plugin}": metric ${name}: label "${label}" is not allowed`);
      }
      const full = prefix + name;
      const known = this.#plugins.get(full);
      if (known) {
        if (known.kind !== kind || known.labels !== labelNames.join(",")) throw new TypeError(`plugin "${plugin}": metric ${full} is already registered as another ${known.kind}`);
        return known.metric as T;
      }
      const metric = make(full);
      this.#plugins.set(full, { kind, labels: labelNames.join(","), metric });
      return metric;
    };
    const registers = [this.registry];
    return {
      counter: (name, help, labelNames = []) =>
        register("counter", name, labelNames, (full): MetricCounter => {
          const counter = new Counter({ name: full, help, labelNames: [...labelNames], registers });
          return { inc: (labels, value = 1) => (labels ? counter.inc(labels, value) : counter.inc(value)) };
        }),
      gauge: (name, help, labelNames = []) =>
        register("gauge", name, labelNames, (full): MetricGauge => {
          const gauge = new Gauge({ name: full, help, labelNames: [...labelNames], registers });
          return {
            set: (value, labels) => (labels ? gauge.set(labels, value) : gauge.set(value)),
            inc: (labels, value = 1) => (labels ? gauge.inc(labels, value) : gauge.inc(value)),
            dec: (labels, value = 1) => (labels ? gauge.dec(labels, value) : gauge.dec(value)),
          };
        }),
      histogram: (name, help, options = {}) =>
        register("histogram", name, options.labelNames ?? [], (full): MetricHistogram => {
          const histogram = new Histogram({ name: full, help, labelNames: [...(options.labelNames ?? [])], buckets: [...(options.buckets ?? DURATION_BUCKETS)], registers });
          return { observe: (value, labels) => (labels ? histogram.observe(labels, value) : histogram.observe(value)) };
        }),
      storeError: (store) => this.#storeErrors.labels(store).inc(),
    };
  }
}

/** The MCP method, from the method table only (a made-up method is `other`); `batch`, or the HTTP method for GET and DELETE. */
function methodLabel(ctx: Context): string {
  if (ctx.http.method !== "POST") return ctx.http.method === "GET" || ctx.http.method === "DELETE" ? ctx.http.method : "other";
  if (ctx.batch) return "batch";
  const method = ctx.calls[0]?.method;
  if (method === undefined) return ctx.calls.length ? "response" : "invalid";
  return METHODS.has(method) ? method : "other";
}

/** ok, rejected_<plugin> (or rejected, by the runtime), timeout, upstream_error, error, aborted. */
function outcomeLabel(ctx: Context): string {
  const outcome = ctx.outcome;
  if (!outcome) return "aborted";
  switch (outcome.kind) {
    case "served":
      return outcome.statusCode < 400 ? "ok" : "upstream_error";
    case "aborted":
      return "aborted";
    case "rejected":
      return outcome.plugin ? `rejected_${outcome.plugin}` : "rejected";
    case "failed": {
      const code = outcome.errorCode ?? "";
      if (code.endsWith("_TIMEOUT")) return "timeout";
      if (code.startsWith("MCPGW_ERR_UPSTREAM") || code === "") return "upstream_error";
      return outcome.plugin ? `error_${outcome.plugin}` : "error";
    }
  }
}

const noop = () => undefined;
const NOOP_METRICS: PluginMetrics = Object.freeze({
  counter: () => ({ inc: noop }),
  gauge: () => ({ set: noop, inc: noop, dec: noop }),
  histogram: () => ({ observe: noop }),
  storeError: noop,
});

/** Without an admin listener nothing is scraped: plugins get metrics that count nothing. */
export function noopPluginMetrics(): PluginMetrics {
  return NOOP_METRICS;
}

export type { Labels };
