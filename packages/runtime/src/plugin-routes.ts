import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";

/** A request to a route a plugin serves (outside the MCP endpoint, e.g. OAuth metadata under `/.well-known/`). */
export interface PluginHttpRequest {
  readonly method: "GET" | "HEAD" | "POST";
  /** The path, without the query. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly remoteAddress: string | undefined;
  /** A POST's body, up to `server.bodyLimit`. */
  readonly body: Buffer | undefined;
}

export interface PluginHttpResponse {
  status: number;
  headers?: Record<string, string | string[]>;
  /** A string or Buffer is sent as it is; anything else as JSON (`content-type: application/json`). */
  body?: unknown;
}

export type PluginHttpHandler = (request: PluginHttpRequest) => Promise<PluginHttpResponse>;

/** What `setup` gets as `gateway.http`: routes declared at load, on the public listener. */
export interface PluginHttp {
  /** Serves GET (and HEAD) on `path`, an exact path such as `/.well-known/oauth-protected-resource`. */
  get(path: string, handler: PluginHttpHandler): void;
  post(path: string, handler: PluginHttpHandler): void;
}

/** Paths the runtime answers itself; a plugin cannot take them. */
const RESERVED = ["/health", "/healthz"];

const PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/;

interface Route {
  plugin: string;
  handler: PluginHttpHandler;
}

/**
 * The routes plugins declared. Every conflict — two plugins on one method and path, a path of
 * the MCP endpoint or of `/health` — stops startup with one line naming both sides; requests are
 * matched on the exact path.
 */
export class PluginRoutes {
  readonly #routes = new Map<string, Route>();
  readonly #endpointPath: string;

  constructor(options: { endpointPath: string }) {
    this.#endpointPath = options.endpointPath;
  }

  /** The `gateway.http` of one plugin. */
  forPlugin(plugin: string): PluginHttp {
    const add = (method: "GET" | "POST", path: string, handler: PluginHttpHandler) => {
      if (typeof path !== "string" || !PATH.test(path) || path.includes("//")) throw new TypeError(`http.${method.toLowerCase()}: "${String(path)}" is not a path (it must start with / and have no query)`);
      if (typeof handler !== "function") throw new TypeError(`http.${method.toLowerCase()}("${path}") needs a handler function`);
      if (path === this.#endpointPath) throw new TypeError(`http.${method.toLowerCase()}("${path}"): that is the MCP endpoint (server.path)`);
      if (RESERVED.includes(path)) throw new TypeError(`http.${method.toLowerCase()}("${path}"): the gateway serves that path itself`);
      const key = `${method} ${path}`;
      const taken = this.#routes.get(key);
      if (taken) throw new TypeError(`http.${method.toLowerCase()}("${path}"): plugin "${taken.plugin}" already serves ${key}`);
      this.#routes.set(key, { plugin, handler });
    };
    return Object.freeze({
      get: (path: string, handler: PluginHttpHandler) => add("GET", path, handler),
      post: (path: string, handler: PluginHttpHandler) => add("POST", path, handler),
    });
  }

  /** `GET /x` for every route, for `mcp-gateway plugins` and the status page. */
  list(): { method: string; path: string; plugin: string }[] {
    return [...this.#routes].map(([key, { plugin }]) => {
      const [method, path] = key.split(" ", 2) as [string, string];
      return { method, path, plugin };
    });
  }

  /**
   * Answers the request when a plugin serves its method and path; false otherwise (the caller
   * answers 404 or 405). A handler that throws or takes longer than `timeoutMs` gets a 500.
   */
  serve(req: IncomingMessage, res: ServerResponse, options: { bodyLimit: number; timeoutMs: number; log: Logger }): boolean {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const path = query === -1 ? url : url.slice(0, query);
    const method = req.method === "HEAD" ? "GET" : req.method;
    const route = this.#routes.get(`${method} ${path}`);
    if (!route) return false;
    const respond = (answer: PluginHttpResponse) => {
      if (res.headersSent || res.destroyed) return;
      const raw = answer.body;
      const isBytes = typeof raw === "string" || Buffer.isBuffer(raw);
      const body = raw === undefined ? "" : isBytes ? raw : JSON.stringify(raw);
      const headers: Record<string, string | string[] | number> = { ...(isBytes || raw === undefined ? {} : { "content-type": "application/json" }), ...answer.headers };
      headers["content-length"] = Buffer.byteLength(body);
      res.writeHead(answer.status, headers);
      res.end(req.method === "HEAD" ? undefined : body);
    };
    const fail = (err: unknown) => {
      options.log.error({ err, plugin: route.plugin, path }, "plugin route failed");
      respond({ status: 500, body: { error: "internal error" } });
    };
    const run = (body: Buffer | undefined) => {
      const request: PluginHttpRequest = {
        method: req.method as PluginHttpRequest["method"],
        path,
        query: new URLSearchParams(query === -1 ? "" : url.slice(query + 1)),
        headers: req.headers,
        remoteAddress: req.socket.remoteAddress,
        body,
      };
      const timer = setTimeout(() => fail(new Error(`plugin "${route.plugin}" did not answer ${method} ${path} within ${options.timeoutMs} ms`)), options.timeoutMs);
      timer.unref();
      Promise.resolve()
        .then(() => route.handler(request))
        .then(respond, fail)
        .finally(() => clearTimeout(timer));
    };
    if (method !== "POST") {
      req.resume();
      run(undefined);
      return true;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > options.bodyLimit) {
        res.setHeader("connection", "close");
        respond({ status: 413, body: { error: "body too large" } });
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.once("end", () => run(Buffer.concat(chunks, size)));
    return true;
  }
}
