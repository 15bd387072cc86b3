/**
 * Token-bucket arithmetic shared by the stores and the response headers. A bucket holds at most
 * `capacity` tokens and regains `refillPerMs` tokens per millisecond; a call costs one token.
 * The Redis store runs the same arithmetic in Lua (bucket-script.ts).
 */

/** One bucket a request draws from, with how many tokens it needs. */
export interface BucketRequest {
  /** Store key, e.g. `mcp-gateway:rate:acme:bot:tools/call`. */
  key: string;
  /** The configured calls per minute, for messages. */
  rpm: number;
  capacity: number;
  refillPerMs: number;
  /** Calls of the request that draw from this bucket (batches draw several). */
  cost: number;
  /** What the bucket limits, for the error message: `tools/call` or `tool "math.add"`. */
  label: string;
}

export interface TakeResult {
  /** True when every bucket had enough tokens; then each was charged. Otherwise none was. */
  allowed: boolean;
  /** Tokens left in each bucket after the decision, in request order. */
  tokens: number[];
}

export interface BucketState {
  tokens: number;
  updatedAt: number;
}

/** Tokens in a bucket at `now`; a bucket never seen (or expired) is full. */
export function tokensAt(state: BucketState | undefined, capacity: number, refillPerMs: number, now: number): number {
  if (!state) return capacity;
  const elapsed = Math.max(0, now - state.updatedAt);
  return Math.min(capacity, state.tokens + elapsed * refillPerMs);
}

/** Milliseconds until the bucket holds `cost` tokens; Infinity when it never can. */
export function msUntil(tokens: number, cost: number, capacity: number, refillPerMs: number): number {
  if (cost > capacity) return Infinity;
  return tokens >= cost ? 0 : (cost - tokens) / refillPerMs;
}

/** Milliseconds until the bucket is full again: after that it needs no stored state. */
export function msUntilFull(tokens: number, capacity: number, refillPerMs: number): number {
  return Math.max(0, capacity - tokens) / refillPerMs;
}

/** All-or-nothing: a request whose calls do not all fit spends no tokens at all. */
export function takeAll(requests: readonly BucketRequest[], available: readonly number[]): TakeResult {
  const allowed = requests.every((request, index) => available[index]! >= request.cost);
  return { allowed, tokens: requests.map((request, index) => (allowed ? available[index]! - request.cost : available[index]!)) };
}
