/**
 * A real authorization server for the tests: `oidc-provider` on 127.0.0.1, with resource
 * indicators (RFC 8707) issuing JWT access tokens (ES256) whose `aud` is the resource asked for,
 * dynamic client registration, client credentials, introspection, and login and consent answered
 * by the test itself (user `user-1` consents to whatever is asked). `rotateKeys` restarts it on the
 * same port with a new signing key, as an authorization server rotating its keys does.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import Provider, { type Configuration } from "oidc-provider";

/** Scopes the test resource servers know. */
export const SCOPES = ["mcp:tools", "mcp:admin"] as const;

/** A confidential client registered up front, for client_credentials tokens and introspection. */
export const SERVICE_CLIENT = Object.freeze({ id: "e2e-service", secret: "e2e-service-secret-0123456789abcdef" });

export interface OidcServerOptions {
  /** `jwt` (default) or `opaque` access tokens. */
  accessTokenFormat?: "jwt" | "opaque";
  /** Claims added to every access token (e.g. `org_id` for tenant mapping). */
  extraClaims?: Record<string, unknown>;
  port?: number;
}

export interface OidcServer {
  readonly issuer: string;
  readonly port: number;
  /** Requests by path (`/jwks`, `/.well-known/openid-configuration`, …). */
  readonly fetches: Record<string, number>;
  /** The `kid` of the key access tokens are signed with now. */
  readonly signingKid: string;
  /** A client_credentials access token for `resource` with `scope`. */
  clientCredentialsToken(resource: string, scope?: string): Promise<string>;
  /**
   * Plays the user agent: follows an authorization URL through login and consent (cookies
   * kept) until the authorization server redirects to `redirectUri`; returns that URL (with
   * `code`, `state`, `iss`).
   */
  authorize(authorizationUrl: URL | string, redirectUri: string): Promise<URL>;
  /** Restarts on the same port with a new signing key (the old one dropped unless `keepOld`). */
  rotateKeys(options?: { keepOld?: boolean }): Promise<void>;
  close(): Promise<void>;
}

async function signingJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: `es256-${Math.random().toString(36).slice(2, 10)}`, alg: "ES256", use: "sig" };
}

function configuration(keys: JWK[], options: OidcServerOptions): Configuration {
  const format = options.accessTokenFormat ?? "jwt";
  return {
    clients: [
      {
        client_id: SERVICE_CLIENT.id,
        client_secret: SERVICE_CLIENT.secret,
        grant_types: ["client_credentials"],
        response_types: [],
        redirect_uris: [],
        scope: SCOPES.join(" "),
      },
    ],
    scopes: ["openid", "offline_access", ...SCOPES],
    jwks: { keys },
    // Only an ES256 key is configured: ID tokens are signed with it too.
    clientDefaults: { id_token_signed_response_alg: "ES256" },
    cookies: { keys: ["e2e-cookie-signing-key"] },
    findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ sub: id }) }),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    extraTokenClaims: async () => options.extraClaims,
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      resourceIndicators: {
        enabled: true,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resourceIndicator) => ({
          scope: SCOPES.join(" "),
          audience: resourceIndicator,
          accessTokenTTL: 600,
          accessTokenFormat: format,
          ...(format === "jwt" ? { jwt: { sign: { alg: "ES256" as const } } } : {}),
        }),
      },
    },
  };
}

/** Login and consent, answered at once: user-1 logs in and grants every scope the client asked for. */
async function answerInteraction(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === "login") {
    await provider.interactionFinished(req, res, { login: { accountId: "user-1" } }, { mergeWithLastSubmission: false });
    return;
  }
  const grant = details.grantId
    ? (await provider.Grant.find(details.grantId))!
    : new provider.Grant({ accountId: details.session!.accountId, clientId: details.params.client_id as string });
  const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(" "));
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

export async function startOidcServer(options: OidcServerOptions = {}): Promise<OidcServer> {
  const fetches: Record<string, number> = {};
  const sockets = new Set<Socket>();
  let keys = [await signingJwk()];
  let port = options.port ?? 0;
  let provider: Provider;
  let server: Server;

  const start = async () => {
    server = createServer((req, res) => {
      const path = (req.url ?? "/").split("?")[0]!;
      fetches[path] = (fetches[path] ?? 0) + 1;
      if (path.startsWith("/interaction/")) {
        answerInteraction(provider, req, res).catch((err: Error) => {
          res.writeHead(500, { "content-type": "text/plain" });
          res.end(err.stack);
        });
        return;
      }
      // Koa's callback answers its own errors (its onerror); the promise only says it is done.
      void provider.callback()(req, res);
    });
    server.on("connection", (socket: Socket) => {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    port = (server.address() as AddressInfo).port;
    provider = new Provider(`http://127.0.0.1:${port}`, configuration(keys, options));
  };

  const stop = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    // Let pooled client connections (fetch keeps them alive) see the close before the next request.
    await new Promise((resolve) => setTimeout(resolve, 50));
  };

  await start();

  return {
    get issuer() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    fetches,
    get signingKid() {
      return keys[0]!.kid!;
    },
    async clientCredentialsToken(resource, scope = "mcp:tools") {
      const response = await fetch(`http://127.0.0.1:${port}/token`, {
        method: "POST",
        headers: {
          authorization: `Basic ${Buffer.from(`${SERVICE_CLIENT.id}:${SERVICE_CLIENT.secret}`).toString("base64")}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({ grant_type: "client_credentials", resource, scope }),
      });
      const body = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
      if (!body.access_token) throw new Error(`token request failed: ${response.status} ${body.error} ${body.error_description}`);
      return body.access_token;
    },
    async authorize(authorizationUrl, redirectUri) {
      const jar = new Map<string, string>();
      let url = new URL(authorizationUrl);
      for (let hop = 0; hop < 12; hop++) {
        const response = await fetch(url, { redirect: "manual", headers: jar.size ? { cookie: [...jar].map(([name, value]) => `${name}=${value}`).join("; ") } : {} });
        for (const cookie of response.headers.getSetCookie()) {
          const [pair] = cookie.split(";");
          const separator = pair!.indexOf("=");
          const name = pair!.slice(0, separator).trim();
          const value = pair!.slice(separator + 1).trim();
          if (value && !/expires=Thu, 01 Jan 1970/i.test(cookie)) jar.set(name, value);
          else jar.delete(name);
        }
        await response.arrayBuffer();
        const location = response.headers.get("location");
        if (!location) throw new Error(`authorization stopped at ${url} with ${response.status}`);
        const next = new URL(location, url);
        if (next.href.startsWith(redirectUri)) return next;
        url = next;
      }
      throw new Error("authorization did not reach the redirect URI");
    },
    async rotateKeys(rotateOptions = {}) {
      const fresh = await signingJwk();
      keys = rotateOptions.keepOld ? [fresh, ...keys] : [fresh];
      await stop();
      await start();
    },
    close: stop,
  };
}
