import type { DestinationStream, Logger } from "pino";

/**
 * Redaction and the audit's line writer, without pino itself: plugins load this through the
 * light plugin entry. Only types come from pino.
 */

export const REDACTED = "[REDACTED]";

export const CIRCULAR = "[Circular]";

/** Shown instead of anything nested deeper than MAX_DEPTH: what was not inspected is not printed. */
export const TOO_DEEP = "[Too deep]";

const MAX_DEPTH = 32;

/**
 * Replaces the value of every key in `keys` (lower-case) at any depth, so headers, tool
 * arguments and plugin options are covered alike. Returns the input when nothing matched.
 * It fails closed: past MAX_DEPTH a value is replaced, never printed unchecked, and a reference
 * back to an enclosing object becomes "[Circular]". Byte arrays hold no keys and are skipped.
 */
export function redactDeep(value: unknown, keys: ReadonlySet<string>, depth = 0, ancestors: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value !== "object" || value === null || ArrayBuffer.isView(value)) return value;
  if (depth >= MAX_DEPTH) return TOO_DEEP;
  if (ancestors.has(value)) return CIRCULAR;
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      let changed = false;
      const out = value.map((item) => {
        const next = redactDeep(item, keys, depth + 1, ancestors);
        if (next !== item) changed = true;
        return next;
      });
      return changed ? out : value;
    }
    let out: Record<string, unknown> | undefined;
    for (const key in value as Record<string, unknown>) {
      const item = (value as Record<string, unknown>)[key];
      const next = keys.has(key.toLowerCase()) ? REDACTED : redactDeep(item, keys, depth + 1, ancestors);
      if (next !== item) (out ??= { ...(value as Record<string, unknown>) })[key] = next;
    }
    return out ?? value;
  } finally {
    ancestors.delete(value);
  }
}

/** Where the loggers createLogger made write, and which keys they redact. */
export interface LineTarget {
  readonly stream: DestinationStream;
  readonly keys: ReadonlySet<string>;
}

const targets = new WeakMap<Logger, LineTarget>();

/** Called by createLogger for its root and (through pino's `onChild`) every descendant. */
export function registerLineTarget(log: Logger, target: LineTarget): void {
  targets.set(log, target);
}

/** pino's numeric level for info lines. */
const INFO = 30;

/** Info-level lines from fields serialised by the caller; see lineWriter. */
export interface LineWriter {
  /** True when this logger redacts `key`: the caller writes REDACTED as its value. */
  redacts(key: string): boolean;
  /** Writes one line; `fields` is JSON object members without the braces: `"a":1,"b":"x"`. */
  write(fields: string): void;
}

/**
 * Writes info lines shaped exactly as `log.info(fields, msg)` writes them (level, time, the
 * logger's bindings, the fields, msg) from fields the caller serialised itself. For the record
 * written on every request (audit), where pino's generic path, a redaction walk and per-key
 * serialisation of an object, cost several times what a serialiser that knows the record's
 * fields does. The caller applies `redacts`. Undefined for a silent logger or one createLogger
 * did not make (the caller then uses `log.info`).
 */
export function lineWriter(log: Logger, msg: string): LineWriter | undefined {
  const target = targets.get(log);
  if (target === undefined || log.level === "silent") return undefined;
  const { stream, keys } = target;
  // The bindings as pino writes them after the level and time: redacted, without the braces.
  const bindings = JSON.stringify(redactDeep(log.bindings(), keys)).slice(1, -1);
  const start = `{"level":${INFO},"time":`;
  const middle = bindings ? `,${bindings},` : ",";
  const end = `,"msg":${JSON.stringify(msg)}}\n`;
  return {
    redacts: (key) => keys.has(key.toLowerCase()),
    write: (fields) => stream.write(`${start}${Date.now()}${middle}${fields}${end}`),
  };
}
