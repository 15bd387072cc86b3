import { z } from "@mcp-gateway/runtime/plugin";

const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

const clientSchema = z.strictObject({
  clientId: z.string().regex(TOKEN, "expected letters, digits or -._~ (it travels in the X-Client-Id header)").describe("Sent by the caller in X-Client-Id"),
  secret: z
    .string()
    .min(32, "at least 32 characters: the HMAC key is as strong as this secret")
    .describe("Shared HMAC-SHA256 key; write it as ${ENV} so it stays out of the config file"),
  tenant: z.string().min(1).describe("Tenant of the caller; policy, rate limiting and audit use it"),
  client: z.string().min(1).optional().describe("Client name of the caller (defaults to clientId)"),
});

export const optionsSchema = z
  .strictObject({
    clients: z
      .array(clientSchema)
      .min(1, "at least one client is required")
      .superRefine((clients, ctx) => {
        const seen = new Map<string, number>();
        clients.forEach(({ clientId }, index) => {
          const first = seen.get(clientId);
          if (first === undefined) seen.set(clientId, index);
          else ctx.addIssue({ code: "custom", path: [index, "clientId"], message: `duplicate clientId "${clientId}" (first used by clients[${first}])` });
        });
      })
      .describe("The callers allowed to sign requests"),
    maxSkewSeconds: z
      .number()
      .int()
      .positive()
      .max(3600)
      .default(300)
      .describe("How far X-Timestamp may be from the gateway's clock, either way; also how long a signature is remembered against replay"),
    replayCacheSize: z
      .number()
      .int()
      .positive()
      .default(100_000)
      .describe("Most signatures remembered against replay; past it the oldest are forgotten first"),
    realm: z.string().min(1).default("mcp-gateway").describe('realm in the WWW-Authenticate challenge: Signature realm="mcp-gateway"'),
  })
  .describe("HMAC-SHA256 signed requests: X-Client-Id, X-Timestamp, X-Signature");

export type SignedRequestsOptions = z.output<typeof optionsSchema>;
export type SignedRequestsClient = SignedRequestsOptions["clients"][number];
