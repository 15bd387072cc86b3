import { GatewayError } from "@mcp-gateway/runtime/plugin";
import { msUntil, msUntilFull, type BucketRequest, type TakeResult } from "./token-bucket.js";

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/**
 * The 429 for a request some bucket could not admit, described by the bucket that keeps the
 * caller waiting longest: `Retry-After` is when the request would fit, `RateLimit-Limit` the
 * bucket's capacity, `RateLimit-Remaining` its whole tokens left, `RateLimit-Reset` when it is full.
 */
export function rateLimitedError(requests: readonly BucketRequest[], result: TakeResult): GatewayError {
  let worst = 0;
  let worstWait = -1;
  requests.forEach((request, index) => {
    const wait = msUntil(result.tokens[index]!, request.cost, request.capacity, request.refillPerMs);
    if (wait > worstWait) {
      worst = index;
      worstWait = wait;
    }
  });
  const bucket = requests[worst]!;
  const tokens = result.tokens[worst]!;
  const untilFull = msUntilFull(tokens, bucket.capacity, bucket.refillPerMs);
  const fitsNever = worstWait === Infinity;
  const retryAfter = seconds(fitsNever ? untilFull : worstWait);
  const message = fitsNever
    ? `Rate limit exceeded: the request makes ${bucket.cost} calls of ${bucket.label}, more than its limit admits at once (${bucket.capacity})`
    : `Rate limit exceeded for ${bucket.label} (${bucket.rpm} per minute)`;
  return GatewayError.from("MCPGW_ERR_RATE_LIMITED", message, {
    headers: {
      "retry-after": String(retryAfter),
      "ratelimit-limit": String(bucket.capacity),
      "ratelimit-remaining": String(Math.floor(tokens)),
      "ratelimit-reset": String(seconds(untilFull)),
    },
    data: { retryAfter },
  });
}
