/**
 * A gateway that exports every metric it has, for the tests that keep docs/observability.md and
 * the example dashboard honest: the admin listener on, every first-party plugin loaded (a plugin
 * registers its metrics in `setup`), an HTTP and a stdio upstream, and traffic that gives the
 * labelled families samples. Also a reader for the exposition text and for metric names in PromQL.
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import path from "node:path";
import { postJsonRpc, startTestGateway, toolsList, type TestGateway } from "@mcp-gateway/runtime/testing";
import { startLegacyServer, type LegacyServer } from "../fixtures/legacy-server.ts";
import { connectLegacyClient } from "./sdk-clients.ts";
import { REPO_ROOT } from "./spawn-gateway.ts";
import { JSON_ONLY, LEGACY_STDIO, stdioUpstream } from "./stdio.ts";

const API_KEY = "observed-key-0123456789";

/**
 * Every package in packages/plugin-*, by its config name, with options it loads with here.
 * auth-oauth points at a closed loopback port: it loads, registers what it registers, and only
 * logs that the authorization server is down.
 */
export const FIRST_PARTY_PLUGINS: Record<string, Record<string, unknown>> = {
  "auth-apikey": { apiKeys: [{ id: "observed", key: API_KEY, tenant: "acme", client: "alice" }] },
  "auth-oauth": { issuer: "http://127.0.0.1:1", resource: "http://127.0.0.1:1/mcp", timeoutMs: 200 },
  policy: { default: "allow", rules: [{ deny: { tools: ["add"] } }] },
  ratelimit: { defaultRpm: 10_000, byTool: { slow: { rpm: 1, burst: 1 } } },
  router: { rules: [{ match: { tool: "whoami" }, upstream: "files" }] },
  audit: { environments: ["*"] },
};

/** The plugin packages of the repository, by config name (`plugin-router` → `router`). */
export function pluginPackages(): string[] {
  return readdirSync(path.join(REPO_ROOT, "packages"))
    .filter((dir) => dir.startsWith("plugin-"))
    .map((dir) => dir.slice("plugin-".length))
    .sort();
}

export interface ObservedGateway {
  gateway: TestGateway;
  metricsUrl: string;
  close(): Promise<void>;
}

/** The gateway, on loopback with the admin listener on a free port, before any traffic. */
export async function startObservedGateway(): Promise<ObservedGateway> {
  assert.deepEqual(Object.keys(FIRST_PARTY_PLUGINS).sort(), pluginPackages(), "FIRST_PARTY_PLUGINS names every packages/plugin-* (a new plugin may register metrics)");
  const legacy: LegacyServer = await startLegacyServer();
  let gateway: TestGateway;
  try {
    gateway = await startTestGateway({
      config: {
        admin: { port: 0 },
        metrics: { maxToolLabels: 3 },
        upstreams: [{ name: "legacy", url: legacy.url }, stdioUpstream("files", LEGACY_STDIO)],
        federation: { enabled: false },
        logging: { level: "warn" },
        plugins: Object.entries(FIRST_PARTY_PLUGINS),
      },
    });
  } catch (err) {
    await legacy.close();
    throw err;
  }
  return {
    gateway,
    metricsUrl: `${gateway.gateway.adminUrl}/metrics`,
    async close() {
      await gateway.close();
      await legacy.close();
    },
  };
}

/**
 * Calls that reach every labelled family: served calls, a policy denial, a rate-limited call, a
 * call routed to the stdio upstream, an unauthenticated request, a made-up method.
 */
export async function driveTraffic(gateway: TestGateway): Promise<void> {
  const { client, close } = await connectLegacyClient(gateway.url, { headers: { "x-api-key": API_KEY } });
  try {
    await client.listTools();
    await client.callTool({ name: "echo", arguments: { message: "x" } });
    await assert.rejects(client.callTool({ name: "add", arguments: { a: 1, b: 2 } }));
    await client.callTool({ name: "slow", arguments: { steps: 1 } });
    await assert.rejects(client.callTool({ name: "slow", arguments: { steps: 1 } }));
    await client.callTool({ name: "whoami", arguments: {} }).catch(() => undefined);
  } finally {
    await close();
  }
  await postJsonRpc(gateway.url, toolsList(1), JSON_ONLY);
  await postJsonRpc(gateway.url, { jsonrpc: "2.0", id: 2, method: "made/up" }, { ...JSON_ONLY, "x-api-key": API_KEY });
}

export interface Family {
  name: string;
  type: string;
  /** Label names its samples carry (without a histogram's `le`). */
  labels: Set<string>;
  samples: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? \S+/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"/g;

/** The metric families of Prometheus text exposition (format 0.0.4): `# TYPE` lines, and their samples' label names. */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) families.set(name!, { name: name!, type: type!, labels: new Set(), samples: 0 });
  for (const line of text.split("\n")) {
    const match = SAMPLE.exec(line);
    if (!match || line.startsWith("#")) continue;
    const family = families.get(familyOf(match[1]!, families));
    assert.ok(family, `sample ${match[1]} belongs to no # TYPE line`);
    family.samples++;
    for (const [, label] of (match[2] ?? "").matchAll(LABEL)) if (label !== "le" && label !== "quantile") family.labels.add(label!);
  }
  return families;
}

/** A sample or series name's family: `x_bucket`, `x_sum` and `x_count` belong to histogram (or summary) `x`. */
export function familyOf(name: string, families: ReadonlyMap<string, Pick<Family, "type">>): string {
  const base = name.replace(/_(bucket|sum|count)$/, "");
  const type = families.get(base)?.type;
  return base !== name && (type === "histogram" || type === "summary") ? base : name;
}

/** prom-client's default metrics of the Node process: documented as a group, not one by one. */
export const isNodeDefault = (name: string) => /^(process|nodejs)_/.test(name);

const NOT_METRICS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "and", "or", "unless", "inf", "nan", "Inf", "NaN"]);

/**
 * The metric names a PromQL expression selects: identifiers that are not functions, keywords, label
 * names (inside `{…}` or after by/without/on/ignoring) or string contents. Grafana variables must
 * be substituted first.
 */
export function metricNamesIn(expr: string): string[] {
  assert.doesNotMatch(expr, /\$/, `substitute Grafana variables first: ${expr}`);
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = [...bare.matchAll(/(?<![\w:.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:]|\s*\()/g)].map(([, name]) => name!).filter((name) => !NOT_METRICS.has(name));
  return [...new Set(names)];
}
