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
 * tenant and client as subject; with an unknown key, 401; with no key of this plugin's kind, the
 * plugin passes and leaves its challenge, so another auth plugin may still identify the caller.
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
        ctx.log.debug({ plugin: gateway.name, source: credential.source }, "API key rejected");
        const headers: Record<string, string[]> = challenges.length ? { "www-authenticate": invalidKeyChallenges(challenges, options.schemes, credential) } : {};
        throw GatewayError.from("MCPGW_ERR_UNAUTHENTICATED", "Unauthorized: invalid API key", { headers });
      }
      ctx.subject = subjectOf(entry);
    });
  },
});
