/**
 * Server→client requests (sampling, elicitation, roots/list) from several upstreams reach the
 * client on one stream; two upstreams may both use id 0. The gateway gives each a gateway-unique
 * id and sends the client's answer back to the upstream that asked, under its original id.
 */

export type UpstreamRequestId = string | number;

export interface IdOrigin {
  upstream: string;
  originalId: UpstreamRequestId;
}

export interface IdMapperOptions {
  /**
   * Unanswered requests remembered at most; the oldest is forgotten first. Bounds memory when a
   * client never answers. Entries leave on their answer, so the oldest is also the least recent.
   */
  maxEntries?: number;
}

const DEFAULT_MAX_ENTRIES = 10_000;

/**
 * The id is `<seq>.<base64url of [upstream, originalId]>`. The sequence number makes it unique
 * within this gateway instance even if an upstream reuses an id; the payload makes it readable by
 * any other instance, which matters behind a load balancer: the client may POST its answer to an
 * instance that never saw the request (see `decodeGatewayId`).
 */
export class IdMapper {
  readonly #pending = new Map<string, IdOrigin>();
  readonly #maxEntries: number;
  #seq = 0;

  constructor(options: IdMapperOptions = {}) {
    this.#maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  }

  /** A fresh gateway id for this upstream's request, remembered until answered or evicted. */
  map(upstream: string, originalId: UpstreamRequestId): string {
    const id = `${++this.#seq}.${Buffer.from(JSON.stringify([upstream, originalId]), "utf8").toString("base64url")}`;
    this.#pending.set(id, { upstream, originalId });
    if (this.#pending.size > this.#maxEntries) this.#pending.delete(this.#pending.keys().next().value!);
    return id;
  }

  /**
   * Where the client's answer goes, exactly once: a replayed or unknown answer gets undefined,
   * so the caller drops it instead of sending an upstream an answer it did not ask for twice.
   */
  resolve(gatewayId: unknown): IdOrigin | undefined {
    if (typeof gatewayId !== "string") return undefined;
    const origin = this.#pending.get(gatewayId);
    if (origin) this.#pending.delete(gatewayId);
    return origin;
  }

  get size(): number {
    return this.#pending.size;
  }
}

/**
 * Reads the origin out of an id minted by any instance. Without shared storage it cannot enforce
 * exactly-once; the upstream, which tracks its own outstanding ids, ignores a duplicate answer.
 * The caller must still check that `upstream` is one of the session's upstreams.
 */
export function decodeGatewayId(gatewayId: unknown): IdOrigin | undefined {
  if (typeof gatewayId !== "string") return undefined;
  const match = /^[1-9][0-9]*\.([A-Za-z0-9_-]+)$/.exec(gatewayId);
  if (!match) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(match[1]!, "base64url").toString("utf8"));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [upstream, originalId] = value as unknown[];
    if (typeof upstream !== "string" || (typeof originalId !== "string" && typeof originalId !== "number")) return undefined;
    return { upstream, originalId };
  } catch {
    return undefined;
  }
}
