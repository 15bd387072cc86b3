// Plugins that misbehave on purpose, for the hostile suite: they throw what is not an Error,
// never finish, or take longer than the gateway's default deadline with a declared one.
import { definePlugin, z } from "@mcp-gateway/runtime/plugin";

const THROWN = { string: "boom", undefined: undefined, null: null, number: 42, frozen: Object.freeze(new Error("frozen")) };

export default definePlugin({
  name: "misbehaving",
  version: "1.0.0",
  api: "^1",
  options: z.strictObject({
    throws: z.enum(["string", "undefined", "null", "number", "frozen"]).optional(),
    rejects: z.enum(["string", "undefined"]).optional(),
    hangs: z.boolean().optional(),
    slowMs: z.number().optional(),
    declaredTimeoutMs: z.number().optional(),
    hangsOnResponse: z.boolean().optional(),
  }),
  setup(gateway, options) {
    gateway.hooks.authorize.tapPromise(options.declaredTimeoutMs ? { timeoutMs: options.declaredTimeoutMs } : {}, async (ctx) => {
      const method = ctx.calls[0]?.method;
      if (method !== "tools/call") return;
      if (options.throws) throw THROWN[options.throws];
      if (options.rejects) return Promise.reject(THROWN[options.rejects]);
      if (options.hangs) return new Promise(() => undefined);
      if (options.slowMs) await new Promise((resolve) => setTimeout(resolve, options.slowMs));
    });
    if (options.hangsOnResponse) gateway.hooks.onResponse.tapPromise(() => new Promise(() => undefined));
  },
});
