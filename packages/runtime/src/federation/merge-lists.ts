/**
 * Merges one list method's results from several upstreams into the one catalogue a client sees.
 * Names are unchanged by default so that adding an upstream never renames an existing tool; a
 * configured prefix or the collision policy are the only things that change a name.
 */

export type ListKind = "tools" | "prompts" | "resources" | "resourceTemplates";

/** The result field that holds the items, and the item field that names one, per list method. */
export const LIST_KINDS: Readonly<Record<ListKind, { method: string; field: string; key: string }>> = Object.freeze({
  tools: { method: "tools/list", field: "tools", key: "name" },
  prompts: { method: "prompts/list", field: "prompts", key: "name" },
  resources: { method: "resources/list", field: "resources", key: "uri" },
  resourceTemplates: { method: "resources/templates/list", field: "resourceTemplates", key: "uriTemplate" },
});

export type ListItem = Record<string, unknown>;

/** One upstream's answer, in upstream config order: either its list result or why it has none. */
export interface UpstreamListing {
  upstream: string;
  /** Per-upstream name prefix from config; every item of this upstream is renamed. */
  prefix?: string;
  /** The JSON-RPC `result` of the list call. */
  result?: unknown;
  /** Set when the call failed (unreachable, timeout, JSON-RPC error). */
  error?: unknown;
}

/**
 * `reject`: the first upstream in config order keeps the name, later duplicates are dropped.
 * `prefix`: the first keeps the name, later duplicates get `upstream + separator + name`. Only
 * later ones are renamed so that adding an upstream never renames a tool clients already use.
 */
export type CollisionPolicy = "reject" | "prefix";

export interface MergeListsOptions {
  separator?: string;
  collisions?: CollisionPolicy;
}

export interface Owner {
  upstream: string;
  /** The name (or URI, or URI template) the upstream itself knows the item by. */
  originalName: string;
}

/** A duplicate that was dropped (or, under `prefix`, renamed to `renamedTo`); for a clear log line. */
export interface Collision {
  name: string;
  keptBy: string;
  upstream: string;
  renamedTo?: string;
}

export interface MergedList {
  items: ListItem[];
  /** Gateway name → owning upstream and original name: how calls are routed back. */
  owners: Map<string, Owner>;
  collisions: Collision[];
  /** Upstreams that failed or answered something unreadable: reported, not fatal. */
  partial: { upstream: string; error: unknown }[];
}

export function mergeLists(kind: ListKind, listings: readonly UpstreamListing[], options: MergeListsOptions = {}): MergedList {
  const { field, key } = LIST_KINDS[kind];
  const separator = options.separator ?? ".";
  const policy = options.collisions ?? "reject";
  const merged: MergedList = { items: [], owners: new Map(), collisions: [], partial: [] };

  for (const listing of listings) {
    if (listing.error !== undefined) {
      merged.partial.push({ upstream: listing.upstream, error: listing.error });
      continue;
    }
    const items = (listing.result as Record<string, unknown> | null | undefined)?.[field];
    if (!Array.isArray(items)) {
      merged.partial.push({ upstream: listing.upstream, error: new Error(`result has no "${field}" array`) });
      continue;
    }
    for (const item of items as unknown[]) {
      const originalName = (item as ListItem | null)?.[key];
      // An item without its key cannot be routed back; skipping it beats failing the whole list.
      if (typeof originalName !== "string") continue;
      const name = listing.prefix ? listing.prefix + separator + originalName : originalName;
      const kept = merged.owners.get(name);
      if (!kept) {
        add(merged, item as ListItem, key, name, { upstream: listing.upstream, originalName });
        continue;
      }
      const renamed = listing.upstream + separator + name;
      // A renamed item can collide again (an upstream may already expose `kb.search`); then it is dropped.
      if (policy === "prefix" && !merged.owners.has(renamed)) {
        add(merged, item as ListItem, key, renamed, { upstream: listing.upstream, originalName });
        merged.collisions.push({ name, keptBy: kept.upstream, upstream: listing.upstream, renamedTo: renamed });
      } else {
        merged.collisions.push({ name, keptBy: kept.upstream, upstream: listing.upstream });
      }
    }
  }
  return merged;
}

function add(merged: MergedList, item: ListItem, key: string, name: string, owner: Owner): void {
  merged.items.push(name === owner.originalName ? item : { ...item, [key]: name });
  merged.owners.set(name, owner);
}
