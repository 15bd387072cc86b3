import { pluginConformance } from "@mcp-gateway/runtime/testing";
import signedRequests, { signRequest } from "../src/index.js";

const SECRET = "conformance-secret-0123456789abcdef";
// The suite posts this exact body to /mcp, once per gateway it starts (each has its own replay cache).
const BODY = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} });

pluginConformance(signedRequests, {
  options: { clients: [{ clientId: "ci", secret: SECRET, tenant: "acme" }] },
  invalidOptions: { clients: [{ clientId: "ci", secret: "too-short", tenant: "acme" }] },
  headers: signRequest({ clientId: "ci", secret: SECRET, method: "POST", path: "/mcp", body: BODY }),
  rejects: {
    message: { jsonrpc: "2.0", id: 42, method: "tools/list" },
    headers: signRequest({ clientId: "ci", secret: "not-the-secret-0123456789abcdef", method: "POST", path: "/mcp", body: "{}" }),
    status: 401,
    code: "MCPGW_ERR_UNAUTHENTICATED",
  },
});
