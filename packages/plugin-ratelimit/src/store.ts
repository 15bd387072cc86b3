import type { HealthCheck } from "@mcp-gateway/runtime/plugin";
import type { BucketRequest, TakeResult } from "./token-bucket.js";

/** Where buckets live: in this process, or in Redis shared by every gateway instance. */
export interface RateLimitStore {
  readonly kind: "memory" | "redis";
  /** Charges every bucket of one request at once, or none of them. Rejects when the store is unreachable. */
  take(requests: readonly BucketRequest[]): Promise<TakeResult>;
  /** Connects (the `ready` hook). Rejects with one clear line when the store cannot be reached. */
  open?(): Promise<void>;
  /** Releases connections (the `close` hook); safe to call twice, or without `open`. */
  close?(): Promise<void>;
  /** What `/health` reports for the store. */
  health(): HealthCheck;
}
