/**
 * The release workflow cannot run here, so this reads it: valid YAML, and the steps a release
 * must not lose — Node 20, npm ci, build, lint and test before anything publishes, then
 * changesets/action with the version and publish commands, and the id-token permission that npm
 * provenance needs. The scripts it names must exist and do what the workflow's comments say.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import { readJson, REPO_ROOT, type Manifest } from "./helpers.ts";

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}

interface Workflow {
  on: { push?: { branches?: string[] } };
  permissions?: Record<string, string>;
  concurrency?: { group?: string; "cancel-in-progress"?: boolean };
  jobs: Record<string, { "runs-on": string; steps: Step[]; permissions?: Record<string, string> }>;
}

describe(".github/workflows/release.yml", () => {
  let workflow: Workflow;
  let steps: Step[];
  let scripts: Record<string, string>;
  /** Index of the first step matching, or -1. */
  const indexOf = (matches: (step: Step) => boolean) => steps.findIndex(matches);
  const runs = (pattern: RegExp) => (step: Step) => typeof step.run === "string" && pattern.test(step.run);
  const uses = (action: string) => (step: Step) => typeof step.uses === "string" && step.uses.split("@")[0] === action;

  before(async () => {
    const text = await readFile(path.join(REPO_ROOT, ".github/workflows/release.yml"), "utf8");
    workflow = parse(text, { prettyErrors: true }) as Workflow;
    const jobs = Object.values(workflow.jobs ?? {});
    assert.equal(jobs.length, 1, "one release job");
    steps = jobs[0]!.steps;
    scripts = (await readJson<Manifest>(path.join(REPO_ROOT, "package.json"))).scripts ?? {};
  });

  it("runs on pushes to main, one at a time, never cancelling a publish", () => {
    assert.deepEqual(workflow.on.push?.branches, ["main"]);
    assert.equal(workflow.concurrency?.["cancel-in-progress"], false);
  });

  it("may write contents and pull requests, and mint the id-token npm provenance needs", () => {
    assert.deepEqual(workflow.permissions, { contents: "write", "pull-requests": "write", "id-token": "write" });
  });

  it("pins every action to a major version", () => {
    for (const step of steps.filter((candidate) => candidate.uses)) assert.match(step.uses!, /^[\w.-]+\/[\w.-]+@v\d+$/, step.uses);
  });

  it("checks out the full history and sets up Node 20 with the npm registry", () => {
    const checkout = steps[indexOf(uses("actions/checkout"))];
    assert.ok(checkout, "no actions/checkout");
    assert.equal(checkout.with?.["fetch-depth"], 0);
    const node = steps[indexOf(uses("actions/setup-node"))];
    assert.ok(node, "no actions/setup-node");
    assert.equal(String(node.with?.["node-version"]), "20");
    assert.equal(node.with?.["registry-url"], "https://registry.npmjs.org");
  });

  it("installs with npm ci, then builds, lints and tests, in that order, before changesets runs", () => {
    const order = [
      indexOf(uses("actions/setup-node")),
      indexOf(runs(/^npm ci\b/)),
      indexOf(runs(/^npm run build$/)),
      indexOf(runs(/^npm run lint$/)),
      indexOf(runs(/^npm test$/)),
      indexOf(uses("changesets/action")),
    ];
    assert.ok(order.every((index) => index >= 0), `missing step(s): ${JSON.stringify(order)}`);
    assert.deepEqual([...order].sort((a, b) => a - b), order, "steps out of order");
    assert.ok(indexOf(runs(/apt-get install .*redis-server/)) < indexOf(runs(/^npm test$/)), "CI fails the Redis tests without redis-server");
  });

  it("versions with changeset version and publishes with changeset publish, with provenance", () => {
    const step = steps[indexOf(uses("changesets/action"))]!;
    const script = (command: unknown) => /^npm run ([\w:-]+)$/.exec(String(command))?.[1];
    const version = script(step.with?.version);
    const publish = script(step.with?.publish);
    assert.ok(version && publish, "version and publish should name root scripts");
    assert.match(scripts[version] ?? "", /^changeset version\b/);
    assert.match(scripts[version] ?? "", /npm install --package-lock-only\b/, "the version PR must carry the refreshed package-lock.json");
    assert.equal(scripts[publish], "changeset publish");
    assert.equal(step.env?.GITHUB_TOKEN, "${{ secrets.GITHUB_TOKEN }}");
    assert.equal(step.env?.NPM_TOKEN, "${{ secrets.NPM_TOKEN }}");
    assert.equal(step.env?.NPM_CONFIG_PROVENANCE, "true");
  });
});
