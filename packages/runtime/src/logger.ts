import { pino, type DestinationStream, type Logger } from "pino";
import { DEFAULT_REDACT_KEYS } from "./config/schema.js";

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

export interface LoggerOptions {
  level: string;
  redactKeys: readonly string[];
  /** Where lines go; stdout by default. Tests pass a stream to read them. */
  destination?: DestinationStream;
}

/**
 * stdout through a 4 KiB buffer flushed at least every 200 ms: under load one write(2) carries
 * dozens of lines instead of one each (the audit line of every request adds up), and a quiet
 * gateway's lines still appear promptly. `gateway.close()` flushes what is left.
 */
function bufferedStdout(): DestinationStream {
  const destination = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  setInterval(() => {
    // flush() throws while the destination is still opening; the next tick will catch up.
    try {
      destination.flush();
    } catch {
      // not ready yet
    }
  }, 200).unref();
  return destination;
}

/** The one root logger: pino JSON lines, redaction on every line. */
export function createLogger(options: LoggerOptions): Logger {
  // Configured keys add to the defaults: listing one custom secret must not un-redact credentials.
  const keys = new Set([...DEFAULT_REDACT_KEYS, ...options.redactKeys].map((key) => key.toLowerCase()));
  return pino(
    {
      level: options.level,
      base: { name: "mcp-gateway" },
      formatters: {
        log: (object) => redactDeep(object, keys) as Record<string, unknown>,
        bindings: (bindings) => redactDeep(bindings, keys) as Record<string, unknown>,
      },
    },
    options.destination ?? bufferedStdout(),
  );
}
