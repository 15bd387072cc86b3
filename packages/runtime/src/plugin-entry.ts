/**
 * `@mcp-gateway/runtime/plugin`: everything a plugin needs (definePlugin, errors, globs, the MCP
 * method table, types, zod) without loading the server stack: no Fastify, undici, pino or tapable
 * at run time, so a plugin's unit tests start fast and its pure logic imports nothing heavy.
 * A test (plugin-entry.test.ts) checks the entry's module graph.
 */
export { definePlugin, isGatewayPlugin, PLUGIN_API_VERSION } from "./plugin.js";
export type { PluginHttp, PluginHttpHandler, PluginHttpRequest, PluginHttpResponse } from "./plugin-routes.js";
export type { GatewayPlugin, Labels, MetricCounter, MetricGauge, MetricHistogram, PluginApi, PluginDefinition, PluginHooks, PluginMetrics, RouteDescription, Tappable, TapOptions } from "./plugin.js";
export type { HealthCheck, HealthChecks, HookName } from "./hooks.js";
export { STAGES, resolveStage, type StageName } from "./stages.js";
export { ERRORS, GatewayError, isGatewayError, jsonRpcCodeForStatus } from "./errors.js";
export type { ErrorCode, ErrorSpec, GatewayErrorOptions, PluginErrorSpec } from "./errors.js";
export { ANONYMOUS } from "./context.js";
export type {
  FederationFacts,
  JsonRpcId,
  McpCall,
  McpEra,
  McpTarget,
  Outcome,
  OutcomeKind,
  RequestContext,
  Subject,
  TargetKind,
  Timings,
  UpstreamInfo,
  UpstreamRequest,
} from "./context.js";
export { LISTS, METHODS, methodSpec, targetLabel, type ListKind, type ListSpec, type MethodSpec } from "./mcp/methods.js";
export { describeMessage } from "./mcp/messages.js";
export { headerCount } from "./upstream/headers.js";
export { compileGlobs, globError, globSchema, type Matcher } from "./glob.js";
export { lineWriter, redactDeep, REDACTED, type LineWriter } from "./log-lines.js";
/** The runtime's zod: plugins use it for their options so one copy validates everything. */
export { z } from "zod";
