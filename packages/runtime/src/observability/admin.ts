import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { StartupError } from "../errors.js";

export interface AdminConfig {
  host: string;
  port: number;
  token?: string | undefined;
}

/** One path of the admin listener. */
export interface AdminRoute {
  method: "GET" | "POST";
  path: string;
  handle(req: IncomingMessage, res: ServerResponse): void | Promise<void>;
}

export interface AdminServer {
  route(route: AdminRoute): void;
  /** Opens the port; returns the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** An admin request is answered at once or not at all: a slow client gets nothing after these. */
const TIMEOUT_MS = 10_000;

const sha256 = (text: string) => createHash("sha256").update(text).digest();

/**
 * The operators' listener: its own port (loopback by default), never the public one, so
 * `/metrics` and the like are not reachable where MCP clients are. With a token every path needs
 * `Authorization: Bearer <token>` (or Basic with the token as password, so a browser can log in
 * to the status page), compared in constant time.
 */
export function createAdminServer(config: AdminConfig, log: Logger): AdminServer {
  const routes = new Map<string, AdminRoute>();
  const expected = config.token === undefined ? undefined : sha256(config.token);

  /** Bearer for scripts; Basic with the token as password for a browser's login prompt. */
  function authorized(req: IncomingMessage): boolean {
    if (!expected) return true;
    const header = req.headers.authorization ?? "";
    const bearer = /^Bearer ([^\s]+)$/i.exec(header);
    if (bearer) return timingSafeEqual(sha256(bearer[1]!), expected);
    const basic = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header);
    if (!basic) return false;
    const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    return colon >= 0 && timingSafeEqual(sha256(decoded.slice(colon + 1)), expected);
  }

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(text), "cache-control": "no-store" });
    res.end(text);
  }

  const server: Server = createServer({ requestTimeout: TIMEOUT_MS, headersTimeout: TIMEOUT_MS }, (req, res) => {
    req.resume(); // no admin path reads a body
    if (!authorized(req)) return send(res, 401, { error: "unauthorized: send Authorization: Bearer <admin.token>" }, {
        "www-authenticate": ['Bearer realm="mcp-gateway admin"', 'Basic realm="mcp-gateway admin", charset="UTF-8"'],
      });
    const path = (req.url ?? "/").split("?")[0]!;
    const route = routes.get(path);
    if (!route) return send(res, 404, { error: `no admin path ${path}`, paths: [...routes.keys()] });
    if (req.method !== route.method && !(route.method === "GET" && req.method === "HEAD")) return send(res, 405, { error: `${path} takes ${route.method}` }, { allow: route.method });
    Promise.resolve()
      .then(() => route.handle(req, res))
      .catch((err: unknown) => {
        log.error({ err, path }, "admin request failed");
        if (!res.headersSent) send(res, 500, { error: (err as Error).message });
        else res.destroy();
      });
  });
  server.keepAliveTimeout = 5_000;

  return {
    route(route) {
      routes.set(route.path, route);
    },
    async listen() {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(config.port, config.host, () => {
          server.off("error", reject);
          resolve();
        });
      }).catch((err: NodeJS.ErrnoException) => {
        throw new StartupError("MCPGW_ERR_STARTUP", `cannot listen on ${config.host}:${config.port} for the admin listener: ${err.code ?? err.message} (admin.host, admin.port)`, { cause: err });
      });
      const address = server.address() as AddressInfo;
      const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
      return `http://${host}:${address.port}`;
    },
    close() {
      return new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
