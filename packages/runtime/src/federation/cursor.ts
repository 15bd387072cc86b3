import { GatewayError } from "../errors.js";

/**
 * Pagination across upstreams: the gateway walks the upstreams one after another, and each
 * gateway page is one page of one upstream. The gateway cursor says which upstream to ask and
 * with which of its own cursors, so any gateway instance can continue a listing without state.
 * The index refers to the list of upstreams the caller is listing (after filtering by subject),
 * so that list must be computed the same way for every page.
 */
export interface PagePosition {
  /** Index of the upstream to ask, in upstream config order. */
  i: number;
  /** That upstream's own cursor; absent for its first page. */
  c?: string;
}

/** Where a listing without a cursor starts: the first upstream's first page. */
export function firstPage(): PagePosition {
  return { i: 0 };
}

/**
 * The gateway's `nextCursor` after serving a page of upstream `upstreamIndex`: the same upstream
 * while it has more, else the next upstream's first page, else undefined (the listing is over).
 */
export function nextCursor(upstreamIndex: number, upstreamNextCursor: string | undefined, upstreamCount: number): string | undefined {
  if (upstreamNextCursor !== undefined) return encode({ i: upstreamIndex, c: upstreamNextCursor });
  if (upstreamIndex + 1 < upstreamCount) return encode({ i: upstreamIndex + 1 });
  return undefined;
}

/**
 * Reads a gateway cursor from a client. Cursors are opaque to clients, and anything that is not one
 * of ours (or points past the upstreams now listed) is the spec's "invalid params" (-32602).
 */
export function decodeCursor(cursor: string, upstreamCount: number): PagePosition {
  let value: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error("not base64url");
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalidCursor();
  }
  const position = value as Partial<PagePosition> | null;
  const valid =
    typeof position === "object" &&
    position !== null &&
    Number.isInteger(position.i) &&
    position.i! >= 0 &&
    position.i! < upstreamCount &&
    (position.c === undefined || typeof position.c === "string") &&
    Object.keys(position).every((key) => key === "i" || key === "c");
  if (!valid) throw invalidCursor();
  return position.c === undefined ? { i: position.i! } : { i: position.i!, c: position.c };
}

function encode(position: PagePosition): string {
  return Buffer.from(JSON.stringify(position), "utf8").toString("base64url");
}

function invalidCursor(): GatewayError {
  return GatewayError.from("MCPGW_ERR_INVALID_CURSOR");
}
