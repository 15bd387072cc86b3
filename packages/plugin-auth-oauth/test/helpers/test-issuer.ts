/**
 * A small authorization server under the test's control, for the cases a real one will not
 * produce on demand: it signs whatever claims a test asks for with jose, serves its metadata and
 * JWKS on 127.0.0.1 (counting every fetch), rotates keys, introspects registered opaque tokens,
 * goes down, or hangs. Hostile tokens are forged with jose in the tests themselves.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from "jose";

export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function signingKey(alg = "ES256", kid = `${alg.toLowerCase()}-${Math.random().toString(36).slice(2, 10)}`): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

export interface TestIssuerOptions {
  /** Which discovery document it serves: RFC 8414 (default), OpenID Connect only, or none. */
  discovery?: "rfc8414" | "oidc" | "none";
  /** A path after the origin, e.g. `/realms/acme` (Keycloak-style issuers). */
  issuerPath?: string;
  alg?: string;
  /** Credentials the introspection endpoint requires. */
  introspectionClient?: { id: string; secret: string };
}

export interface TestIssuer {
  /** The issuer identifier. */
  readonly issuer: string;
  readonly jwksUri: string;
  readonly introspectionEndpoint: string;
  /** The key tokens are signed with by default (the first of `keys`). */
  readonly current: SigningKey;
  /** Keys the JWKS publishes, in order. */
  keys: SigningKey[];
  /** Requests by path, e.g. `fetches["/jwks"]`. */
  readonly fetches: Record<string, number>;
  /** Signs `claims` (iss, exp and iat filled in unless given; `undefined` removes one). */
  sign(claims: JWTPayload & Record<string, unknown>, options?: { key?: SigningKey; header?: Record<string, unknown> }): Promise<string>;
  /** Publishes a new key first (tokens are signed with it from now on); keeps the old ones unless `drop`. */
  rotate(options?: { drop?: boolean; alg?: string }): Promise<SigningKey>;
  /** Registers the introspection answer for an opaque token. */
  setIntrospection(token: string, answer: Record<string, unknown>): void;
  /** `down`: refuses connections; `hang`: accepts and never answers; `up`: serves. */
  setMode(mode: "up" | "down" | "hang"): Promise<void>;
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startTestIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const discovery = options.discovery ?? "rfc8414";
  const issuerPath = options.issuerPath ?? "";
  const keys: SigningKey[] = [await signingKey(options.alg ?? "ES256")];
  const fetches: Record<string, number> = {};
  const introspections = new Map<string, Record<string, unknown>>();
  const sockets = new Set<Socket>();
  let mode: "up" | "down" | "hang" = "up";
  let port = 0;
  const origin = () => `http://127.0.0.1:${port}`;
  const issuer = () => `${origin()}${issuerPath}`;

  const metadata = () => ({
    issuer: issuer(),
    jwks_uri: `${origin()}/jwks`,
    introspection_endpoint: `${origin()}/introspect`,
    token_endpoint: `${origin()}/token`,
    response_types_supported: ["code"],
  });

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0]!;
    fetches[path] = (fetches[path] ?? 0) + 1;
    if (mode === "hang") return; // never answers; the socket is destroyed at close
    const rfc8414 = `/.well-known/oauth-authorization-server${issuerPath}`;
    const oidc = [`/.well-known/openid-configuration${issuerPath}`, `${issuerPath}/.well-known/openid-configuration`];
    if (path === rfc8414 && discovery === "rfc8414") return json(res, 200, metadata());
    if (oidc.includes(path) && discovery === "oidc") return json(res, 200, metadata());
    if (path === "/jwks") return json(res, 200, { keys: keys.map((key) => key.publicJwk) });
    if (path === "/introspect" && req.method === "POST") {
      const expected = options.introspectionClient;
      if (expected && req.headers.authorization !== `Basic ${Buffer.from(`${expected.id}:${expected.secret}`).toString("base64")}`) return json(res, 401, { error: "invalid_client" });
      const token = new URLSearchParams(await readBody(req)).get("token") ?? "";
      return json(res, 200, introspections.get(token) ?? { active: false });
    }
    json(res, 404, { error: "not_found" });
  };

  let server: Server = createServer((req, res) => void handler(req, res));
  const listen = (srv: Server) =>
    new Promise<void>((resolve, reject) => {
      srv.once("error", reject);
      srv.listen(port, "127.0.0.1", () => {
        port = (srv.address() as AddressInfo).port;
        resolve();
      });
    });
  const track = (srv: Server) =>
    srv.on("connection", (socket: Socket) => {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
    });
  track(server);
  await listen(server);
  let listening = true;

  const stop = async () => {
    if (!listening) return;
    listening = false;
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  const self: TestIssuer = {
    get issuer() {
      return issuer();
    },
    get jwksUri() {
      return `${origin()}/jwks`;
    },
    get introspectionEndpoint() {
      return `${origin()}/introspect`;
    },
    get current() {
      return keys[0]!;
    },
    get keys() {
      return keys;
    },
    set keys(value) {
      keys.splice(0, keys.length, ...value);
    },
    fetches,
    async sign(claims, signOptions = {}) {
      const key = signOptions.key ?? keys[0]!;
      const now = Math.floor(Date.now() / 1000);
      const payload: Record<string, unknown> = { iss: issuer(), iat: now, exp: now + 300, ...claims };
      for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
      return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "at+jwt", ...signOptions.header }).sign(key.privateKey);
    },
    async rotate(rotateOptions = {}) {
      const key = await signingKey(rotateOptions.alg ?? keys[0]!.alg);
      if (rotateOptions.drop) keys.splice(0, keys.length, key);
      else keys.unshift(key);
      return key;
    },
    setIntrospection(token, answer) {
      introspections.set(token, answer);
    },
    async setMode(next) {
      if (next === "down") await stop();
      else if (!listening) {
        server = createServer((req, res) => void handler(req, res));
        track(server);
        await listen(server);
        listening = true;
      }
      mode = next;
    },
    close: stop,
  };
  return self;
}
