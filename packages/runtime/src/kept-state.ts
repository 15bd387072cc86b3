/**
 * What plugins keep across a config reload (`gateway.keep`): a value made once under a key and
 * handed to every later generation that asks for the same key (rate-limit buckets of unchanged
 * limits). A value no live generation asked for is disposed once the last generation that did
 * has closed.
 */
export class KeptState {
  readonly #entries = new Map<string, { value: unknown; dispose: ((value: never) => unknown) | undefined; users: Set<object> }>();

  /** The `keep` function of one plugin in one generation (`generation` is any object standing for it). */
  forPlugin(generation: object, plugin: string): <T>(key: string, create: () => T, dispose?: (value: T) => unknown) => T {
    return <T>(key: string, create: () => T, dispose?: (value: T) => unknown): T => {
      if (typeof key !== "string" || !key) throw new TypeError(`plugin "${plugin}": keep() needs a non-empty key`);
      const id = `${plugin}\u0000${key}`;
      let entry = this.#entries.get(id);
      if (!entry) {
        entry = { value: create(), dispose: dispose as ((value: never) => unknown) | undefined, users: new Set() };
        this.#entries.set(id, entry);
      }
      entry.users.add(generation);
      return entry.value as T;
    };
  }

  /** The generation closed: what only it used is disposed. */
  async release(generation: object): Promise<void> {
    const disposals: unknown[] = [];
    for (const [id, entry] of this.#entries) {
      if (!entry.users.delete(generation) || entry.users.size) continue;
      this.#entries.delete(id);
      if (entry.dispose) disposals.push(Promise.resolve().then(() => entry.dispose!(entry.value as never)));
    }
    await Promise.allSettled(disposals);
  }
}
