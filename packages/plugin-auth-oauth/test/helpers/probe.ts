import { definePlugin, type Subject } from "@mcp-gateway/runtime/plugin";

/** A plugin that records the subject each request reaches `authorize` with. */
export function subjectProbe() {
  const seen: (Subject | undefined)[] = [];
  const plugin = definePlugin({
    name: "subject-probe",
    version: "1.0.0",
    api: "^1",
    setup(gateway) {
      gateway.hooks.authorize.tapPromise(async (ctx) => {
        seen.push(ctx.subject);
      });
    },
  });
  return { plugin, seen };
}

export type ErrorBody = { jsonrpc: string; id: unknown; error: { code: number; message: string; data: { code: string } & Record<string, unknown> } };

export const LIST = Object.freeze({ jsonrpc: "2.0", id: 7, method: "tools/list", params: {} });
