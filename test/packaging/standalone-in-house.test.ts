// The in-house auth example, copied out of the repository, builds and passes its tests on its own (see standalone.ts).
import { standalonePluginSuite } from "./standalone.ts";

standalonePluginSuite({ label: "the in-house auth example", from: "examples/in-house-auth", plugin: "signed-requests", exampleConfig: false });
