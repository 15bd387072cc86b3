/**
 * MCP authorization end to end: the official SDK clients run their own OAuth flow against the
 * gateway (auth-oauth) and a real authorization server (oidc-provider), then list and call tools
 * through the gateway on real SDK servers. The test plays the user's browser: it follows the
 * authorization URL through login and consent and hands the code back to the client.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport, UnauthorizedError as ModernUnauthorizedError } from "@modelcontextprotocol/client";
import { freePort, startTestGateway, type TestGateway } from "@mcp-gateway/runtime/testing";
import type { OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";
import { decodeJwt } from "jose";
import { startOidcServer, type OidcServer } from "../../packages/plugin-auth-oauth/test/helpers/oidc-provider.ts";
import { startLegacyServer, type LegacyServer } from "../fixtures/legacy-server.ts";
import { MODERN_PROTOCOL_VERSION, startModernServer, type ModernServer } from "../fixtures/modern-server.ts";
import { firstText } from "../helpers/sdk-clients.ts";

const REDIRECT_URI = "http://127.0.0.1:1/oauth/callback";

/** An OAuth client as an MCP host keeps one: in memory, registered dynamically, the user's browser played by `authorize`. */
class InMemoryOAuthClient implements OAuthClientProvider {
  information: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = "";
  /** The authorization URLs the client sent the user to, in order. */
  readonly authorizationUrls: URL[] = [];

  get redirectUrl() {
    return REDIRECT_URI;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "mcp-gateway e2e",
      redirect_uris: [REDIRECT_URI],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
      application_type: "native",
    } as OAuthClientMetadata;
  }
  clientInformation() {
    return this.information;
  }
  saveClientInformation(information: OAuthClientInformationMixed) {
    this.information = information;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrls.push(url);
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

/** The exchanges a client had with anyone (gateway, authorization server), for what it sent and got. */
function recordingFetch(log: { url: string; method: string; status: number; body?: string; wwwAuthenticate?: string | null }[]) {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const response = await fetch(input, init);
    log.push({
      url: String(input instanceof Request ? input.url : input),
      method: init?.method ?? "GET",
      status: response.status,
      ...(typeof init?.body === "string" ? { body: init.body } : init?.body instanceof URLSearchParams ? { body: init.body.toString() } : {}),
      wwwAuthenticate: response.headers.get("www-authenticate"),
    });
    return response;
  };
}

describe("MCP authorization with the SDK 1.x client's own OAuth flow", () => {
  let oidc: OidcServer;
  let upstream: LegacyServer;
  let gateway: TestGateway;
  let resource: string;

  before(async () => {
    oidc = await startOidcServer({ extraClaims: { org_id: "acme" } });
    upstream = await startLegacyServer();
    // The resource is the gateway's own URL (the SDK checks it against the URL it connects to),
    // so the port is chosen first.
    const port = await freePort();
    resource = `http://127.0.0.1:${port}/mcp`;
    gateway = await startTestGateway({
      config: {
        server: { port },
        upstreams: [{ name: "legacy", url: upstream.url }],
        plugins: [
          ["auth-oauth", { issuer: oidc.issuer, resource, scopesSupported: ["mcp:tools", "mcp:admin"], requiredScopes: ["mcp:tools"], subject: { tenant: "org_id" } }],
          [
            "policy",
            {
              default: "deny",
              rules: [{ subject: { tenant: "acme", scope: "mcp:tools" }, allow: { methods: ["initialize", "notifications/*", "ping", "tools/*"], tools: ["*"] } }],
              requireScopes: [{ scope: "mcp:admin", tools: ["add"] }],
            },
          ],
        ],
      },
    });
  });
  after(async () => {
    await gateway?.close();
    await upstream?.close();
    await oidc?.close();
  });

  it("gets 401, discovers, registers, authorizes with PKCE and resource, and then lists and calls tools", async () => {
    const oauth = new InMemoryOAuthClient();
    const exchanges: Parameters<typeof recordingFetch>[0] = [];
    const fetchFn = recordingFetch(exchanges);
    const first = new Client({ name: "oauth-e2e", version: "1.0.0" });
    await assert.rejects(first.connect(new StreamableHTTPClientTransport(new URL(gateway.url), { authProvider: oauth, fetch: fetchFn })), UnauthorizedError);

    // What the gateway told the client, and what the client did with it.
    const challenge = exchanges.find((exchange) => exchange.url === gateway.url && exchange.status === 401);
    assert.equal(challenge?.wwwAuthenticate, `Bearer resource_metadata="http://127.0.0.1:${new URL(resource).port}/.well-known/oauth-protected-resource/mcp", scope="mcp:tools"`);
    assert.ok(exchanges.some((exchange) => exchange.url.endsWith("/.well-known/oauth-protected-resource/mcp") && exchange.status === 200), "read the metadata");
    assert.ok(exchanges.some((exchange) => exchange.url === `${oidc.issuer}/reg` && exchange.status === 201), "registered dynamically");
    assert.ok(oauth.information?.client_id);
    const authorizationUrl = oauth.authorizationUrls[0]!;
    assert.equal(authorizationUrl.searchParams.get("resource"), resource);
    assert.equal(authorizationUrl.searchParams.get("code_challenge_method"), "S256");
    assert.equal(authorizationUrl.searchParams.get("scope"), "mcp:tools", "the scope of the challenge");

    // The user logs in and consents; the authorization server redirects back with a code.
    const callback = await oidc.authorize(authorizationUrl, REDIRECT_URI);
    const transport = new StreamableHTTPClientTransport(new URL(gateway.url), { authProvider: oauth, fetch: fetchFn });
    await transport.finishAuth(callback.searchParams.get("code")!);
    const tokenRequest = exchanges.find((exchange) => exchange.url === `${oidc.issuer}/token`);
    assert.match(tokenRequest?.body ?? "", /code_verifier=/);
    assert.equal(new URLSearchParams(tokenRequest?.body).get("resource"), resource);
    const token = oauth.saved!.access_token;
    const claims = decodeJwt(token);
    assert.equal(claims.aud, resource);
    assert.equal(claims.scope, "mcp:tools");

    const client = new Client({ name: "oauth-e2e", version: "1.0.0" });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      // add needs mcp:admin (requireScopes), which this token does not carry: policy hides it.
      assert.deepEqual(tools.map((tool) => tool.name).sort(), ["ask", "echo", "slow", "summarize"]);
      assert.equal(firstText(await client.callTool({ name: "echo", arguments: { message: "authorized" } })), "authorized");
    } finally {
      await client.close();
    }

    // No token passthrough: the upstream saw neither the Authorization header nor the token.
    assert.ok(upstream.requests.length > 0);
    for (const request of upstream.requests) {
      assert.equal(request.headers.authorization, undefined);
      assert.ok(!JSON.stringify(request.headers).includes(token) && !request.body.includes(token));
    }
  });

  it("steps up when policy needs a scope the token lacks: 403 insufficient_scope, a new authorization, the call retried", async () => {
    // Registered up front for both scopes (dynamic registration would ask only for the challenge's
    // mcp:tools, and the authorization server then refuses mcp:admin to that client).
    const registration = await fetch(`${oidc.issuer}/reg`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...new InMemoryOAuthClient().clientMetadata, scope: "mcp:tools mcp:admin" }),
    });
    assert.equal(registration.status, 201);
    const oauth = new InMemoryOAuthClient();
    oauth.information = (await registration.json()) as OAuthClientInformationMixed;
    const exchanges: Parameters<typeof recordingFetch>[0] = [];
    const fetchFn = recordingFetch(exchanges);
    await assert.rejects(new Client({ name: "e2e", version: "1" }).connect(new StreamableHTTPClientTransport(new URL(gateway.url), { authProvider: oauth, fetch: fetchFn })), UnauthorizedError);
    const transport = new StreamableHTTPClientTransport(new URL(gateway.url), { authProvider: oauth, fetch: fetchFn });
    await transport.finishAuth((await oidc.authorize(oauth.authorizationUrls[0]!, REDIRECT_URI)).searchParams.get("code")!);
    const client = new Client({ name: "e2e", version: "1" });
    await client.connect(transport);
    try {
      // tools/list follows policy: add needs mcp:admin, which this token does not carry.
      assert.ok(!(await client.listTools()).tools.some((tool) => tool.name === "add"));
      await assert.rejects(client.callTool({ name: "add", arguments: { a: 1, b: 2 } }), UnauthorizedError);
      const refused = exchanges.find((exchange) => exchange.status === 403);
      assert.equal(refused?.wwwAuthenticate, `Bearer error="insufficient_scope", scope="mcp:tools mcp:admin", resource_metadata="http://127.0.0.1:${new URL(resource).port}/.well-known/oauth-protected-resource/mcp"`);
      const stepUp = oauth.authorizationUrls[1]!;
      assert.equal(stepUp.searchParams.get("scope"), "mcp:tools mcp:admin");

      const stepUpCallback = await oidc.authorize(stepUp, REDIRECT_URI);
      assert.ok(stepUpCallback.searchParams.get("code"), stepUpCallback.href);
      await transport.finishAuth(stepUpCallback.searchParams.get("code")!);
      assert.equal(decodeJwt(oauth.saved!.access_token).scope, "mcp:tools mcp:admin");
      assert.equal(firstText(await client.callTool({ name: "add", arguments: { a: 1, b: 2 } })), "3");
    } finally {
      await client.close();
    }
  });
});

describe("MCP authorization with the SDK 2.x client (2026-07-28)", () => {
  let oidc: OidcServer;
  let upstream: ModernServer;
  let gateway: TestGateway;
  let resource: string;

  before(async () => {
    oidc = await startOidcServer();
    upstream = await startModernServer();
    const port = await freePort();
    resource = `http://127.0.0.1:${port}/mcp`;
    gateway = await startTestGateway({
      config: {
        server: { port },
        upstreams: [{ name: "modern", url: upstream.url }],
        plugins: [["auth-oauth", { issuer: oidc.issuer, resource, scopesSupported: ["mcp:tools"], requiredScopes: ["mcp:tools"] }]],
      },
    });
  });
  after(async () => {
    await gateway?.close();
    await upstream?.close();
    await oidc?.close();
  });

  const modernClient = () => new ModernClient({ name: "oauth-e2e-modern", version: "1.0.0" }, { versionNegotiation: { mode: { pin: MODERN_PROTOCOL_VERSION } } });

  it("runs its own OAuth flow (authProvider) and calls tools through the gateway", async () => {
    const oauth = new InMemoryOAuthClient();
    await assert.rejects(modernClient().connect(new ModernTransport(new URL(gateway.url), { authProvider: oauth as never })), ModernUnauthorizedError);
    const authorizationUrl = oauth.authorizationUrls[0]!;
    assert.equal(authorizationUrl.searchParams.get("resource"), resource);
    const callback = await oidc.authorize(authorizationUrl, REDIRECT_URI);
    const transport = new ModernTransport(new URL(gateway.url), { authProvider: oauth as never });
    await transport.finishAuth(callback.searchParams);
    const client = modernClient();
    await client.connect(transport);
    try {
      assert.equal(client.getProtocolEra(), "modern");
      const { tools } = await client.listTools();
      assert.ok(tools.some((tool) => tool.name === "echo"));
      const result = await client.callTool({ name: "echo", arguments: { text: "modern and authorized" } });
      assert.match(JSON.stringify(result.content), /modern and authorized/);
    } finally {
      await client.close();
    }
    const token = oauth.saved!.access_token;
    for (const request of upstream.requests) {
      assert.equal(request.headers.authorization, undefined);
      assert.ok(!JSON.stringify(request).includes(token));
    }
  });

  it("connects with a token obtained from the authorization server (a minimal token provider)", async () => {
    const token = await oidc.clientCredentialsToken(resource, "mcp:tools");
    const client = modernClient();
    await client.connect(new ModernTransport(new URL(gateway.url), { authProvider: { token: async () => token } }));
    try {
      const result = await client.callTool({ name: "echo", arguments: { text: "service token" } });
      assert.match(JSON.stringify(result.content), /service token/);
    } finally {
      await client.close();
    }
  });

  it("is refused with a token for another resource", async () => {
    const token = await oidc.clientCredentialsToken("http://127.0.0.1:1/other-mcp", "mcp:tools");
    await assert.rejects(modernClient().connect(new ModernTransport(new URL(gateway.url), { authProvider: { token: async () => token } })), /401|Unauthorized/);
  });
});
