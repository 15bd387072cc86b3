import { lineWriter, REDACTED } from "@mcp-gateway/runtime/plugin";
import { pino, type Logger } from "pino";
import { AUDIT_FIELDS, recordFields, type AuditRecord } from "./record.js";

/** Where records go. Writes never wait for I/O: they run after the client has its answer anyway. */
export interface AuditSink {
  write(record: AuditRecord): void;
  close(): Promise<void>;
}

/**
 * Records as lines of the gateway's own log. Audit is a record, not a diagnostic, so a quieter
 * `logging.level` (warn, error) does not drop it; only `silent` does.
 */
export function loggerSink(log: Logger): AuditSink {
  const writer = lineWriter(log, "audit");
  if (writer) {
    // Redaction is settled once for the record's fields (a `redactKeys` entry may name one).
    const redacted = new Set(AUDIT_FIELDS.filter((field) => writer.redacts(field)));
    return {
      write: (record) => writer.write(recordFields(record, redacted, REDACTED)),
      close: async () => {},
    };
  }
  const audit = log.level === "silent" || log.isLevelEnabled("info") ? log : log.child({}, { level: "info" });
  return {
    write: (record) => audit.info(record, "audit"),
    close: async () => {},
  };
}

/**
 * Records as pino JSON lines in a file of their own, written asynchronously (sonic-boom,
 * sync: false). Opening fails loudly at startup, not on the first request.
 */
export async function openFileSink(file: string, onError: (err: Error) => void): Promise<AuditSink> {
  const destination = pino.destination({ dest: file, sync: false, mkdir: true });
  await new Promise<void>((resolve, reject) => {
    destination.once("ready", () => resolve());
    destination.once("error", reject);
  });
  destination.on("error", onError);
  const log = pino({ base: { name: "mcp-gateway", plugin: "audit" }, level: "info" }, destination);
  let closed: Promise<void> | undefined;
  return {
    write: (record) => log.info(record, "audit"),
    close() {
      closed ??= new Promise<void>((resolve) => {
        destination.once("close", () => resolve());
        destination.end();
      });
      return closed;
    },
  };
}
