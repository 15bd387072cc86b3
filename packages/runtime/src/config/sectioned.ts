import type { GatewayConfig, PluginEntry } from "./schema.js";

/**
 * A config with the sectioned format's feature sections and no `plugins` list runs on the five default
 * plugins, in the sectioned format's order. Each section becomes that plugin's options unchanged, so the
 * plugin validates it and errors point at `auth.apiKeys[0]`, not at a synthetic path.
 */
export interface SectionedPluginEntry {
  entry: PluginEntry;
  /** Config path the options came from, for error messages. */
  section: string;
}

export function sectionedPlugins(config: GatewayConfig): SectionedPluginEntry[] {
  const entries: SectionedPluginEntry[] = [];
  const { auth, policy, rateLimit, routing, audit } = config;
  if (auth && auth.mode !== "none") {
    const { mode: _mode, ...options } = auth;
    entries.push({ entry: ["auth-apikey", options], section: "auth" });
  }
  if (policy) entries.push({ entry: ["policy", policy], section: "policy" });
  if (rateLimit) entries.push({ entry: ["ratelimit", rateLimit], section: "rateLimit" });
  if (routing) entries.push({ entry: ["router", { rules: routing }], section: "routing" });
  // The sectioned format audits by default: only an explicit `audit.enabled: false` turns it off.
  if (audit?.enabled !== false) entries.push({ entry: ["audit", audit ?? {}], section: "audit" });
  return entries;
}

export function isSectionedConfig(config: GatewayConfig): boolean {
  return !config.plugins && ["auth", "policy", "rateLimit", "routing", "audit"].some((key) => config[key as keyof GatewayConfig] !== undefined);
}
