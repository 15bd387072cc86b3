import { createRequire } from "node:module";
import { definePlugin, GatewayError, type Subject } from "@mcp-gateway/runtime/plugin";
import { optionsSchema, type SignedRequestsClient } from "./options.js";
import { createVerifier, type RefusalReason } from "./verifier.js";

const pkg = createRequire(import.meta.url)("../package.json") as { version: string };

export { optionsSchema, type SignedRequestsClient, type SignedRequestsOptions } from "./options.js";
export { canonicalString, HEADERS, signatureOf, signRequest, type SignInput, type SignedParts } from "./signature.js";
export { createVerifier, type RefusalReason, type Verdict } from "./verifier.js";

const MESSAGES: Record<RefusalReason, string> = {
  malformed: "Unauthorized: X-Client-Id, X-Timestamp and X-Signature: v1=<hex> are all required",
  "unknown-client": "Unauthorized: invalid signature",
  "bad-signature": "Unauthorized: invalid signature",
  stale: "Unauthorized: X-Timestamp is outside the allowed clock skew",
  replayed: "Unauthorized: signature already used",
};

function subjectOf({ clientId, tenant, client }: SignedRequestsClient): Subject {
  return { tenant, client: client ?? clientId, id: clientId, claims: { clientId } };
}

/**
 * Authenticates callers by HMAC-SHA256 signed requests. A request without the signature headers
 * is not this plugin's: it leaves its challenge and passes, so an API key may still identify the
 * caller. A signed request is either accepted (subject set) or refused with 401.
 */
export default definePlugin({
  name: "signed-requests",
  version: pkg.version,
  api: "^1",
  options: optionsSchema,
  authenticates: true,
  setup(gateway, options) {
    const verifier = createVerifier(options);
    const challenge = `Signature realm="${options.realm.replace(/["\\]/g, "\\$&")}"`;

    gateway.hooks.onRequest.tapPromise({ stage: "AUTHN" }, async (ctx) => {
      if (ctx.subject) return;
      const verdict = verifier.verify({ headers: ctx.http.headers, method: ctx.http.method, path: ctx.http.path, body: ctx.body });
      if (verdict.kind === "absent") {
        ctx.authChallenges.push(challenge);
        return;
      }
      if (verdict.kind === "refused") {
        // Unknown client and bad signature read the same to the caller; the log tells them apart.
        ctx.log.debug({ plugin: gateway.name, reason: verdict.reason, clientId: verdict.clientId }, "signed request refused");
        const reason = verdict.reason === "unknown-client" ? "bad-signature" : verdict.reason;
        throw GatewayError.from("MCPGW_ERR_UNAUTHENTICATED", MESSAGES[verdict.reason], {
          headers: { "www-authenticate": `${challenge}, error="invalid_signature"` },
          data: { reason },
        });
      }
      ctx.subject = subjectOf(verdict.client);
    });
  },
});
