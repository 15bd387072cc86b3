/**
 * Server→client requests (sampling, elicitation, roots/list) from several upstreams reach the
 * client on one stream, and two upstreams may both use id 0; resuming an event stream needs to
 * know which upstream an event id came from. The gateway tags such ids with their upstream.
 *
 * The tag is the upstream and the original id themselves, base64url-encoded: any gateway
 * instance can read it (the client may POST its answer to an instance that never saw the
 * request), the same request always gets the same gateway id (so an upstream's
 * `notifications/cancelled` for it can be translated too), and no table of pending ids has to
 * live anywhere. Ids are unique per upstream session while pending, and a client only ever sees
 * its own session's, so the tag is unique where it needs to be. Exactly-once delivery of the
 * answer stays the upstream's job: it tracks its own outstanding ids and ignores a duplicate.
 */

export type UpstreamRequestId = string | number;

export interface IdOrigin {
  upstream: string;
  originalId: UpstreamRequestId;
}

const PREFIX = "gw.";

/** The id the client sees for `originalId` of `upstream`. Always a string. */
export function toGatewayId(upstream: string, originalId: UpstreamRequestId): string {
  return PREFIX + Buffer.from(JSON.stringify([upstream, originalId]), "utf8").toString("base64url");
}

/**
 * The upstream and original id behind a gateway id, or undefined for anything the gateway did
 * not mint. The caller must still check that `upstream` belongs to the caller's session.
 */
export function decodeGatewayId(gatewayId: unknown): IdOrigin | undefined {
  if (typeof gatewayId !== "string" || !gatewayId.startsWith(PREFIX)) return undefined;
  const payload = gatewayId.slice(PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(payload)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [upstream, originalId] = value as unknown[];
    if (typeof upstream !== "string" || (typeof originalId !== "string" && typeof originalId !== "number")) return undefined;
    return { upstream, originalId };
  } catch {
    return undefined;
  }
}
