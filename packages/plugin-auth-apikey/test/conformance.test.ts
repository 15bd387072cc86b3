import { pluginConformance } from "@mcp-gateway/runtime/testing";
import authApiKey from "../src/index.js";

pluginConformance(authApiKey, {
  options: { apiKeys: [{ id: "k", key: "secret", tenant: "t", client: "c" }] },
  invalidOptions: { apiKeys: [{ id: "k", key: "secret", keyHash: "sha256:00", tenant: "t", client: "c" }] },
  headers: { "x-api-key": "secret" },
  rejects: {
    message: { jsonrpc: "2.0", id: 42, method: "tools/list" },
    headers: { "x-api-key": "not-the-secret" },
    status: 401,
    code: "MCPGW_ERR_UNAUTHENTICATED",
  },
});
