/**
 * An auth plugin for tests: the caller is named by request headers, so a test of a policy, a
 * limiter or an audit plugin can speak as any tenant and client without real credentials.
 */
import type { Subject } from "../context.js";
import { GatewayError } from "../errors.js";
import { definePlugin, type GatewayPlugin } from "../plugin.js";

/** Where a credential is read: a header whose whole value is the credential, or `<scheme> <credential>` in one. */
export type CredentialSource = string | { header: string; scheme: string };

export interface HeaderAuthOptions {
  /** The plugin's name (default `test-header-auth`); give each its own to stand several side by side. */
  name?: string;
  /**
   * Accepted credentials and the subject each identifies. Without them the plugin trusts the
   * caller: the subject is `{ tenant, client }` from the `x-tenant` and `x-client` headers
   * (see `callerHeaders`), and a request without both is left unidentified.
   */
  credentials?: Readonly<Record<string, Subject>>;
  /** Where credentials are read, first one present wins (default `["x-test-credential"]`). */
  from?: readonly CredentialSource[];
  /** The `WWW-Authenticate` challenge offered when no source holds a credential. */
  challenge?: string;
  /** A credential that is not in `credentials`: 401 `MCPGW_ERR_UNAUTHENTICATED` (`"reject"`, the default) or left to other auth plugins (`"pass"`). */
  unknown?: "reject" | "pass";
  /** Message of that 401 (default: the error code's). */
  message?: string;
}

/** The headers that make `headerAuthPlugin()` (trusting mode) identify the caller as `tenant`/`client`. */
export const callerHeaders = (tenant: string, client: string): Record<string, string> => ({ "x-tenant": tenant, "x-client": client });

function readCredential(headers: Readonly<Record<string, string | string[] | undefined>>, from: readonly CredentialSource[]): string | undefined {
  for (const source of from) {
    const name = typeof source === "string" ? source : source.header;
    const value = headers[name.toLowerCase()];
    if (typeof value !== "string") continue;
    if (typeof source === "string") return value;
    const prefix = `${source.scheme} `;
    if (value.slice(0, prefix.length).toLowerCase() === prefix.toLowerCase()) return value.slice(prefix.length);
  }
  return undefined;
}

/**
 * A test auth plugin (`authenticates: true`, an `onRequest` tap at `AUTHN`) that follows the
 * auth plugin contract: a caller another plugin identified is left alone, a request without a
 * credential gets the challenge, a known credential sets the subject, an unknown one is a 401.
 *
 * ```ts
 * headerAuthPlugin(); // trusts x-tenant / x-client: gw.post(msg, callerHeaders("acme", "bot"))
 * headerAuthPlugin({ from: [{ header: "authorization", scheme: "Token" }], credentials: { good: { tenant: "acme", client: "ci" } } });
 * ```
 */
export function headerAuthPlugin(options: HeaderAuthOptions = {}): GatewayPlugin {
  const { name = "test-header-auth", credentials, from = ["x-test-credential"], challenge, unknown = "reject", message } = options;
  return definePlugin({
    name,
    version: "1.0.0",
    api: "^1",
    authenticates: true,
    setup(gateway) {
      gateway.hooks.onRequest.tapPromise({ stage: "AUTHN" }, async (ctx) => {
        if (ctx.subject) return;
        const headers = ctx.http.headers;
        if (!credentials) {
          const tenant = headers["x-tenant"];
          const client = headers["x-client"];
          if (typeof tenant === "string" && typeof client === "string") ctx.subject = { tenant, client };
          else if (challenge) ctx.authChallenges.push(challenge);
          return;
        }
        const credential = readCredential(headers, from);
        if (credential === undefined) {
          if (challenge) ctx.authChallenges.push(challenge);
          return;
        }
        const subject = Object.hasOwn(credentials, credential) ? credentials[credential] : undefined;
        if (subject) ctx.subject = { ...subject };
        else if (unknown === "reject") throw GatewayError.from("MCPGW_ERR_UNAUTHENTICATED", message);
      });
    },
  });
}
