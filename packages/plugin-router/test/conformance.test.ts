import { pluginConformance } from "@mcp-gateway/runtime/testing";
import router from "../src/index.js";

pluginConformance(router, {
  options: { rules: [{ match: { method: "*" }, upstream: "echo" }] },
  invalidOptions: { rules: [{ match: { method: "*" } }] },
});
