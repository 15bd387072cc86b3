// The plugin template, copied out of the repository, builds and passes its tests on its own (see standalone.ts).
import { standalonePluginSuite } from "./standalone.ts";

standalonePluginSuite({ label: "the plugin template", from: "examples/plugin-template", plugin: "tenant-header", exampleConfig: true });
