/**
 * Before any load: each target answers every kind of request the scenarios send, and a gateway
 * with the default plugins really authenticates and applies its policy. A target that fails
 * here is reported with what failed, never measured.
 */
import {
  ALLOWED_TOOL_NAMES,
  callRequest,
  echoAnswer,
  ECHO_MESSAGE,
  initializeAnswer,
  initializeRequest,
  LARGE_BYTES,
  largeAnswer,
  largeText,
  mergedToolsListVerifier,
  request,
  streamAnswer,
  TOOL_NAMES,
  toolNames,
  toolsListVerifier,
  toolTextVerifier,
} from "./mcp-fixtures.js";
import { FAN_OUT_PREFIXES } from "./gateway-configs.js";
import type { Workload } from "./load.js";
import { isPeer, type Target } from "./targets.js";

/** Targets that run the default plugins (gateway-oauth: with auth-oauth for auth-apikey): they filter tools/list and need credentials. */
export function hasPlugins(target: Target): boolean {
  return target.name === "gateway-full" || target.name === "gateway-redis" || target.name === "gateway-oauth";
}

export function expectedTools(target: Target): readonly string[] {
  if (target.name === "gateway-fanout") return FAN_OUT_PREFIXES.flatMap((prefix) => toolNames(prefix));
  return hasPlugins(target) ? ALLOWED_TOOL_NAMES : TOOL_NAMES;
}

/**
 * The check of a tools/list answer from this target: one upstream's list in the upstream's
 * order, or, merged by federation, every upstream's tools each once (3 × 20) in any order.
 */
export function toolsListCheck(target: Target): (body: string) => boolean {
  return target.name === "gateway-fanout" ? mergedToolsListVerifier(expectedTools(target)) : toolsListVerifier(expectedTools(target));
}

/**
 * How a tools/call echo answer from this target is checked: byte for byte where the upstream's
 * bytes are forwarded; by meaning for a peer, whose stdio fixture's SDK writes its own JSON and
 * which answers as an event stream (wrk then looks for the echoed text in every response).
 */
export function echoExpectation(target: Target): Pick<Workload, "expect" | "contains"> {
  if (isPeer(target.name)) return { expect: toolTextVerifier(ECHO_MESSAGE), contains: JSON.stringify(ECHO_MESSAGE) };
  return { expect: echoAnswer(1, ECHO_MESSAGE) };
}

interface Check {
  what: string;
  body: string;
  headers?: Record<string, string>;
  status: number;
  verify?: (body: string) => boolean;
}

function checksFor(target: Target): Check[] {
  if (isPeer(target.name)) {
    // Inside the session the peer opened at start: initialize is behind it.
    return [
      { what: "tools/call echo", body: callRequest(3, "echo"), status: 200, verify: toolTextVerifier(ECHO_MESSAGE) },
      { what: "tools/call large (1 MiB)", body: callRequest(6, "large"), status: 200, verify: toolTextVerifier(largeText()) },
      { what: "notification", body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }), status: 202 },
    ];
  }
  if (target.name === "gateway-fanout") {
    // No session, as the load sends it (the fixtures are stateless). What federation must get
    // right here is the merged list and a call routed to the upstream that listed the tool (the
    // others answer it as an unknown tool).
    return [
      { what: "tools/list (merged)", body: request(2, "tools/list"), status: 200, verify: toolsListCheck(target) },
      { what: "tools/call two.echo", body: callRequest(3, "two.echo"), status: 200, verify: (body) => body === echoAnswer(3, ECHO_MESSAGE) },
    ];
  }
  const checks: Check[] = [
    { what: "initialize", body: initializeRequest(1), status: 200, verify: (body) => body === initializeAnswer(1) },
    { what: "tools/list", body: request(2, "tools/list"), status: 200, verify: toolsListCheck(target) },
    { what: "tools/call echo", body: callRequest(3, "echo"), status: 200, verify: (body) => body === echoAnswer(3, ECHO_MESSAGE) },
    { what: "tools/call search.web", body: callRequest(4, "search.web"), status: 200, verify: (body) => body === echoAnswer(4, ECHO_MESSAGE) },
    { what: "tools/call stream (SSE)", body: callRequest(5, "stream"), status: 200, verify: (body) => body === streamAnswer(5, ECHO_MESSAGE) },
    { what: "tools/call large (1 MiB)", body: callRequest(6, "large"), status: 200, verify: (body) => body.length === LARGE_BYTES && body === largeAnswer(6) },
    { what: "notification", body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }), status: 202 },
  ];
  if (hasPlugins(target)) {
    checks.push(
      { what: "policy denies db.drop", body: callRequest(8, "db.drop"), status: 403 },
      { what: "auth rejects a missing key", body: callRequest(9, "echo"), headers: { authorization: "" }, status: 401 },
    );
  }
  return checks;
}

/** Problems found, one line each; empty when the target is fit to measure. */
export async function preflight(target: Target): Promise<string[]> {
  const problems: string[] = [];
  for (const check of checksFor(target)) {
    const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json, text/event-stream", ...target.headers, ...check.headers };
    for (const [name, value] of Object.entries(headers)) if (value === "") delete headers[name];
    try {
      const response = await fetch(target.url, { method: "POST", headers, body: check.body, signal: AbortSignal.timeout(10_000) });
      const text = await response.text();
      if (response.status !== check.status) problems.push(`${check.what}: expected ${check.status}, got ${response.status} ${text.slice(0, 200)}`);
      else if (check.verify && !check.verify(text)) problems.push(`${check.what}: unexpected body ${text.slice(0, 200)}`);
    } catch (err) {
      problems.push(`${check.what}: ${(err as Error).message}`);
    }
  }
  return problems;
}
