/**
 * The real Prometheus for tests of /metrics: `promtool check metrics` judges the exposition text
 * as Prometheus reads it, and a `prometheus` server on loopback scrapes the gateway so a test
 * asserts with PromQL on what Prometheus stored. Without the binaries the suites are skipped with
 * a loud warning on a developer machine, and fail on CI (CI=true).
 */
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, waitFor } from "@mcp-gateway/runtime/testing";

function onPath(name: string): string | undefined {
  return (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter(Boolean)
    .map((dir) => path.join(dir, name))
    .find((file) => {
      try {
        accessSync(file, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

let warned = false;

/** For `describe(name, { skip: prometheusSkipReason() }, …)`: a reason locally when Prometheus is missing, never on CI. */
export function prometheusSkipReason(): string | false {
  if ((onPath("prometheus") && onPath("promtool")) || process.env.CI === "true") return false;
  const reason = "prometheus/promtool not found on PATH: /metrics tests did NOT run (apt-get install prometheus)";
  if (!warned) console.warn(`\n${"!".repeat(reason.length + 9)}\nSKIPPED: ${reason}\n${"!".repeat(reason.length + 9)}\n`);
  warned = true;
  return reason;
}

/** promtool's exit code for text that parsed but has lint findings (1 is a parse failure). */
const LINT_FINDINGS = 3;

/**
 * `promtool check metrics`: whether the text parses as Prometheus parses it, and its lint findings
 * (one line each, starting with the metric's name).
 */
export function promtoolCheck(text: string): Promise<{ parsed: boolean; findings: string[]; output: string }> {
  const promtool = onPath("promtool");
  if (!promtool) throw new Error("promtool not found on PATH (apt-get install prometheus)");
  return new Promise((resolve) => {
    const child = execFile(promtool, ["check", "metrics"], { timeout: 10_000 }, (err, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      const code = (err as { code?: unknown } | null)?.code;
      const parsed = !err || code === LINT_FINDINGS;
      const findings = code === LINT_FINDINGS ? output.split("\n").filter((line) => /^[a-zA-Z_:][a-zA-Z0-9_:]* /.test(line)) : [];
      resolve({ parsed, findings, output });
    });
    child.stdin!.end(text);
  });
}

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export interface PrometheusServer {
  url: string;
  /** An instant PromQL query: each series' labels and value. */
  query(promql: string): Promise<Sample[]>;
  /** Resolves once every target has been scraped after `since` (ms since the epoch), and the scrape succeeded. */
  scrapedAfter(since: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A Prometheus that scrapes `targets` (`http://host:port/metrics` URLs) every 250 ms, with its
 * storage in a temporary directory, on 127.0.0.1 and a free port.
 */
export async function startPrometheus(targets: readonly string[], options: { bearerToken?: string } = {}): Promise<PrometheusServer> {
  const binary = onPath("prometheus");
  if (!binary) throw new Error("prometheus not found on PATH (apt-get install prometheus)");
  const dir = mkdtempSync(path.join(tmpdir(), "mcpgw-prometheus-"));
  const port = await freePort();
  const scrapeConfigs = targets.map((target, index) => {
    const url = new URL(target);
    return [
      `  - job_name: target${index}`,
      "    scrape_interval: 250ms",
      "    scrape_timeout: 200ms",
      `    metrics_path: ${url.pathname}`,
      ...(options.bearerToken ? ["    authorization:", `      credentials: ${options.bearerToken}`] : []),
      "    static_configs:",
      `      - targets: ["${url.host}"]`,
    ].join("\n");
  });
  writeFileSync(path.join(dir, "prometheus.yml"), `global:\n  scrape_interval: 250ms\nscrape_configs:\n${scrapeConfigs.join("\n")}\n`);
  const child: ChildProcess = spawn(
    binary,
    [`--config.file=${path.join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${path.join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString("utf8")).slice(-4096)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const api = async <T>(pathAndQuery: string): Promise<T> => {
    const response = await fetch(`${url}${pathAndQuery}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== "success") throw new Error(`prometheus ${pathAndQuery}: ${body.error ?? response.status}`);
    return body.data;
  };
  const close = async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(`prometheus ready on ${url} (${stderr})`, async () => ((await fetch(`${url}/-/ready`).catch(() => undefined))?.ok ? true : undefined), { timeoutMs: 20_000 });
  } catch (err) {
    await close();
    throw err;
  }
  return {
    url,
    async query(promql) {
      const data = await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(`/api/v1/query?query=${encodeURIComponent(promql)}`);
      return data.result.map(({ metric, value }) => ({ labels: metric, value: Number(value[1]) }));
    },
    async scrapedAfter(since) {
      await waitFor(
        "a scrape of every target after the calls",
        async () => {
          const data = await api<{ activeTargets: { lastScrape: string; health: string; lastError: string }[] }>("/api/v1/targets");
          const done = data.activeTargets.length === targets.length && data.activeTargets.every((target) => Date.parse(target.lastScrape) > since && target.health === "up");
          return done ? true : undefined;
        },
        { timeoutMs: 10_000 },
      );
    },
    close,
  };
}
