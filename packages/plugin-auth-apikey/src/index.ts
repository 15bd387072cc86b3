import { createRequire } from "node:module";
import { definePlugin, GatewayError, type Subject } from "@mcp-gateway/runtime/plugin";
import { challengesFor, invalidKeyChallenges } from "./challenges.js";
import { AmbiguousCredential, createCredentialReader, type Credential } from "./credentials.js";
import { createKeyStore, type StoredKey } from "./key-store.js";
import { digestOf, optionsSchema } from "./options.js";

const pkg = createRequire(import.meta.url)("../package.json") as { version: string };

export { optionsSchema, type AuthApiKeyOptions } from "./options.js";

function subjectOf(entry: StoredKey): Subject {
  const { id, tenant, client } = entry;
  return id === undefined ? { tenant, client } : { tenant, client, id, claims: { apiKeyId: id } };
}

/**
 * API key authentication (the sectioned format's `auth.mode: apiKey`). A request with a known key gets its
 * tenant and client as subject. With an unknown key, or no key of this plugin's kind, the plugin
 * leaves its challenge (and, for an unknown key, why) and passes: another auth plugin may still
 * identify the caller (a Bearer token may be an OAuth access token), else the runtime answers 401.
 */
export default definePlugin({
  name: "auth-apikey",
  version: pkg.version,
  api: "^1",
  options: optionsSchema,
  authenticates: true,
  setup(gateway, options) {
    const store = createKeyStore(options.apiKeys.map((entry) => ({ id: entry.id, tenant: entry.tenant, client: entry.client, digest: digestOf(entry) })));
    const reader = createCredentialReader(options.schemes, options.headers);
    const challenges = challengesFor(options.schemes, options.realm);

    gateway.hooks.onRequest.tapPromise({ stage: "AUTHN" }, async (ctx) => {
      if (ctx.subject) return;
      let credential: Credential | undefined;
      try {
        credential = reader.read(ctx.http.headers, ctx.http.rawHeaders);
      } catch (err) {
        if (!(err instanceof AmbiguousCredential)) throw err;
        throw GatewayError.from("MCPGW_ERR_AMBIGUOUS_CREDENTIALS", err.message, { headers: challenges.length ? { "www-authenticate": challenges } : {} });
      }
      if (!credential) {
        ctx.authChallenges.push(...challenges);
        return;
      }
      const entry = credential.key ? store.find(credential.key) : undefined;
      if (!entry) {
        // Not one of ours, but maybe another auth plugin's (an OAuth token also comes as Bearer):
        // say why, and leave it; the runtime answers 401 when no plugin accepts the request.
        ctx.log.debug({ plugin: gateway.name, source: credential.source }, "API key rejected");
        ctx.authChallenges.push(...invalidKeyChallenges(challenges, options.schemes, credential));
        ctx.authFailures.push("invalid API key");
        return;
      }
      ctx.subject = subjectOf(entry);
    });
  },
});
