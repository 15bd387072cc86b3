import { createRequire } from "node:module";
import { definePlugin } from "@mcp-gateway/runtime/plugin";
import { compileHeaderValue } from "./header-value.js";
import { optionsSchema } from "./options.js";

// The version the gateway prints (`mcp-gateway plugins`) is the package's own.
const pkg = createRequire(import.meta.url)("../package.json") as { version: string };

export { optionsSchema, type TenantHeaderOptions } from "./options.js";
export { compileHeaderValue, unknownPlaceholders } from "./header-value.js";

/**
 * Tells the upstream who is calling: sets one request header from the caller's subject. The
 * default export, made with definePlugin, is what the gateway loads.
 */
export default definePlugin({
  name: "tenant-header",
  version: pkg.version,
  api: "^1",
  options: optionsSchema,
  setup(gateway, options) {
    // setup runs for `mcp-gateway validate` too: compile here, connect to nothing.
    const valueFor = compileHeaderValue(options.value);
    gateway.hooks.beforeUpstream.tapPromise(async (ctx, request) => {
      // The runtime has set the subject by now (ANONYMOUS when no auth plugin is configured).
      // Overwriting means a client cannot choose the value itself.
      request.headers[options.header] = valueFor(ctx.subject!);
    });
  },
});
