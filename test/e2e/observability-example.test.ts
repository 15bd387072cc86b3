/**
 * examples/observability without Docker: its Compose file, Prometheus, Grafana and collector
 * configs read as files, its gateway config run in front of the demo upstream, and every query of
 * its dashboard checked against the metrics a gateway exports and run by a real Prometheus that
 * scrapes with the admin token.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { postJsonRpc, rpc, startTestGateway, toolsCall, toolsList, type TestGateway } from "@mcp-gateway/runtime/testing";
import { parse } from "yaml";
import { startDemoUpstream } from "../../examples/demo-upstream/server.mjs";
import { driveTraffic, familyOf, metricNamesIn, parseExposition, startObservedGateway, type Family, type ObservedGateway } from "../helpers/observed-gateway.ts";
import { prometheusSkipReason, startPrometheus, type PrometheusServer } from "../helpers/prometheus.ts";
import { REPO_ROOT } from "../helpers/spawn-gateway.ts";
import { initialize } from "../helpers/stdio.ts";

const DIR = path.join(REPO_ROOT, "examples", "observability");
const read = (file: string) => readFileSync(path.join(DIR, file), "utf8");
const yamlOf = <T>(file: string) => parse(read(file)) as T;

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; target?: string };
  command?: string | string[];
  ports?: (string | { target: number; published?: string | number; host_ip?: string })[];
  expose?: unknown[];
  network_mode?: string;
  environment?: Record<string, string> | string[];
  volumes?: (string | { type: string; source: string; target: string })[];
  secrets?: (string | { source: string; target?: string })[];
}
interface Compose {
  services: Record<string, Service>;
  secrets?: Record<string, { environment?: string; file?: string }>;
  volumes?: Record<string, unknown>;
}

const compose = yamlOf<Compose>("docker-compose.yml");
const services = compose.services;

function environmentOf(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  return Array.isArray(env) ? Object.fromEntries(env.map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)])) : env;
}

/** A service's mounts by target: `{ source, named }`, a relative source resolved from the example's directory. */
function mountsOf(service: Service): Record<string, { source: string; named: boolean }> {
  return Object.fromEntries(
    (service.volumes ?? []).map((volume) => {
      const [source, target] = typeof volume === "string" ? volume.split(":") : [volume.source, volume.target];
      const named = !source!.startsWith(".") && !source!.startsWith("/");
      return [target!, { source: named ? source! : path.resolve(DIR, source!), named }];
    }),
  );
}

/** The file a service mounts at `target`. */
function mounted(service: string, target: string): string {
  const mount = mountsOf(services[service]!)[target];
  assert.ok(mount && !mount.named, `${service} mounts a file of the example at ${target}`);
  return mount.source;
}

/** Where Compose puts a service's secret (the short syntax: /run/secrets/<name>). */
function secretPath(service: string, name: string): string {
  const secret = (services[service]!.secrets ?? []).find((entry) => (typeof entry === "string" ? entry : entry.source) === name);
  assert.ok(secret, `${service} is given the ${name} secret`);
  const target = typeof secret === "string" ? undefined : secret.target;
  return target?.startsWith("/") ? target : `/run/secrets/${target ?? name}`;
}

function commandOf(service: Service): string[] {
  return typeof service.command === "string" ? service.command.split(/\s+/) : (service.command ?? []);
}

interface GatewayConfig {
  server: { host: string; port: number; path?: string };
  admin: { host: string; port: number; token: string };
  upstreams: { name: string; url: string }[];
  [key: string]: unknown;
}
const gatewayConfig = yamlOf<GatewayConfig>("config.yml");

describe("examples/observability: the Compose file, read without Docker", () => {
  it("runs the gateway, the demo upstream, Prometheus, Grafana and an OpenTelemetry collector", () => {
    assert.deepEqual(Object.keys(services).sort(), ["demo-upstream", "grafana", "mcp-gateway", "otel-collector", "prometheus"]);
  });

  it("publishes the MCP endpoint, Prometheus and Grafana on loopback, and nothing else", () => {
    const published = Object.fromEntries(Object.entries(services).map(([name, service]) => [name, (service.ports ?? []).map(String)]));
    assert.deepEqual(published, {
      "demo-upstream": [],
      "mcp-gateway": [`127.0.0.1:8080:${gatewayConfig.server.port}`],
      prometheus: ["127.0.0.1:9090:9090"],
      grafana: ["127.0.0.1:3000:3000"],
      "otel-collector": [],
    });
    for (const [name, service] of Object.entries(services)) {
      assert.equal(service.network_mode, undefined, `${name} stays on the Compose network`);
      assert.equal(service.expose, undefined, `${name} exposes nothing beyond its image`);
    }
  });

  it("builds the gateway and the demo upstream from the repository's Dockerfile, and pins every other image by its version tag", () => {
    const dockerfile = readFileSync(path.join(REPO_ROOT, "Dockerfile"), "utf8");
    const stages = new Set([...dockerfile.matchAll(/^FROM \S+ AS (\S+)$/gm)].map(([, stage]) => stage!));
    for (const [name, service] of Object.entries(services)) {
      if (service.build) {
        assert.equal(service.image, undefined, name);
        assert.equal(path.resolve(DIR, service.build.context, service.build.dockerfile), path.join(REPO_ROOT, "Dockerfile"), name);
        assert.ok(service.build.target && stages.has(service.build.target), `${name} builds stage ${service.build.target}`);
      } else {
        assert.match(service.image ?? "", /^[a-z0-9./-]+:v?\d+\.\d+\.\d+$/, `${name}: an image pinned by a version tag`);
      }
    }
    assert.equal(services["mcp-gateway"]!.build!.target, "gateway");
    assert.equal(services["demo-upstream"]!.build!.target, "demo-upstream");
  });

  it("mounts files of the example that exist, and named volumes it declares", () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [target, mount] of Object.entries(mountsOf(service))) {
        if (mount.named) assert.ok(compose.volumes && mount.source in compose.volumes, `${name}: volume ${mount.source} is declared`);
        else {
          assert.ok(mount.source.startsWith(DIR + path.sep), `${name} mounts ${mount.source} from the example's directory`);
          assert.ok(existsSync(mount.source), `${name} mounts ${mount.source} at ${target}, which exists`);
        }
      }
    }
  });

  it("mounts config.yml where the gateway image reads its config", () => {
    assert.equal(mounted("mcp-gateway", "/config/config.yml"), path.join(DIR, "config.yml"));
    const gatewayStage = readFileSync(path.join(REPO_ROOT, "Dockerfile"), "utf8").split(/ AS gateway\n/)[1]!;
    assert.match(gatewayStage, /^CMD \[.*"-c", "\/config\/config\.yml"\]$/m);
  });

  it("gives the gateway ADMIN_TOKEN, required, and Prometheus the same variable as a secret", () => {
    assert.match(environmentOf(services["mcp-gateway"]!).ADMIN_TOKEN ?? "", /^\$\{ADMIN_TOKEN:\?[^}]+\}$/, "Compose refuses to start without ADMIN_TOKEN");
    assert.deepEqual(compose.secrets?.admin_token, { environment: "ADMIN_TOKEN" });
    assert.equal(secretPath("prometheus", "admin_token"), "/run/secrets/admin_token");
    assert.equal(services.grafana!.secrets, undefined, "only Prometheus reads the token");
  });

  it("points the gateway's OTLP exporter at the collector's OTLP/HTTP receiver, which prints spans", () => {
    const env = environmentOf(services["mcp-gateway"]!);
    assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, "http://otel-collector:4318");
    assert.equal(env.OTEL_SERVICE_NAME, "mcp-gateway");
    const configFlag = commandOf(services["otel-collector"]!).find((arg) => arg.startsWith("--config="));
    assert.ok(configFlag, "the collector is started with --config=");
    const collector = parse(readFileSync(mounted("otel-collector", configFlag.slice("--config=".length)), "utf8")) as {
      receivers: { otlp: { protocols: { http: { endpoint: string } } } };
      exporters: Record<string, unknown>;
      service: { pipelines: { traces: { receivers: string[]; exporters: string[] } } };
    };
    assert.equal(collector.receivers.otlp.protocols.http.endpoint, "0.0.0.0:4318", "reachable from the gateway's container");
    assert.ok("debug" in collector.exporters);
    assert.deepEqual(collector.service.pipelines.traces, { receivers: ["otlp"], exporters: ["debug"] });
  });
});

describe("examples/observability: config.yml and prometheus.yml", () => {
  interface ScrapeConfig {
    job_name: string;
    metrics_path?: string;
    authorization?: { type?: string; credentials_file?: string };
    static_configs: { targets: string[] }[];
  }
  const prometheusFlag = commandOf(services.prometheus!).find((arg) => arg.startsWith("--config.file="));
  const prometheusFile = mounted("prometheus", prometheusFlag?.slice("--config.file=".length) ?? "/etc/prometheus/prometheus.yml");
  const prometheusConfig = parse(readFileSync(prometheusFile, "utf8")) as { scrape_configs: ScrapeConfig[] };

  it("serves the admin listener on its own port for the Compose network, with the token from ADMIN_TOKEN", () => {
    assert.equal(gatewayConfig.admin.host, "0.0.0.0");
    assert.notEqual(gatewayConfig.admin.port, gatewayConfig.server.port);
    assert.equal(gatewayConfig.admin.token, "${ADMIN_TOKEN}");
    assert.ok(!(services["mcp-gateway"]!.ports ?? []).some((port) => String(port).endsWith(`:${gatewayConfig.admin.port}`)), "the admin port is not published");
  });

  it("sends MCP traffic to the demo-upstream service on the port its image listens on", () => {
    const dockerfile = readFileSync(path.join(REPO_ROOT, "Dockerfile"), "utf8");
    const demoStage = dockerfile.split(/ AS demo-upstream\n/)[1]!.split(/\nFROM /)[0]!;
    const port = /"--port", "(\d+)"/.exec(demoStage)?.[1];
    assert.deepEqual(gatewayConfig.upstreams.map((upstream) => upstream.url), [`http://demo-upstream:${port}/mcp`]);
  });

  it("has Prometheus scrape the gateway's admin port, /metrics, with the token Compose mounts", () => {
    const jobs = prometheusConfig.scrape_configs;
    assert.equal(jobs.length, 1);
    const [job] = jobs;
    assert.deepEqual(job!.static_configs.flatMap((config) => config.targets), [`mcp-gateway:${gatewayConfig.admin.port}`]);
    assert.equal(job!.metrics_path ?? "/metrics", "/metrics");
    assert.equal(job!.authorization?.type ?? "Bearer", "Bearer");
    assert.equal(job!.authorization?.credentials_file, secretPath("prometheus", "admin_token"));
  });

  it("is a config promtool accepts (with the secret's file in place)", { skip: prometheusSkipReason() }, () => {
    const dir = mkdtempSync(path.join(tmpdir(), "mcpgw-obs-example-"));
    try {
      writeFileSync(path.join(dir, "admin_token"), "example-admin-token-0123456789\n");
      writeFileSync(path.join(dir, "prometheus.yml"), readFileSync(prometheusFile, "utf8").replaceAll("/run/secrets/admin_token", path.join(dir, "admin_token")));
      const check = spawnSync("promtool", ["check", "config", path.join(dir, "prometheus.yml")], { encoding: "utf8" });
      assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

interface Target {
  expr: string;
  datasource?: { uid?: string };
}
interface Panel {
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query?: string | { query: string };
  allValue?: string;
  current?: { value: string | string[] };
}
const dashboardFile = path.join(DIR, "grafana", "dashboards", "mcp-gateway.json");
const dashboard = JSON.parse(readFileSync(dashboardFile, "utf8")) as { uid: string; panels: Panel[]; templating: { list: Variable[] } };
const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
const queries = panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })));
const variables = dashboard.templating.list;
const queryVariables = variables.filter((variable) => variable.type === "query");

/** Grafana's `label_values(<selector>, label)`: the selector, a PromQL expression. */
const variableSelector = (variable: Variable) => {
  const query = typeof variable.query === "string" ? variable.query : (variable.query?.query ?? "");
  const match = /^label_values\((.*),\s*\w+\)$/.exec(query);
  assert.ok(match, `variable ${variable.name}: label_values(<selector>, <label>)`);
  return match[1]!;
};

/** A query as Prometheus gets it: Grafana's interval variables as 1m, each query variable as its "All" value. */
function substitute(expr: string): string {
  let out = expr.replace(/\$__(rate_interval|interval|range)\b/g, "1m");
  for (const variable of queryVariables) out = out.replaceAll(`$${variable.name}`, variable.allValue ?? ".*");
  assert.doesNotMatch(out, /\$/, `a variable the dashboard does not define in ${expr}`);
  return out;
}

describe("examples/observability: Grafana", () => {
  const grafana = services.grafana!;

  it("provisions the example's Prometheus as the datasource the dashboard uses", () => {
    const provisioning = mounted("grafana", "/etc/grafana/provisioning");
    const { datasources } = parse(readFileSync(path.join(provisioning, "datasources", "prometheus.yml"), "utf8")) as { datasources: { type: string; uid: string; url: string }[] };
    assert.equal(datasources.length, 1);
    assert.equal(datasources[0]!.type, "prometheus");
    assert.equal(datasources[0]!.url, "http://prometheus:9090");
    const variable = variables.find((entry) => entry.type === "datasource");
    assert.ok(variable, "a datasource variable, so the dashboard imports into another Grafana");
    assert.equal(variable.current?.value, datasources[0]!.uid, "its default is the provisioned datasource");
    for (const panel of panels.filter((entry) => entry.type !== "row")) {
      assert.equal(panel.datasource?.uid, `\${${variable.name}}`, `panel ${panel.title} uses the datasource variable`);
    }
  });

  it("loads the dashboards directory Compose mounts, and opens on the mcp-gateway dashboard", () => {
    const provisioning = mounted("grafana", "/etc/grafana/provisioning");
    const { providers } = parse(readFileSync(path.join(provisioning, "dashboards", "mcp-gateway.yml"), "utf8")) as { providers: { type: string; options: { path: string } }[] };
    assert.equal(providers.length, 1);
    assert.equal(mounted("grafana", providers[0]!.options.path), path.dirname(dashboardFile));
    const home = environmentOf(grafana).GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH!;
    assert.equal(path.join(mounted("grafana", path.posix.dirname(home)), path.posix.basename(home)), dashboardFile);
  });

  it("charts what issue 19 asks: requests by outcome, latency, upstream latency, tool calls, refusals, streams, stdio, CPU and memory", () => {
    const charted = new Set(queries.flatMap(({ expr }) => metricNamesIn(substitute(expr))));
    for (const name of [
      "mcp_gateway_requests_total",
      "mcp_gateway_request_duration_seconds_bucket",
      "mcp_gateway_upstream_duration_seconds_bucket",
      "mcp_gateway_tool_calls_total",
      "mcp_gateway_auth_failures_total",
      "mcp_gateway_policy_denials_total",
      "mcp_gateway_ratelimit_decisions_total",
      "mcp_gateway_open_streams",
      "mcp_gateway_stdio_processes",
      "process_cpu_seconds_total",
      "process_resident_memory_bytes",
    ]) {
      assert.ok(charted.has(name), `a panel charts ${name}`);
    }
    assert.ok(queries.some(({ expr }) => /sum by \(outcome\) \(rate\(mcp_gateway_requests_total/.test(expr)), "request rate by outcome");
    assert.ok(queries.some(({ expr }) => /histogram_quantile\(0\.99, sum by \(le, method\)/.test(expr)), "p99 by method");
    assert.ok(queries.some(({ expr }) => /histogram_quantile\(0\.5, sum by \(le, method\)/.test(expr)), "p50 by method");
  });
});

describe("examples/observability: the dashboard's queries against live gateways", () => {
  const TOKEN = "example-admin-token-0123456789";
  let observed: ObservedGateway;
  let families: Map<string, Family>;
  let upstream: Awaited<ReturnType<typeof startDemoUpstream>>;
  let example: TestGateway;
  /** The HTTP statuses the example's gateway answered the README's traffic with. */
  const answered: Record<string, number[]> = {};

  before(async () => {
    observed = await startObservedGateway();
    await driveTraffic(observed.gateway);
    families = parseExposition(await (await fetch(observed.metricsUrl)).text());

    upstream = await startDemoUpstream({ port: 0 });
    // config.yml as it is, but for where it listens and where the demo upstream is.
    const config = structuredClone(gatewayConfig);
    config.server = { ...config.server, host: "127.0.0.1", port: 0 };
    config.admin = { ...config.admin, host: "127.0.0.1", port: 0 };
    config.upstreams = [{ ...config.upstreams[0]!, url: upstream.url }];
    example = await startTestGateway({ config, configFile: path.join(DIR, "config.yml"), env: { ...process.env, ADMIN_TOKEN: TOKEN } });

    // The README's traffic: a session, 40 echo calls, add, and a request without the key.
    const headers = { authorization: "Bearer dev_key_1", accept: "application/json, text/event-stream" };
    const init = await postJsonRpc(example.url, initialize(1), headers);
    const session = { ...headers, "mcp-session-id": init.headers.get("mcp-session-id") ?? "" };
    await postJsonRpc(example.url, { jsonrpc: "2.0", method: "notifications/initialized" }, session);
    answered.list = [(await postJsonRpc(example.url, toolsList(2), session)).status];
    answered.echo = [];
    for (let i = 0; i < 40; i++) answered.echo.push((await postJsonRpc(example.url, toolsCall(3, "echo", { message: "hola" }), session)).status);
    answered.add = [(await postJsonRpc(example.url, toolsCall(4, "add", { a: 1, b: 2 }), session)).status];
    answered.anonymous = [(await postJsonRpc(example.url, rpc(5, "tools/list"), { accept: headers.accept })).status];
  });
  after(async () => {
    await example?.close();
    await upstream?.close();
    await observed?.close();
  });

  it("has queries, each naming only metrics the gateway exports (variables' selectors too)", () => {
    assert.ok(queries.length >= 10);
    const exprs = [...queries.map(({ panel, expr }) => ({ where: `panel "${panel}"`, expr })), ...queryVariables.map((variable) => ({ where: `variable ${variable.name}`, expr: variableSelector(variable) }))];
    for (const { where, expr } of exprs) {
      const names = metricNamesIn(substitute(expr));
      assert.ok(names.length, `${where}: no metric in ${expr}`);
      for (const name of names) assert.ok(families.has(familyOf(name, families)), `${where} names ${name}, which the gateway does not export`);
    }
  });

  it("runs config.yml as the README says: echo served then rate-limited, add denied, no key refused, /metrics behind the token", async () => {
    assert.deepEqual(answered.list, [200]);
    assert.equal(answered.echo![0], 200);
    assert.ok(answered.echo!.includes(429), `some of 40 echo calls meet the limit: ${answered.echo!.join(" ")}`);
    assert.deepEqual(new Set(answered.echo), new Set([200, 429]));
    assert.deepEqual(answered.add, [403]);
    assert.deepEqual(answered.anonymous, [401]);
    assert.equal((await fetch(`${example.gateway.adminUrl}/metrics`)).status, 401);
  });

  describe("run by a real Prometheus scraping both gateways with the admin token", { skip: prometheusSkipReason() }, () => {
    let prometheus: PrometheusServer;
    before(async () => {
      prometheus = await startPrometheus([`${example.gateway.adminUrl}/metrics`, observed.metricsUrl], { bearerToken: TOKEN });
      // Two scrapes after the traffic: rate() and increase() need two samples of a series.
      await prometheus.scrapedAfter(Date.now());
      await prometheus.scrapedAfter(Date.now());
    });
    after(async () => {
      await prometheus?.close();
    });

    it("accepts every query of the dashboard and of its variables", async () => {
      for (const { panel, expr } of queries) {
        await assert.doesNotReject(prometheus.query(substitute(expr)), `panel "${panel}": ${expr}`);
      }
      for (const variable of queryVariables) await assert.doesNotReject(prometheus.query(substitute(variableSelector(variable))), `variable ${variable.name}`);
    });

    it("answers every query with series after the traffic, but store errors (no store failed)", async () => {
      for (const { panel, expr } of queries) {
        if (expr.includes("mcp_gateway_store_errors_total")) continue;
        assert.ok((await prometheus.query(substitute(expr))).length > 0, `panel "${panel}" shows nothing: ${expr}`);
      }
    });
  });
});
