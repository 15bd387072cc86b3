import type { IncomingHttpHeaders } from "node:http";
import { timingSafeEqual } from "node:crypto";
import type { SignedRequestsClient } from "./options.js";
import { createReplayCache } from "./replay-cache.js";
import { HEADERS, hmac, SIGNATURE_VERSION } from "./signature.js";

/** Why a request that carried a signature was refused. Safe to show the caller: it names no secret. */
export type RefusalReason = "malformed" | "unknown-client" | "bad-signature" | "stale" | "replayed";

export type Verdict =
  | { kind: "absent" }
  | { kind: "accepted"; client: SignedRequestsClient }
  | { kind: "refused"; reason: RefusalReason; clientId?: string };

export interface SignedRequest {
  headers: IncomingHttpHeaders;
  method: string;
  path: string;
  body: Buffer | undefined;
}

export interface VerifierOptions {
  clients: readonly SignedRequestsClient[];
  maxSkewSeconds: number;
  replayCacheSize: number;
  /** Milliseconds since the epoch; tests pass their own clock. */
  now?: () => number;
}

const TIMESTAMP = /^\d{1,12}$/;
const SIGNATURE = new RegExp(`^${SIGNATURE_VERSION}=([0-9a-f]{64})$`);

function single(value: string | string[] | undefined): string | undefined {
  // A repeated header is not one credential: treat it as malformed, not as its first value.
  return Array.isArray(value) ? "" : value;
}

/**
 * Checks a request's signature: the headers, then the HMAC (constant-time), then the clock
 * window, then replay. Only an authentic signature is remembered, so unauthenticated callers
 * cannot fill the replay cache.
 */
export function createVerifier({ clients, maxSkewSeconds, replayCacheSize, now = Date.now }: VerifierOptions) {
  const byId = new Map(clients.map((client) => [client.clientId, client]));
  const used = createReplayCache(replayCacheSize);
  const skewMs = maxSkewSeconds * 1000;

  return {
    verify(request: SignedRequest): Verdict {
      const clientId = single(request.headers[HEADERS.clientId]);
      const timestamp = single(request.headers[HEADERS.timestamp]);
      const signature = single(request.headers[HEADERS.signature]);
      if (clientId === undefined && timestamp === undefined && signature === undefined) return { kind: "absent" };
      if (!clientId || !timestamp || !signature || !TIMESTAMP.test(timestamp)) return { kind: "refused", reason: "malformed" };
      const presented = SIGNATURE.exec(signature.toLowerCase())?.[1];
      if (!presented) return { kind: "refused", reason: "malformed", clientId };
      const client = byId.get(clientId);
      if (!client) return { kind: "refused", reason: "unknown-client", clientId };

      const expected = hmac(client.secret, { timestamp, method: request.method, path: request.path, body: request.body });
      if (!timingSafeEqual(expected, Buffer.from(presented, "hex"))) return { kind: "refused", reason: "bad-signature", clientId };

      const signedAt = Number(timestamp) * 1000;
      const at = now();
      if (Math.abs(at - signedAt) > skewMs) return { kind: "refused", reason: "stale", clientId };
      if (!used.firstUse(`${clientId}:${presented}`, signedAt + skewMs, at)) return { kind: "refused", reason: "replayed", clientId };
      return { kind: "accepted", client };
    },
  };
}

export type Verifier = ReturnType<typeof createVerifier>;
