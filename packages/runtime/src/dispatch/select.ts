import { federationSchema, type FederationConfig, type GatewayConfig } from "../config/schema.js";
import { federationDispatcher } from "../federation/federation.js";
import type { FederationDeps } from "../federation/session.js";
import type { LoadedPlugin } from "../plugin-loader.js";
import type { Upstream } from "../upstream/upstream.js";
import type { RequestDispatcher } from "./dispatcher.js";
import { singleUpstreamDispatcher } from "./single-upstream.js";

/**
 * The upstreams the plugins' routing rules can send a request to, in config order: every rule's
 * upstream, and the first upstream when no rule catches everything.
 */
function routedUpstreams(config: GatewayConfig, plugins: readonly LoadedPlugin[]): string[] {
  const rules = plugins.flatMap(({ plugin, options }) => plugin.routes?.(options as never) ?? []);
  const reached = new Set(rules.map((rule) => rule.upstream));
  const catchAll = rules.some((rule) => Object.entries(rule.match).every(([key, value]) => key === "method" && /^\*+$/.test(value)));
  if (!catchAll) reached.add(config.upstreams[0]!.name);
  return config.upstreams.map((upstream) => upstream.name).filter((name) => reached.has(name));
}

export interface EffectiveFederation {
  readonly config: FederationConfig;
  /** Turned on because the routes reach several upstreams, not by a `federation` section. */
  readonly automatic: boolean;
}

/**
 * The federation in effect: the configured one, or, when routes reach several upstreams and no
 * `federation` section says otherwise, one over those upstreams. Without it a client's session
 * would begin on one upstream and be "not found" on the next.
 */
export function effectiveFederation(config: GatewayConfig, plugins: readonly LoadedPlugin[]): EffectiveFederation | undefined {
  if (config.federation) return config.federation.enabled ? { config: config.federation, automatic: false } : undefined;
  const reached = routedUpstreams(config, plugins);
  if (reached.length < 2) return undefined;
  return { config: federationSchema.parse({ upstreams: reached }), automatic: true };
}

export type DispatcherDeps = Pick<FederationDeps, "hooks" | "log" | "allowlist" | "trackStream" | "serverInfo" | "sessionKey">;

/** The dispatcher behind the lifecycle: a federation when one is in effect, else one upstream per request. */
export function createDispatcher(config: GatewayConfig, federation: EffectiveFederation | undefined, upstreams: readonly Upstream[], deps: DispatcherDeps): RequestDispatcher {
  if (!federation) {
    return singleUpstreamDispatcher({ ...deps, upstreams: new Map(upstreams.map((upstream) => [upstream.name, upstream])), fallback: upstreams[0]! });
  }
  const names = new Set(federation.config.upstreams ?? upstreams.map((upstream) => upstream.name));
  if (federation.automatic) {
    deps.log.warn(
      { upstreams: [...names] },
      `routes reach ${[...names].join(", ")}: federating them into one session, sealed with a key generated at start, so sessions will not survive a restart or span replicas until federation.sessionKeys is set`,
    );
  }
  return federationDispatcher({
    ...deps,
    config: federation.config,
    upstreams: upstreams.filter((upstream) => names.has(upstream.name)),
    prefixes: new Map(config.upstreams.flatMap((upstream) => (upstream.prefix ? [[upstream.name, upstream.prefix] as const] : []))),
    automatic: federation.automatic,
  });
}
