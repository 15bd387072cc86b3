import type { ListKind, Owner } from "./merge-lists.js";

export interface CatalogEntry {
  expires: number;
  owners: ReadonlyMap<string, Owner>;
  /** resourceTemplates only: each template compiled to the URIs it expands to. */
  templates?: readonly { pattern: RegExp; owner: Owner }[];
}

/** Catalogues kept at most; the oldest is dropped first. */
const MAX_ENTRIES = 10_000;

/**
 * Which upstream owns which name, learned from merged lists, so a call can be routed without
 * listing every upstream first. Per gateway instance and per session (or per subject when there is
 * no session), because upstreams may list different things to different callers. A miss is
 * answered by listing again; a `list_changed` notification seen on this instance drops the entry.
 */
export class CatalogCache {
  readonly #entries = new Map<string, CatalogEntry>();
  readonly #ttlMs: number;

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  get(scope: string, kind: ListKind): CatalogEntry | undefined {
    const key = `${scope}\u0000${kind}`;
    const entry = this.#entries.get(key);
    if (entry && entry.expires > Date.now()) return entry;
    if (entry) this.#entries.delete(key);
    return undefined;
  }

  /** The catalogue as an entry; kept for later calls only when `keep` (a complete listing). */
  set(scope: string, kind: ListKind, owners: ReadonlyMap<string, Owner>, keep = true): CatalogEntry {
    const entry: CatalogEntry = { expires: Date.now() + this.#ttlMs, owners, ...templatesOf(kind, owners) };
    if (this.#ttlMs === 0 || !keep) return entry;
    const key = `${scope}\u0000${kind}`;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    if (this.#entries.size > MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
    return entry;
  }

  /** A list changed somewhere in this scope: learn every kind again on next use. */
  invalidate(scope: string): void {
    for (const kind of ["tools", "prompts", "resources", "resourceTemplates"] as const) this.#entries.delete(`${scope}\u0000${kind}`);
  }
}

function templatesOf(kind: ListKind, owners: ReadonlyMap<string, Owner>): Pick<CatalogEntry, "templates"> {
  if (kind !== "resourceTemplates") return {};
  return { templates: [...owners].map(([template, owner]) => ({ pattern: templatePattern(template), owner })) };
}

/**
 * A URI template (RFC 6570) as a pattern of the URIs it expands to: `{var}` stands for one path
 * segment, `{+var}` and `{#var}` for anything. Enough to find the upstream that serves a URI.
 */
export function templatePattern(template: string): RegExp {
  let source = "";
  let last = 0;
  for (const match of template.matchAll(/\{([^}]*)\}/g)) {
    source += escape(template.slice(last, match.index));
    const operator = match[1]![0];
    source += operator === "+" || operator === "#" ? ".*" : "[^/]*";
    last = match.index + match[0].length;
  }
  return new RegExp(`^${source}${escape(template.slice(last))}$`);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The owner of a resource URI: an exact resource first, then the first template that matches it. */
export function ownerOfUri(uri: string, resources: CatalogEntry | undefined, templates: CatalogEntry | undefined): Owner | undefined {
  const exact = resources?.owners.get(uri);
  if (exact) return { upstream: exact.upstream, originalName: uri };
  const template = templates?.templates?.find(({ pattern }) => pattern.test(uri));
  return template ? { upstream: template.owner.upstream, originalName: uri } : undefined;
}
