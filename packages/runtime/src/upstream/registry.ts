import type { UpstreamConfig } from "../config/schema.js";
import { createUpstream, type Upstream, type UpstreamDeps } from "./upstream.js";

/**
 * The upstreams of every generation alive, shared by identical config: a reload that leaves an
 * upstream as it was hands the new generation the same connection pool, stdio processes and
 * sessions, so nothing to it is cut or restarted. An upstream is destroyed when the last
 * generation using it closes.
 */
export class UpstreamRegistry {
  readonly #entries = new Map<string, { upstream: Upstream; refs: number }>();
  readonly #deps: Omit<UpstreamDeps, "maxBufferedBytes">;

  constructor(deps: Omit<UpstreamDeps, "maxBufferedBytes">) {
    this.#deps = deps;
  }

  /** The upstream for this config (and buffer limit): the one already running, or a new one. */
  acquire(config: UpstreamConfig, maxBufferedBytes: number): Upstream {
    const key = JSON.stringify([config, maxBufferedBytes]);
    const entry = this.#entries.get(key);
    if (entry) {
      entry.refs++;
      return entry.upstream;
    }
    const upstream = createUpstream(config, { ...this.#deps, maxBufferedBytes });
    this.#entries.set(key, { upstream, refs: 1 });
    return upstream;
  }

  /** A generation is done with these: each one no generation uses any more is destroyed. */
  async release(upstreams: readonly Upstream[]): Promise<void> {
    const destroyed: Promise<unknown>[] = [];
    for (const upstream of upstreams) {
      for (const [key, entry] of this.#entries) {
        if (entry.upstream !== upstream || --entry.refs > 0) continue;
        this.#entries.delete(key);
        destroyed.push(...[...new Set([upstream.pool, upstream.streams])].map((transport) => transport.destroy()));
      }
    }
    await Promise.allSettled(destroyed);
  }
}
