/**
 * The authorization server gateway-oauth trusts: an ES256 key, its RFC 8414 metadata and JWKS on
 * 127.0.0.1, and the access token the bench client sends. It runs in the runner process: the
 * gateway reads the metadata and keys once, at startup, so it costs the measured processes nothing.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT } from "jose";

/** The gateway-oauth resource: its tokens' audience (nothing resolves it; the bench client names the URL). */
export const BENCH_RESOURCE = "https://gateway-oauth.bench.invalid/mcp";

export interface BenchIssuer {
  issuer: string;
  /** An ES256 access token for BENCH_RESOURCE: tenant bench (org_id), client loadgen, scope mcp:tools, valid a day. */
  token: string;
  close(): Promise<void>;
}

export async function startBenchIssuer(): Promise<BenchIssuer> {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  const kid = "bench-es256";
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" }] });
  let issuer = "";
  const server: Server = createServer((req, res) => {
    const body = req.url === "/.well-known/oauth-authorization-server" ? JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }) : req.url === "/jwks" ? jwks : undefined;
    res.writeHead(body ? 200 : 404, { "content-type": "application/json" });
    res.end(body ?? "{}");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const token = await new SignJWT({ org_id: "bench", client_id: "loadgen", scope: "mcp:tools" })
    .setProtectedHeader({ alg: "ES256", kid, typ: "at+jwt" })
    .setIssuer(issuer)
    .setAudience(BENCH_RESOURCE)
    .setSubject("bench-user")
    .setIssuedAt()
    .setExpirationTime("24h")
    .sign(privateKey);
  return {
    issuer,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
