import { z } from "@mcp-gateway/runtime/plugin";
import { sha256Hex } from "./key-store.js";

const KEY_HASH = /^sha256:[0-9a-f]{64}$/i;

const apiKeySchema = z
  .strictObject({
    id: z.string().min(1).optional().describe("Name of the key, logged and audited as apiKeyId (never the secret)"),
    key: z.string().min(1).optional().describe("The key in plain text; convenient for local development (${ENV} placeholders resolve at startup)"),
    keyHash: z
      .string()
      .regex(KEY_HASH, 'expected "sha256:" followed by 64 hex digits (see `mcp-gateway hash-key`)')
      .optional()
      .describe("sha256 of the key as sha256:<hex>; prefer it to key in production"),
    tenant: z.string().min(1).describe("Tenant of the caller holding this key"),
    client: z.string().min(1).describe("Client name of the caller holding this key"),
  })
  .superRefine((entry, ctx) => {
    if (entry.key !== undefined && entry.keyHash !== undefined) {
      ctx.addIssue({ code: "custom", message: "give either key or keyHash, not both" });
    } else if (entry.key === undefined && entry.keyHash === undefined) {
      ctx.addIssue({ code: "custom", message: "needs key or keyHash" });
    }
  });

/** The digest a key entry is looked up by: the hash of `key`, or `keyHash` itself. */
export function digestOf(entry: { key?: string | undefined; keyHash?: string | undefined }): string {
  return entry.key !== undefined ? sha256Hex(entry.key) : entry.keyHash!.slice("sha256:".length).toLowerCase();
}

export const optionsSchema = z
  .strictObject({
    apiKeys: z
      .array(apiKeySchema)
      .min(1, "at least one API key is required")
      .superRefine((entries, ctx) => {
        const ids = new Map<string, number>();
        const digests = new Map<string, number>();
        entries.forEach((entry, index) => {
          if (entry.id !== undefined) {
            const first = ids.get(entry.id);
            if (first === undefined) ids.set(entry.id, index);
            else ctx.addIssue({ code: "custom", path: [index, "id"], message: `duplicate id "${entry.id}" (first used by apiKeys[${first}])` });
          }
          // Entries that failed their own checks have no digest to compare.
          if ((entry.key === undefined) === (entry.keyHash === undefined)) return;
          if (entry.keyHash !== undefined && !KEY_HASH.test(entry.keyHash)) return;
          const digest = digestOf(entry);
          const first = digests.get(digest);
          if (first === undefined) digests.set(digest, index);
          else ctx.addIssue({ code: "custom", path: [index], message: `same key as apiKeys[${first}]: a key must identify one caller` });
        });
      })
      .describe("The accepted keys, each with the tenant and client it identifies"),
    schemes: z
      .array(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, "expected an HTTP auth scheme name such as Bearer"))
      .default(["Bearer", "Api-Key"])
      .describe(
        "Authorization schemes whose credential is an API key (case-insensitive). Drop Bearer when another auth plugin (e.g. JWT) owns it",
      ),
    headers: z
      .array(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, "expected an HTTP header name"))
      .default(["x-api-key", "api-key"])
      .describe("Headers that carry the bare key (case-insensitive), read after Authorization"),
    realm: z.string().min(1).default("mcp-gateway").describe('realm in the WWW-Authenticate challenge, e.g. Bearer realm="mcp-gateway"'),
  })
  .describe("API key authentication: identifies the caller's tenant and client from a key");

export type AuthApiKeyOptions = z.output<typeof optionsSchema>;
export type ApiKeyEntry = AuthApiKeyOptions["apiKeys"][number];
