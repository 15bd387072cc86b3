/** `@mcp-gateway/create-plugin` as a library: the scaffolding behind `npm create @mcp-gateway/plugin`. */
export { findTemplate, pluginNames, renderManifest, renderText, scaffold, templateFiles, templateNames, UsageError } from "./scaffold.js";
export type { PluginNames, ScaffoldOptions, ScaffoldResult, TemplateNames } from "./scaffold.js";
export { main, USAGE, type Io } from "./cli.js";
