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

/** Lines handed to sonic-boom at once: one write(2) carries a hundred audit lines. */
const BATCH_BYTES = 16 * 1024;
const FLUSH_INTERVAL_MS = 200;

/**
 * Gathers lines in an array and hands them to sonic-boom joined, 16 KiB at a time. sonic-boom
 * re-measures its pending buffer (`Buffer.byteLength`, which flattens the string) on every write;
 * with one write per log line that cost more under load than serialising the line. pino needs
 * only `write` and `flush` of a destination.
 */
export class LineBatch implements DestinationStream {
  #lines: string[] = [];
  #size = 0;

  constructor(private readonly destination: Pick<ReturnType<typeof pino.destination>, "write" | "flush">) {}

  write(line: string): void {
    this.#lines.push(line);
    this.#size += line.length;
    if (this.#size >= BATCH_BYTES) this.#handOver();
  }

  /** Hands the gathered lines over and lets sonic-boom write them out. */
  flush(callback?: (err?: Error) => void): void {
    this.#handOver();
    try {
      this.destination.flush(callback);
    } catch (err) {
      // flush() throws while the destination is still opening; the next flush catches up.
      callback?.(err as Error);
    }
  }

  #handOver(): void {
    if (this.#lines.length === 0) return;
    const text = this.#lines.join("");
    this.#lines = [];
    this.#size = 0;
    this.destination.write(text);
  }
}

/**
 * stdout in batches flushed at least every 200 ms: under load one write(2) carries dozens of
 * lines instead of one each (the audit line of every request adds up), and a quiet gateway's
 * lines still appear promptly. `gateway.close()` flushes what is left.
 */
function bufferedStdout(): DestinationStream {
  const batch = new LineBatch(pino.destination({ dest: 1, sync: false }));
  setInterval(() => batch.flush(), FLUSH_INTERVAL_MS).unref();
  return batch;
}

/** The redaction keys of every logger createLogger made, by destination (its children share it). */
const redactKeysByStream = new WeakMap<object, ReadonlySet<string>>();

/** The one root logger: pino JSON lines, redaction on every line. */
export function createLogger(options: LoggerOptions): Logger {
  // Configured keys add to the defaults: listing one custom secret must not un-redact credentials.
  const keys = new Set([...DEFAULT_REDACT_KEYS, ...options.redactKeys].map((key) => key.toLowerCase()));
  const log = pino(
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
  redactKeysByStream.set(streamOf(log), keys);
  return log;
}

function streamOf(log: Logger): DestinationStream {
  return (log as unknown as Record<symbol, DestinationStream>)[pino.symbols.streamSym]!;
}

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
  const stream = streamOf(log);
  const keys = redactKeysByStream.get(stream);
  if (keys === undefined || log.level === "silent") return undefined;
  const bindings = (log as unknown as Record<symbol, string>)[pino.symbols.chindingsSym];
  const start = `{"level":${pino.levels.values.info},"time":`;
  const end = `,"msg":${JSON.stringify(msg)}}\n`;
  return {
    redacts: (key) => keys.has(key.toLowerCase()),
    write: (fields) => stream.write(`${start}${Date.now()}${bindings},${fields}${end}`),
  };
}
