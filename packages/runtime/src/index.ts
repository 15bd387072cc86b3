export { createGateway, type Gateway, type GatewayOptions, type InlinePlugin } from "./gateway.js";
export { definePlugin, isGatewayPlugin, PLUGIN_API_VERSION } from "./plugin.js";
export type { GatewayPlugin, PluginApi, RouteDescription, PluginDefinition, PluginHooks, Tappable, TapOptions } from "./plugin.js";
export { createHooks, HOOK_KINDS, type GatewayHooks, type HealthCheck, type HealthChecks, type HookName } from "./hooks.js";
export { STAGES, resolveStage, type StageName } from "./stages.js";
export { ERRORS, GatewayError, isGatewayError, StartupError, isStartupError, jsonRpcCodeForStatus } from "./errors.js";
export type { ErrorCode, ErrorSpec, GatewayErrorOptions } from "./errors.js";
export { ANONYMOUS } from "./context.js";
export type { FederationFacts, JsonRpcId, McpCall, McpEra, McpTarget, Outcome, OutcomeKind, RequestContext, Subject, TargetKind, Timings, UpstreamInfo, UpstreamRequest } from "./context.js";
export { LISTS, METHODS, methodSpec, targetLabel, type ListKind, type ListSpec, type MethodSpec } from "./mcp/methods.js";
export { describeMessage } from "./mcp/messages.js";
export { headerCount } from "./proxy/headers.js";
export { loadConfig, parseConfig, SEARCH_PLACES, type LoadedConfig } from "./config/load.js";
export { configSchema, DEFAULT_FORWARD_HEADERS, DEFAULT_REDACT_KEYS, type GatewayConfig, type GatewayConfigInput, type PluginEntry } from "./config/schema.js";
export { candidateIds } from "./plugin-loader.js";
export { lineWriter, redactDeep, REDACTED, type LineWriter } from "./log-lines.js";
export { compileGlobs, globError, globSchema, type Matcher } from "./glob.js";
/** The runtime's zod: plugins use it for their options so one copy validates everything. */
export { z } from "zod";
