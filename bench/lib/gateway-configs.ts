/**
 * The gateway configs under test. `gateway` is the bare runtime (no plugins); `gateway-full`
 * runs the five default plugins the way an operator would configure them.
 */
import { createHash } from "node:crypto";
import { ALLOWED_TOOL_GLOBS } from "./mcp-fixtures.js";

export const BENCH_API_KEY = "bench_key_6f1d0c2a9b7e4f38";
const OTHER_KEYS = ["ci_key_1b2c3d4e5f60718293", "ops_key_a0b1c2d3e4f5a6b7c8"];

export const DEFAULT_PLUGINS = Object.freeze(["auth-apikey", "policy", "ratelimit", "router", "audit"]);

/** Headers the bench client sends through a gateway that authenticates. */
export const AUTH_HEADERS = Object.freeze({ authorization: `Bearer ${BENCH_API_KEY}` });

const keyHash = (key: string) => `sha256:${createHash("sha256").update(key).digest("hex")}`;

export interface ConfigOptions {
  port: number;
  upstreamUrl: string;
  /** Keep-alive connections per upstream; raised for the SSE fan-in (one per held stream). */
  connections?: number;
}

function upstreams(options: ConfigOptions, names: readonly string[]) {
  return names.map((name) => ({
    name,
    url: options.upstreamUrl,
    ...(options.connections ? { connections: options.connections } : {}),
  }));
}

export function passThroughConfig(options: ConfigOptions): Record<string, unknown> {
  return {
    server: { host: "127.0.0.1", port: options.port },
    upstreams: upstreams(options, ["main"]),
    logging: { level: "info" },
  };
}

/**
 * The fan-out gateway's upstreams, by name: each is its own fixture process listing its tools
 * under this prefix (`one.echo`, …), so the merged list has 3 × 20 names and nothing collides.
 */
export const FAN_OUT_PREFIXES = Object.freeze(["one", "two", "three"]);

/** A fixed 32-byte session key (base64url): the bench measures the fan-out, not key handling. */
const FAN_OUT_SESSION_KEY = "YmVuY2gtb25seS1mYW4tb3V0LXNlc3Npb24ta2V5ISE";

export interface FanOutConfigOptions {
  port: number;
  /** One per upstream process, in FAN_OUT_PREFIXES order. */
  upstreams: readonly { name: string; url: string }[];
}

/**
 * Federation with no plugins over three upstream processes: every tools/list is three upstream
 * tools/list calls in parallel, merged. No gateway `prefix`, so the gateway renames nothing and
 * the figure is the fan-out and merge alone.
 */
export function fanOutConfig(options: FanOutConfigOptions): Record<string, unknown> {
  return {
    server: { host: "127.0.0.1", port: options.port },
    upstreams: options.upstreams.map(({ name, url }) => ({ name, url })),
    federation: { sessionKeys: [FAN_OUT_SESSION_KEY] },
    logging: { level: "info" },
  };
}

/**
 * gateway-full with auth-oauth in place of auth-apikey: the bench client's ES256 access token is
 * verified against the issuer's JWKS once, then found in the token cache; its org_id and client_id
 * claims give the same subject (bench/loadgen) the API key does, so policy, rate limiting, routing
 * and audit do the same work and the difference between the two targets is the auth plugin.
 */
export function oauthConfig(options: ConfigOptions & { issuer: string; resource: string }): Record<string, unknown> {
  const full = fullConfig(options);
  const plugins = (full.plugins as unknown[][]).map((entry) =>
    entry[0] === "auth-apikey" ? ["auth-oauth", { issuer: options.issuer, resource: options.resource, requiredScopes: ["mcp:tools"], subject: { tenant: "org_id" } }] : entry,
  );
  return { ...full, plugins };
}

/**
 * API-key auth with keyHash, a glob policy, a rate limit that never limits, audit on in every
 * environment, and three routing rules (two by tool glob, one catch-all) over three upstreams.
 * The three names point at one fixture, so federation (which routes reaching several upstreams
 * would turn on) is off: the routed path is what this target measures; gateway-fanout measures
 * federation.
 */
export function fullConfig(options: ConfigOptions): Record<string, unknown> {
  return {
    server: { host: "127.0.0.1", port: options.port },
    upstreams: upstreams(options, ["main", "search", "files"]),
    federation: { enabled: false },
    logging: { level: "info" },
    plugins: [
      [
        "auth-apikey",
        {
          apiKeys: [
            { id: "bench-loadgen", keyHash: keyHash(BENCH_API_KEY), tenant: "bench", client: "loadgen" },
            { id: "ci", keyHash: keyHash(OTHER_KEYS[0]!), tenant: "acme", client: "ci" },
            { id: "ops", keyHash: keyHash(OTHER_KEYS[1]!), tenant: "acme", client: "ops" },
          ],
        },
      ],
      [
        "policy",
        {
          default: "deny",
          rules: [
            {
              subject: { tenant: "bench", client: "load*" },
              allow: { methods: ["initialize", "notifications/*", "ping", "tools/list", "tools/call"], tools: [...ALLOWED_TOOL_GLOBS] },
            },
            { subject: { tenant: "acme" }, allow: { methods: ["tools/*"], tools: ["search.*"] }, deny: { tools: ["search.issues"] } },
          ],
        },
      ],
      ["ratelimit", { keyPrefix: "mcp-gateway-bench", defaultRpm: 1e9, byMethod: { "tools/call": 1e9 } }],
      [
        "router",
        {
          rules: [
            { match: { method: "tools/call", tool: "search.*" }, upstream: "search" },
            { match: { method: "tools/call", tool: "files.*" }, upstream: "files" },
            { match: { method: "*" }, upstream: "main" },
          ],
        },
      ],
      ["audit", { enabled: true, environments: ["*"] }],
    ],
  };
}
