// An in-house auth plugin in one file: callers present `X-Team-Token`, issued per team.
// It follows the auth contract so it can stand next to auth-apikey: no token → pass (and offer a
// challenge), a valid token → set the subject, an unknown token → 401.
import { createHash, timingSafeEqual } from "node:crypto";
import { definePlugin, GatewayError, STAGES, z } from "@mcp-gateway/runtime/plugin";

const sha256 = (value) => createHash("sha256").update(value).digest();

export default definePlugin({
  name: "team-token",
  version: "1.0.0",
  api: "^1",
  authenticates: true,
  options: z.strictObject({
    header: z.string().default("x-team-token").describe("Request header carrying the token"),
    tokens: z
      .array(z.strictObject({ token: z.string().min(16), tenant: z.string(), client: z.string() }))
      .min(1)
      .describe("Issued tokens and the subject each identifies"),
  }),
  setup(gateway, options) {
    const byDigest = new Map(options.tokens.map((entry) => [sha256(entry.token).toString("hex"), entry]));
    const header = options.header.toLowerCase();
    gateway.hooks.onRequest.tapPromise({ stage: STAGES.AUTHN }, async (ctx) => {
      if (ctx.subject) return;
      const presented = ctx.http.headers[header];
      if (typeof presented !== "string") {
        ctx.authChallenges.push('Team-Token realm="mcp-gateway"');
        return;
      }
      const digest = sha256(presented);
      const entry = byDigest.get(digest.toString("hex"));
      if (!entry || !timingSafeEqual(digest, sha256(entry.token))) {
        throw GatewayError.from("MCPGW_ERR_UNAUTHENTICATED", "Unauthorized: unknown team token", {
          headers: { "www-authenticate": 'Team-Token realm="mcp-gateway", error="invalid_token"' },
        });
      }
      ctx.subject = { tenant: entry.tenant, client: entry.client, id: `team-token:${entry.client}` };
    });
  },
});
