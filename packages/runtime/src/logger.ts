import { pino, type DestinationStream, type Logger } from "pino";
import { DEFAULT_REDACT_KEYS } from "./config/schema.js";
import { redactDeep, registerLineTarget } from "./log-lines.js";

export { lineWriter, redactDeep, REDACTED, type LineWriter } from "./log-lines.js";

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

/** The one root logger: pino JSON lines, redaction on every line. */
export function createLogger(options: LoggerOptions): Logger {
  // Configured keys add to the defaults: listing one custom secret must not un-redact credentials.
  const keys = new Set([...DEFAULT_REDACT_KEYS, ...options.redactKeys].map((key) => key.toLowerCase()));
  const destination = options.destination ?? bufferedStdout();
  const target = { stream: destination, keys };
  const log = pino(
    {
      level: options.level,
      base: { name: "mcp-gateway" },
      formatters: {
        log: (object) => redactDeep(object, keys) as Record<string, unknown>,
        bindings: (bindings) => redactDeep(bindings, keys) as Record<string, unknown>,
      },
      // Every descendant writes where the root does: lineWriter finds it from any of them.
      onChild: (child) => registerLineTarget(child, target),
    },
    destination,
  );
  registerLineTarget(log, target);
  return log;
}
