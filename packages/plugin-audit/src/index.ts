import { readFileSync } from "node:fs";
import path from "node:path";
import { definePlugin } from "@mcp-gateway/runtime/plugin";
import { auditsEnvironment, resolveEnvironment } from "./environment.js";
import { optionsSchema } from "./options.js";
import { auditRecord } from "./record.js";
import { loggerSink, openFileSink, type AuditSink } from "./sink.js";

export { optionsSchema, type AuditOptions, type AuditOptionsInput } from "./options.js";
export { auditRecord, type AuditRecord } from "./record.js";
export { auditsEnvironment, resolveEnvironment } from "./environment.js";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

export default definePlugin({
  name: "audit",
  version: pkg.version,
  api: "^1",
  options: optionsSchema,
  setup(gateway, options) {
    const environment = resolveEnvironment(gateway.env);
    if (!options.enabled || !auditsEnvironment(options.environments, environment)) {
      gateway.log.info({ environment, environments: options.environments, enabled: options.enabled }, "audit records off");
      return;
    }
    let sink: AuditSink | undefined;
    if (options.destination === "logger") {
      sink = loggerSink(gateway.log);
    } else {
      const file = path.resolve(gateway.configDir, options.destination.file);
      gateway.hooks.ready.tapPromise(async () => {
        sink = await openFileSink(file, (err) => gateway.log.error({ error: err.message, file }, "audit file write failed"));
      });
    }
    gateway.hooks.close.tapPromise(async () => {
      await sink?.close();
    });
    gateway.hooks.onResponse.tapPromise({ stage: "OBSERVE" }, async (ctx) => {
      sink?.write(auditRecord(ctx, environment));
    });
  },
});
