import { after } from "node:test";
import { pluginConformance } from "@mcp-gateway/runtime/testing";
import authOAuth from "../src/index.js";
import { startTestIssuer } from "./helpers/test-issuer.ts";

// The conformance checks are registered at load, with a token the issuer signs up front.
const issuer = await startTestIssuer();
after(() => issuer.close());
const RESOURCE = "https://gw.test/mcp";
const token = await issuer.sign({ aud: RESOURCE, sub: "user-1", client_id: "cli", exp: Math.floor(Date.now() / 1000) + 3600 });

pluginConformance(authOAuth, {
  options: { issuer: issuer.issuer, resource: RESOURCE },
  invalidOptions: { issuer: issuer.issuer, resource: RESOURCE, algorithms: ["HS256"] },
  headers: { authorization: `Bearer ${token}` },
  rejects: {
    message: { jsonrpc: "2.0", id: 42, method: "tools/list" },
    headers: { authorization: `Bearer ${await issuer.sign({ aud: "https://other.test/mcp", sub: "user-1", client_id: "cli" })}` },
    status: 401,
    code: "MCPGW_ERR_UNAUTHENTICATED",
  },
});
