/**
 * The wrk driver counts what its Lua script is meant to count: wrong statuses, wrong bodies
 * (exact, or missing the part a check function's answer must hold), and gives every request of a
 * shared session an id of its own. Against a local server that answers wrongly on purpose;
 * skipped where wrk is not installed (CI's smoke test uses autocannon).
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { which } from "./children.js";
import { aroundId, callRequest } from "./mcp-fixtures.js";
import type { Target } from "./targets.js";
import { driveWrk, WRK_BODY_LIMIT } from "./wrk-load.js";

const bin = which("wrk");

describe("wrk load", { skip: bin ? false : "wrk is not installed (apt-get install -y wrk)" }, () => {
  let server: Server;
  let target: Target;
  /** Every 10th answer is a 500, every 10th (offset by 5) has the wrong body. */
  const served = { total: 0, errors: 0, wrong: 0 };
  const ids: number[] = [];

  before(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      req.on("end", () => {
        ids.push((JSON.parse(body) as { id: number }).id);
        const n = ++served.total;
        if (n % 10 === 0) {
          served.errors++;
          res.writeHead(500).end("failed");
        } else if (n % 10 === 5) {
          served.wrong++;
          res.writeHead(200).end("data: wrong answer");
        } else {
          res.writeHead(200).end("data: right answer");
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    target = { name: "direct", url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, headers: {} };
  });

  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const reset = () => {
    Object.assign(served, { total: 0, errors: 0, wrong: 0 });
    ids.length = 0;
  };
  // Answers still on the wire when wrk stops are served but not counted: at most one per connection.
  const CONNECTIONS = 4;
  const near = (counted: number, sent: number) => assert.ok(counted <= sent && counted >= sent - CONNECTIONS, `${counted} counted of ${sent}`);

  it("counts non-2xx statuses and bodies that differ from the exact one, and reads wrk's CPU", async () => {
    reset();
    const workload = { name: "exact", body: callRequest(1, "echo"), connections: CONNECTIONS, expect: "data: right answer" };
    const driven = await driveWrk(bin!, target, workload, 1, undefined);
    assert.equal(driven.loadgen, "wrk");
    near(driven.requests, served.total);
    near(driven.failures.non2xx, served.errors);
    near(driven.failures.mismatches, served.wrong);
    assert.equal(driven.failures.statusCodes["500"], driven.failures.non2xx);
    assert.equal(driven.failures.errors + driven.failures.timeouts, 0);
    assert.ok(driven.seconds > 0.9 && driven.seconds < 2, `${driven.seconds} s`);
    assert.ok(driven.bytes > 0 && driven.latencyUs.p50 > 0 && driven.latencyUs.max >= driven.latencyUs.p99);
    assert.ok(Number.isFinite(driven.loadgenCpuMicros) && driven.loadgenCpuMicros >= 0, "CPU read from /proc before wrk exited");
  });

  it("looks for the part every correct body holds when the check is a function", async () => {
    reset();
    const workload = { name: "contains", body: callRequest(1, "echo"), connections: CONNECTIONS, expect: () => true, contains: "right" };
    const driven = await driveWrk(bin!, target, workload, 1, undefined);
    near(driven.failures.mismatches, served.wrong);
    near(driven.failures.non2xx, served.errors);
  });

  it("leaves an answer too large to compare to a spot check, and counts failed statuses itself", async () => {
    reset();
    const workload = { name: "large", body: callRequest(1, "large"), connections: CONNECTIONS, expect: "x".repeat(WRK_BODY_LIMIT + 1) };
    const driven = await driveWrk(bin!, target, workload, 1, undefined);
    near(driven.failures.non2xx, served.errors);
    assert.equal(driven.failures.mismatches, 0, "bodies are not compared");
  });

  it("gives each request of a shared session its own id, above the leg's first", async () => {
    reset();
    const workload = { name: "numbered", body: callRequest(1, "echo"), connections: CONNECTIONS, expect: () => true };
    const firstId = 700_000_000;
    const driven = await driveWrk(bin!, target, workload, 1, { ...aroundId(workload.body), firstId });
    near(driven.requests, ids.length);
    assert.equal(new Set(ids).size, ids.length, "no id sent twice");
    assert.ok(ids.every((id) => Number.isInteger(id) && id > firstId));
  });
});
