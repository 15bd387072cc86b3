/**
 * The client talks to one server, the gateway, so the `initialize` result and the
 * `server/discover` result it sees describe what the upstreams can do together, under the
 * gateway's own identity.
 */

export type Capabilities = Record<string, unknown>;

export interface ServerInfo {
  name: string;
  version: string;
  [key: string]: unknown;
}

export interface UpstreamResult {
  upstream: string;
  result: Record<string, unknown>;
}

/**
 * Union of capability objects. A feature present in any upstream is present (the gateway routes
 * it to that upstream); a boolean flag such as `listChanged` or `subscribe` is true when any
 * upstream sets it, since the gateway fans those in from every upstream.
 */
export function mergeCapabilities(all: readonly unknown[]): Capabilities {
  const merged: Capabilities = {};
  for (const capabilities of all) {
    if (!isObject(capabilities)) continue;
    for (const [key, value] of Object.entries(capabilities)) merged[key] = mergeValue(merged[key], value);
  }
  return merged;
}

function mergeValue(current: unknown, next: unknown): unknown {
  if (current === undefined) return isObject(next) ? mergeCapabilities([next]) : next;
  if (isObject(current) && isObject(next)) return mergeCapabilities([current, next]);
  if (typeof current === "boolean" && typeof next === "boolean") return current || next;
  return current;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Legacy era: each upstream answered `initialize` with the version its session now speaks. If
 * all agreed to the client's version, that is the answer; otherwise the lowest one they answered,
 * which is the newest version every upstream session can be spoken to in. Version strings are
 * dates, so string order is version order.
 */
export function pickProtocolVersion(requested: string, answered: readonly string[]): string {
  if (answered.every((version) => version === requested)) return requested;
  return answered.reduce((lowest, version) => (version < lowest ? version : lowest));
}

export interface MergeInitializeOptions {
  requestedVersion: string;
  serverInfo: ServerInfo;
  results: readonly UpstreamResult[];
}

/** The gateway's answer to `initialize`; `instructions` keep each upstream's, labelled by upstream. */
export function mergeInitializeResults(options: MergeInitializeOptions): Record<string, unknown> {
  const { results } = options;
  const versions = results.map(({ result }) => result.protocolVersion).filter((version): version is string => typeof version === "string");
  const instructions = joinInstructions(results);
  return {
    protocolVersion: versions.length ? pickProtocolVersion(options.requestedVersion, versions) : options.requestedVersion,
    capabilities: mergeCapabilities(results.map(({ result }) => result.capabilities)),
    serverInfo: options.serverInfo,
    ...(instructions ? { instructions } : {}),
  };
}

const SERVER_INFO_META_KEY = "io.modelcontextprotocol/serverInfo";

export interface MergeDiscoverOptions {
  serverInfo: ServerInfo;
  results: readonly UpstreamResult[];
}

/**
 * The gateway's answer to `server/discover`: only versions every upstream supports (the client
 * picks one and uses it with all of them), the capability union, and the most cautious caching
 * hints: the shortest `ttlMs` (absent means 0) and `public` only when every upstream says so.
 * An empty `supportedVersions` means no common version; the caller decides how to answer that.
 */
export function mergeDiscoverResults(options: MergeDiscoverOptions): Record<string, unknown> {
  const { results } = options;
  const lists = results.map(({ result }) => (Array.isArray(result.supportedVersions) ? result.supportedVersions.filter((v) => typeof v === "string") : []));
  const supportedVersions = lists.length ? lists[0]!.filter((version) => lists.every((list) => list.includes(version))) : [];
  const ttls = results.map(({ result }) => (typeof result.ttlMs === "number" && result.ttlMs > 0 ? result.ttlMs : 0));
  const instructions = joinInstructions(results);
  return {
    resultType: "complete",
    supportedVersions,
    capabilities: mergeCapabilities(results.map(({ result }) => result.capabilities)),
    _meta: { [SERVER_INFO_META_KEY]: options.serverInfo },
    ...(instructions ? { instructions } : {}),
    ttlMs: ttls.length ? Math.min(...ttls) : 0,
    cacheScope: results.length && results.every(({ result }) => result.cacheScope === "public") ? "public" : "private",
  };
}

function joinInstructions(results: readonly UpstreamResult[]): string {
  return results
    .filter(({ result }) => typeof result.instructions === "string" && result.instructions.trim())
    .map(({ upstream, result }) => `[${upstream}] ${(result.instructions as string).trim()}`)
    .join("\n\n");
}
