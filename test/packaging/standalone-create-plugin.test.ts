// A plugin made by the packed @mcp-gateway/create-plugin, as `npm create @mcp-gateway/plugin` runs
// it, builds and passes its tests on its own (see standalone.ts).
import { standalonePluginSuite } from "./standalone.ts";

standalonePluginSuite({ label: "a plugin made by npm create @mcp-gateway/plugin", from: "packages/create-plugin", plugin: "tenant-tag", exampleConfig: true });
