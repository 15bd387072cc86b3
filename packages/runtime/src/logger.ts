import { pino, type DestinationStream, type Logger } from "pino";

export const REDACTED = "[REDACTED]";

/**
 * Replaces the value of every key in `keys` (lower-case) at any depth, so headers, tool
 * arguments and plugin options are covered alike. Returns the input when nothing matched.
 */
export function redactDeep(value: unknown, keys: ReadonlySet<string>, depth = 0): unknown {
  if (typeof value !== "object" || value === null || depth > 8) return value;
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item) => {
      const next = redactDeep(item, keys, depth + 1);
      if (next !== item) changed = true;
      return next;
    });
    return changed ? out : value;
  }
  let out: Record<string, unknown> | undefined;
  for (const key in value as Record<string, unknown>) {
    const item = (value as Record<string, unknown>)[key];
    const next = keys.has(key.toLowerCase()) ? REDACTED : redactDeep(item, keys, depth + 1);
    if (next !== item) (out ??= { ...(value as Record<string, unknown>) })[key] = next;
  }
  return out ?? value;
}

export interface LoggerOptions {
  level: string;
  redactKeys: readonly string[];
  /** Where lines go; stdout by default. Tests pass a stream to read them. */
  destination?: DestinationStream;
}

/** The one root logger: pino JSON lines, redaction on every line. */
export function createLogger(options: LoggerOptions): Logger {
  const keys = new Set(options.redactKeys.map((key) => key.toLowerCase()));
  return pino(
    {
      level: options.level,
      base: { name: "mcp-gateway" },
      formatters: {
        log: (object) => redactDeep(object, keys) as Record<string, unknown>,
        bindings: (bindings) => redactDeep(bindings, keys) as Record<string, unknown>,
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
