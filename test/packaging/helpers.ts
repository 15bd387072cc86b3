/**
 * What the packaging tests share: bounded npm and child-process runs with an environment an outer
 * `npm test` or `node --test` cannot steer, package manifests, and copying a package out of the
 * repository the way a user would take it.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { cp, readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "../helpers/spawn-gateway.ts";

export { REPO_ROOT };

const execFileAsync = promisify(execFile);

export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  description?: string;
  license?: string;
  type?: string;
  repository?: { type?: string; url?: string; directory?: string };
  homepage?: string;
  bugs?: { url?: string };
  engines?: Record<string, string>;
  bin?: Record<string, string>;
  exports?: Record<string, string | Record<string, string>>;
  files?: string[];
  keywords?: string[];
  scripts?: Record<string, string>;
  publishConfig?: Record<string, unknown>;
  workspaces?: string[];
  peerDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

export const readJson = async <T>(file: string): Promise<T> => JSON.parse(await readFile(file, "utf8")) as T;

/** The files a manifest promises: every `exports` target (types included) and every bin. */
export function promisedFiles(manifest: Manifest): string[] {
  const targets = Object.values(manifest.exports ?? {}).flatMap((target) => (typeof target === "string" ? [target] : Object.values(target)));
  return [...targets, ...Object.values(manifest.bin ?? {})].map((file) => path.normalize(file));
}

/** The workspace directories of the repository at `root`, relative: package.json's order, each glob's matches sorted. */
export function workspaceDirs(root: string, manifest: Manifest): string[] {
  return (manifest.workspaces ?? []).flatMap((pattern) => {
    if (!pattern.includes("*")) return [pattern];
    const [parent, glob] = [path.posix.dirname(pattern), path.posix.basename(pattern)];
    const re = new RegExp(`^${glob.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
    return readdirSync(path.join(root, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && re.test(entry.name))
      .map((entry) => `${parent}/${entry.name}`)
      .filter((dir) => existsSync(path.join(root, dir, "package.json")))
      .sort();
  });
}

/** Registry, TLS, proxy and cache settings of an outer `npm test` carry over to the inner npm. */
const NPM_CONFIG_KEPT = /^npm_config_(@|\/\/|(registry|cafile|ca|cert|key|proxy|https_proxy|http_proxy|noproxy|strict_ssl|cache|userconfig|globalconfig)($|_))/i;

/**
 * The environment of a child that must behave as in a user's shell: the rest of an outer npm's
 * variables (local_prefix, workspace, package and lifecycle) are dropped, and so is
 * NODE_TEST_CONTEXT, which would make a child `node --test` report to our runner instead of
 * printing its results.
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const kept = Object.entries(process.env).filter(([key]) => (!/^npm_/i.test(key) || NPM_CONFIG_KEPT.test(key)) && key !== "NODE_TEST_CONTEXT");
  return { ...Object.fromEntries(kept), ...extra };
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to completion, killed after `timeout` ms so a registry or a test that stops
 * answering fails the run instead of hanging it. A failure carries the command's output.
 */
export async function exec(
  command: string,
  args: readonly string[],
  options: { cwd: string; timeout?: number; env?: NodeJS.ProcessEnv },
): Promise<RunResult> {
  const timeout = options.timeout ?? 180_000;
  try {
    const { stdout, stderr } = await execFileAsync(command, args, {
      cwd: options.cwd,
      env: options.env ?? cleanEnv(),
      maxBuffer: 32 * 1024 * 1024,
      timeout,
      killSignal: "SIGKILL",
    });
    return { stdout, stderr };
  } catch (err) {
    const { stdout, stderr, message, killed } = err as { stdout?: string; stderr?: string; message: string; killed?: boolean };
    const why = killed ? `killed after ${timeout} ms` : message.split("\n")[0];
    throw new Error(`${command} ${args.join(" ")} (in ${options.cwd}) failed: ${why}\n--- stdout\n${tail(stdout)}\n--- stderr\n${tail(stderr)}`);
  }
}

const tail = (text = "", lines = 60) => text.split("\n").slice(-lines).join("\n");

export function npm(args: readonly string[], cwd: string, timeout?: number): Promise<RunResult> {
  return exec("npm", args, { cwd, ...(timeout ? { timeout } : {}) });
}

/** What `npm pack --json` reports for one package. */
export interface PackResult {
  name: string;
  version: string;
  filename: string;
  files: { path: string }[];
}

/**
 * `npm pack --json` of some workspaces of `root` (their prepack scripts run). With `dest` the
 * tarballs are written there; without, it is a dry run.
 */
export async function pack(root: string, dirs: readonly string[] | "all", dest?: string, timeout?: number): Promise<PackResult[]> {
  const select = dirs === "all" ? ["--workspaces"] : dirs.flatMap((dir) => ["-w", dir]);
  const target = dest ? ["--pack-destination", dest] : ["--dry-run"];
  const { stdout } = await npm(["pack", "--json", "--loglevel=error", ...target, ...select], root, timeout);
  return JSON.parse(stdout) as PackResult[];
}

/** Installs into `dir` from the npm cache first (the registry for what it lacks), bounded. */
export async function npmInstall(dir: string, args: readonly string[] = [], timeout = 240_000): Promise<void> {
  await npm(["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", ...args], dir, timeout);
}

/**
 * Copies a package directory as a user would take it out of the repository: sources, tests and
 * configuration, without what a build or an install left behind.
 */
export async function copyPackage(from: string, to: string): Promise<void> {
  await cp(from, to, {
    recursive: true,
    filter: (source) => {
      const base = path.basename(source);
      return base !== "node_modules" && base !== "dist" && !base.endsWith(".tsbuildinfo");
    },
  });
}

/** The summary counts of a node:test TAP report (`# pass 12`, `# fail 0`). */
export function testCounts(tap: string): { pass: number; fail: number } {
  const count = (label: string) => Number(new RegExp(`^# ${label} (\\d+)$`, "m").exec(tap)?.[1] ?? NaN);
  return { pass: count("pass"), fail: count("fail") };
}
