import { hash, timingSafeEqual } from "node:crypto";

export interface StoredKey {
  readonly id: string | undefined;
  readonly tenant: string;
  readonly client: string;
}

export interface KeyStore {
  /** The entry of a presented key, or undefined when no configured key matches. */
  find(presented: string): StoredKey | undefined;
}

/** One-shot `crypto.hash`: a fifth of the cost of a Hash object, and this runs on every request. */
export function sha256Hex(value: string): string {
  return hash("sha256", value, "hex");
}

/**
 * Keys are held by their sha256 digest only, so a plain `key` and a `keyHash` are the same
 * thing after load and no secret stays in memory. A presented key is hashed once and looked up
 * in a Map (no scan over every key); the hit is confirmed with a constant-time comparison.
 */
export function createKeyStore(entries: readonly (StoredKey & { digest: string })[]): KeyStore {
  const byDigest = new Map<string, { digest: Buffer; entry: StoredKey }>();
  for (const { digest, id, tenant, client } of entries) {
    byDigest.set(digest, { digest: Buffer.from(digest, "latin1"), entry: Object.freeze({ id, tenant, client }) });
  }
  return {
    find(presented) {
      const digest = sha256Hex(presented);
      const hit = byDigest.get(digest);
      return hit && timingSafeEqual(Buffer.from(digest, "latin1"), hit.digest) ? hit.entry : undefined;
    },
  };
}
