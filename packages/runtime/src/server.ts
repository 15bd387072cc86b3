import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import Fastify, { LogController } from "fastify";
import type { Logger } from "pino";
import type { GatewayConfig } from "./config/schema.js";
import { answerClientError, createEndpoint } from "./endpoint.js";
import { GatewayError, StartupError } from "./errors.js";
import type { Generation, HealthReport } from "./generation.js";

const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: "address already in use (another process listens on that port)",
  EACCES: "permission denied (ports below 1024 need privileges)",
  EADDRNOTAVAIL: "address not available on this machine",
};

/** `cannot listen on 127.0.0.1:8080: address already in use (…)`: one line an operator can act on. */
function listenFailure(err: unknown, host: string, port: number): string {
  const code = (err as NodeJS.ErrnoException).code ?? "";
  return `cannot listen on ${host.includes(":") ? `[${host}]` : host}:${port}: ${LISTEN_ERRORS[code] ?? (err as Error).message} (server.host, server.port)`;
}

/** Makes the connection of an in-flight response close once the response is done. */
function closeAfterResponse(res: ServerResponse): void {
  if (!res.headersSent) res.setHeader("connection", "close");
  else res.once("finish", () => res.socket?.end());
}

export interface PublicServer {
  readonly server: Server;
  /** Opens the port; returns the base URL. */
  listen(): Promise<string>;
  health(): Promise<HealthReport>;
  /**
   * Graceful: stop accepting, end the endless event streams, drain in-flight requests up to
   * `shutdownTimeoutMs`, end what is left with an error the client reads, close the connections.
   */
  drain(): Promise<void>;
  readonly closing: boolean;
}

/**
 * The public listener: the MCP endpoint on the bare node server (every proxied call passes
 * there), then the routes plugins declared, then Fastify for `/health` and the 404s. Each request
 * is answered by the generation `current()` returns when it arrives. Listener settings (address,
 * timeouts) are read once, at start.
 */
export function createPublicServer(config: GatewayConfig, log: Logger, current: () => Generation, all: () => Iterable<Generation> = () => [current()]): PublicServer {
  let closing = false;
  const endpoint = createEndpoint({
    path: config.server.path,
    bodyLimit: config.server.bodyLimit,
    lingering: { bytes: config.server.lingeringCloseBytes, ms: config.server.lingeringCloseMs },
    serve: (id, req, res, body) => {
      const generation = current();
      if (!closing) return generation.handle(id, req, res, body);
      generation.reject(id, req, res, GatewayError.from("MCPGW_ERR_SHUTTING_DOWN"));
      return Promise.resolve();
    },
    reject: (id, req, res, err) => current().reject(id, req, res, err),
  });
  const app = Fastify({
    loggerInstance: log,
    // The pipeline logs what matters; per-request lines from Fastify would double the cost.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: false,
    clientErrorHandler: answerClientError,
    serverFactory: (fastify) => {
      const { requestTimeoutMs, keepAliveTimeoutMs } = config.server;
      const headersTimeout = requestTimeoutMs ? Math.min(config.server.headersTimeoutMs, requestTimeoutMs) : config.server.headersTimeoutMs;
      return createServer(
        {
          requestTimeout: requestTimeoutMs,
          headersTimeout,
          keepAliveTimeout: keepAliveTimeoutMs,
          // node checks the two timeouts this often (30 s by default): a trickling client would
          // otherwise hold its connection up to 30 s past them.
          connectionsCheckingInterval: Math.min(1_000, headersTimeout),
        },
        (req, res) => {
          if (endpoint(req, res)) return;
          const generation = current();
          if (generation.routes.serve(req, res, { bodyLimit: config.server.bodyLimit, timeoutMs: config.server.hookTimeoutMs, log })) return;
          fastify(req, res);
        },
      );
    },
  });

  // Every response in flight, from the moment its request's headers arrived (a body may still be
  // uploading). Shutdown derives the idle connections from it: node counts a connection that has
  // not sent a request yet as busy, so one a client opened ahead of time (undici does) would
  // otherwise hold the drain until the timeout.
  const sockets = new Set<Socket>();
  const inFlight = new Set<ServerResponse>();
  app.server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  app.server.on("request", (_req: IncomingMessage, res: ServerResponse) => {
    inFlight.add(res);
    res.on("close", () => inFlight.delete(res));
  });

  async function health(): Promise<HealthReport> {
    const report = await current().health();
    const checks = { server: { status: closing ? ("fail" as const) : ("ok" as const) }, ...report.checks };
    return { status: !closing && report.status === "ok" ? "ok" : "degraded", checks };
  }
  for (const url of ["/healthz", "/health"]) {
    app.get(url, async (_request, reply) => {
      const report = await health();
      return reply.code(report.status === "ok" ? 200 : 503).send(report);
    });
  }

  return {
    server: app.server,
    get closing() {
      return closing;
    },
    health,
    async listen() {
      try {
        await app.listen({ host: config.server.host, port: config.server.port });
      } catch (err) {
        throw new StartupError("MCPGW_ERR_STARTUP", listenFailure(err, config.server.host, config.server.port), { cause: err });
      }
      const address = app.server.address() as AddressInfo;
      const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
      return `http://${host}:${address.port}`;
    },
    async drain() {
      closing = true;
      // A generation a reload replaced may still finish requests of its own: it drains too.
      const generations = [...all()];
      // The server only closes connections idle when close starts; without this, a keep-alive
      // connection freed by a request that finishes while draining holds the drain until the timeout.
      for (const res of inFlight) closeAfterResponse(res);
      const drained = app.close();
      const busy = new Set([...inFlight].map((res) => res.socket));
      for (const socket of sockets) if (!busy.has(socket)) socket.destroy();
      for (const generation of generations) generation.endStreams();
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, config.server.shutdownTimeoutMs).unref());
      await Promise.race([drained, timeout]);
      // Calls longer than the drain time read why they ended, then their connections close.
      await Promise.all(generations.map((generation) => generation.cutAll(GatewayError.from("MCPGW_ERR_SHUTTING_DOWN"))));
      app.server.closeAllConnections();
      await drained;
    },
  };
}
