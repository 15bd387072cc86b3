import { pluginConformance } from "@mcp-gateway/runtime/testing";
import policy from "../src/index.js";

pluginConformance(policy, {
  options: { default: "deny", rules: [{ allow: { methods: ["tools/list"] } }] },
  invalidOptions: { default: "maybe" },
  rejects: {
    message: { jsonrpc: "2.0", id: "x1", method: "tools/call", params: { name: "rm" } },
    status: 403,
    code: "MCPGW_ERR_FORBIDDEN",
  },
});
