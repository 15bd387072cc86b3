/**
 * docs/observability.md is the list of what the gateway exports: a gateway with every first-party
 * plugin loaded is scraped, and the metric table must name each family it exports (Node's
 * process_* and nodejs_* as a group), with its type and labels, and nothing it does not export.
 * The PromQL recipes must name exported metrics only, and a real Prometheus must run them.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { prometheusSkipReason, startPrometheus, type PrometheusServer } from "../helpers/prometheus.ts";
import { driveTraffic, familyOf, isNodeDefault, metricNamesIn, parseExposition, startObservedGateway, type Family, type ObservedGateway } from "../helpers/observed-gateway.ts";

const doc = readFileSync(new URL("../../docs/observability.md", import.meta.url), "utf8");

interface Row {
  name: string;
  type: string;
  labels: string[];
}

/** The rows of the metric table: `| \`name\` | type | \`label\`, … or — | meaning |`. */
function metricTable(): Row[] {
  const section = doc.slice(doc.indexOf("\n## Metrics\n"), doc.indexOf("\n### Label values\n"));
  assert.ok(section.length > 0, 'docs/observability.md has "## Metrics" followed by "### Label values"');
  return [...section.matchAll(/^\| `([a-zA-Z_:][a-zA-Z0-9_:]*)` \| (\w+) \| ([^|]*) \|/gm)].map(([, name, type, labels]) => ({
    name: name!,
    type: type!,
    labels: [...labels!.matchAll(/`([^`]+)`/g)].map(([, label]) => label!).sort(),
  }));
}

const recipes = [...doc.matchAll(/^```promql\n([\s\S]*?)^```$/gm)].map(([, expr]) => expr!.trim());

describe("docs/observability.md against a gateway exporting every metric", () => {
  let observed: ObservedGateway;
  let families: Map<string, Family>;
  const rows = metricTable();

  before(async () => {
    observed = await startObservedGateway();
    await driveTraffic(observed.gateway);
    const response = await fetch(observed.metricsUrl);
    assert.equal(response.status, 200);
    families = parseExposition(await response.text());
  });
  after(async () => {
    await observed?.close();
  });

  it("names every metric the gateway exports in the table", () => {
    const documented = new Set(rows.map((row) => row.name));
    const missing = [...families.keys()].filter((name) => !isNodeDefault(name) && !documented.has(name));
    assert.deepEqual(missing, [], "exported but not in the metric table of docs/observability.md");
  });

  it("names no metric in the table that the gateway does not export", () => {
    const extra = rows.map((row) => row.name).filter((name) => !families.has(name));
    assert.deepEqual(extra, [], "in the metric table of docs/observability.md but not exported");
  });

  it("gives each metric the type and the labels its samples carry", () => {
    for (const row of rows) {
      const family = families.get(row.name);
      if (!family) continue;
      assert.equal(row.type, family.type, `type of ${row.name}`);
      // A family without samples yet (store errors: no store has failed) shows no labels to compare.
      if (family.samples) assert.deepEqual(row.labels, [...family.labels].sort(), `labels of ${row.name}`);
    }
  });

  it("mentions Node's default process metrics as a group, and the gateway exports both", () => {
    for (const group of ["process", "nodejs"]) {
      assert.ok(doc.includes(`\`${group}_*\``), `docs/observability.md mentions \`${group}_*\``);
      assert.ok([...families.keys()].some((name) => name.startsWith(`${group}_`)), `the gateway exports ${group}_* metrics`);
    }
  });

  it("has PromQL recipes that name only metrics the gateway exports", () => {
    assert.ok(recipes.length >= 4, "a few ```promql recipes");
    for (const expr of recipes) {
      const names = metricNamesIn(expr);
      assert.ok(names.length, `no metric found in ${expr}`);
      for (const name of names) assert.ok(families.has(familyOf(name, families)), `recipe ${expr} names ${name}, which the gateway does not export`);
    }
  });

  describe("its recipes, run by a real Prometheus scraping the gateway", { skip: prometheusSkipReason() }, () => {
    let prometheus: PrometheusServer;
    before(async () => {
      prometheus = await startPrometheus([observed.metricsUrl]);
      // Two scrapes after the traffic: rate() needs two samples of a series.
      await prometheus.scrapedAfter(Date.now());
      await prometheus.scrapedAfter(Date.now());
    });
    after(async () => {
      await prometheus?.close();
    });

    it("accepts each recipe and answers it with at least one series", async () => {
      for (const expr of recipes) {
        const result = await prometheus.query(expr);
        assert.ok(result.length > 0, `no series for ${expr}`);
      }
    });
  });
});
