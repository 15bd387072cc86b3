import { createRequire } from "node:module";
import { definePlugin } from "@mcp-gateway/runtime/plugin";
import { checkUpstreams, compileRouter, describeRoutes } from "./match-route.js";
import { optionsSchema } from "./options.js";

const pkg = createRequire(import.meta.url)("../package.json") as { version: string };

export { optionsSchema, type RouterOptions } from "./options.js";
export { compileRouter, type Router } from "./match-route.js";

/**
 * The sectioned format's routing: the first rule matching the request's method, tool, resource or prompt
 * names its upstream; without a match the runtime uses the first upstream. With federation,
 * catch-all rules do not claim calls to a named tool, prompt or resource: its owner serves them.
 */
export default definePlugin({
  name: "router",
  version: pkg.version,
  api: "^1",
  options: optionsSchema,
  routes: (options) => describeRoutes(options.rules),
  setup(gateway, options) {
    checkUpstreams(
      options.rules,
      gateway.upstreams.map((upstream) => upstream.name),
    );
    const router = compileRouter(options.rules);
    gateway.hooks.route.tapPromise(async (ctx) => router.route(ctx.calls, { skipCatchAll: ctx.federation?.byOwner === true }));
  },
});
