import { randomUUID } from "node:crypto";
import { accessSync, constants } from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import type { Dispatcher } from "undici";
import type { StdioUpstreamConfig } from "../../config/schema.js";
import { GatewayError, isGatewayError } from "../../errors.js";
import type { HealthCheck } from "../../hooks.js";
import { Connection, type Answer, type Channel } from "./connection.js";
import { BridgeExchange } from "./exchange.js";
import { discoverFromInitialize, Multiplexed, type Ready } from "./multiplexed.js";
import type { UpstreamDispatchOptions, UpstreamTransport } from "../upstream.js";

export interface StdioBridgeOptions {
  config: StdioUpstreamConfig;
  log: Logger;
  /** Most bytes held for a client that stopped reading an event stream (`server.maxBufferedResponseBytes`). */
  maxBufferedBytes: number;
  /** How the gateway introduces itself in its own handshakes. */
  clientInfo: { name: string; version: string };
}

interface Session {
  id: string;
  /** The subject that opened it (tenant and client), when the gateway authenticates: only it is served. */
  caller: string | undefined;
  connection: Connection;
  /** The session's GET stream, when one is open. */
  stream: BridgeExchange | undefined;
}

interface Body {
  messages: Record<string, unknown>[];
  batch: boolean;
  /** Client ids of the requests in it. */
  ids: (string | number)[];
}

/** How many ended sessions are remembered, so that their next request hears why they ended. */
const ENDED_KEPT = 1024;

const isRequest = (message: Record<string, unknown>) => typeof message.method === "string" && message.id !== undefined && message.id !== null;

/**
 * A stdio upstream behind the interface an HTTP upstream's connection pool has: `dispatch(options,
 * handler)` takes the request the gateway would send over HTTP and answers it as a Streamable HTTP
 * server would (status, headers, JSON or an event stream, `Mcp-Session-Id`), from processes it
 * runs. So routing, policy, transforms, federation and audit serve it unchanged.
 *
 * - per-session: each client session (an `initialize`) gets its own process, ended by DELETE,
 *   `idleTimeoutMs` without a request, or shutdown; requests without a session (2026-07-28
 *   clients) go to one process the gateway initializes itself and keeps warm.
 * - shared: that one process serves every caller; the gateway answers `initialize` from its own.
 */
export class StdioBridge implements UpstreamTransport {
  readonly #config: StdioUpstreamConfig;
  readonly #options: StdioBridgeOptions;
  readonly #log: Logger;
  readonly #sessions = new Map<string, Session>();
  readonly #ended = new Map<string, string>();
  #starting = 0;
  readonly #multiplexed: Multiplexed;
  #sweeper: NodeJS.Timeout | undefined;
  #started = false;
  #closing: Promise<void> | undefined;
  #lastExit: { detail: string; at: string } | undefined;
  #lastStartError: string | undefined;

  constructor(options: StdioBridgeOptions) {
    this.#options = options;
    this.#config = options.config;
    this.#log = options.log;
    this.#multiplexed = new Multiplexed({
      upstream: this.#config.name,
      order: this.#config.mode === "shared" ? "initialize-first" : "discover-first",
      startTimeoutMs: this.#config.startTimeoutMs,
      clientInfo: options.clientInfo,
      log: this.#log,
      connect: (onExit) => this.#connection(true, onExit),
      onStart: (error) => (this.#lastStartError = error),
    });
  }

  /** When the gateway starts serving: a shared process is started, a missing command is reported. */
  start(): void {
    // A reload that keeps this upstream hands it to the new config, whose ready starts it again.
    if (this.#started) return;
    this.#started = true;
    const { mode, idleTimeoutMs, command, name } = this.#config;
    if (!onPath(command, this.#config.cwd)) this.#log.warn({ upstream: name, command }, `stdio upstream "${name}": command "${command}" is not found on PATH or not executable`);
    if (mode === "shared") {
      this.#multiplexed.ready().catch((err: Error) => this.#log.warn({ upstream: name, err: err.message }, "stdio upstream could not be started"));
      return;
    }
    const every = Math.max(50, Math.min(1_000, Math.floor(idleTimeoutMs / 4)));
    this.#sweeper = setInterval(() => this.#sweep(), every);
    this.#sweeper.unref();
  }

  dispatch(options: UpstreamDispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const exchange = new BridgeExchange(handler, {
      upstream: this.#config.name,
      headersTimeout: options.headersTimeout ?? this.#config.timeoutMs,
      bodyTimeout: options.bodyTimeout ?? 0,
      maxPausedBytes: this.#options.maxBufferedBytes,
    });
    this.#serve(options, exchange).catch((err: unknown) => {
      exchange.fail(isGatewayError(err) ? err : GatewayError.from("MCPGW_ERR_INTERNAL", undefined, { cause: err }));
    });
    return true;
  }

  async #serve(options: UpstreamDispatchOptions, exchange: BridgeExchange): Promise<void> {
    if (this.#closing) throw GatewayError.from("MCPGW_ERR_SHUTTING_DOWN");
    const headers = (options.headers ?? {}) as Record<string, string | undefined>;
    const sessionId = headers["mcp-session-id"];
    const shared = this.#config.mode === "shared";
    const { caller } = options;
    if (options.method === "GET") return shared ? this.#sharedStream(exchange, sessionId) : this.#sessionStream(exchange, sessionId, caller);
    if (options.method === "DELETE") return shared ? exchange.respond(200, {}, "") : this.#delete(exchange, sessionId, caller);
    if (options.method !== "POST") return exchange.respond(405, { allow: "GET, POST, DELETE" }, "");
    const body = parseBody(options.body);
    if (!body) return exchange.respond(400, { "content-type": "application/json" }, rpcError(null, -32700, "Parse error"));
    const stream = String(headers.accept ?? "").includes("text/event-stream");
    const initialize = body.messages.find((message) => isRequest(message) && message.method === "initialize");
    if (shared) return this.#stateless(exchange, body, stream, sessionId ?? "", initialize);
    if (initialize) return this.#newSession(exchange, body, stream, initialize.id as string | number, caller);
    if (sessionId === undefined) return this.#stateless(exchange, body, stream, "", undefined);
    const session = this.#session(sessionId, caller);
    exchange.caller = sessionId;
    this.#send(session.connection, body, stream, exchange);
  }

  /** Sends a body over a connection and answers it as an event stream or one JSON body. */
  #send(connection: Connection, body: Body, stream: boolean, exchange: BridgeExchange, channel: Channel = exchange): void {
    connection.send(body.messages, channel);
    if (!body.ids.length) return exchange.respond(202, {}, "");
    exchange.expect(body.ids);
    exchange.onAbort((reason) => connection.cancel(channel, reason.message));
    if (!stream) exchange.collect(body.batch);
    else if (channel === exchange) exchange.startStream();
  }

  /** The session with this id, if the caller is the subject that opened it; else 404 (unknown and not yours read alike). */
  #session(id: string, caller: string | undefined): Session {
    const session = this.#sessions.get(id);
    if (session && session.caller === caller) return session;
    const ended = session ? undefined : this.#ended.get(id);
    const why = ended ? `its stdio upstream process ${ended}` : `no session of stdio upstream "${this.#config.name}" has this id`;
    throw GatewayError.from("MCPGW_ERR_SESSION_NOT_FOUND", `Session not found: ${why}; initialize a new session`);
  }

  /**
   * A client's `initialize`: a process of its own, answered with the session id the gateway mints.
   * The process must start and answer within `startTimeoutMs`; a refused initialize ends it.
   */
  async #newSession(exchange: BridgeExchange, body: Body, stream: boolean, initializeId: string | number, caller: string | undefined): Promise<void> {
    const { maxProcesses, startTimeoutMs, name } = this.#config;
    if (this.#sessions.size + this.#starting >= maxProcesses) {
      throw GatewayError.from("MCPGW_ERR_UPSTREAM_AT_CAPACITY", `stdio upstream "${name}" runs ${maxProcesses} sessions, its maxProcesses; try again later`);
    }
    const startFailed = (reason: string) => GatewayError.from("MCPGW_ERR_UPSTREAM_START_FAILED", `stdio upstream "${name}" could not be started: ${reason}`);
    exchange.deadline(startTimeoutMs, () => startFailed(`it did not answer initialize within ${startTimeoutMs} ms`));
    const id = randomUUID();
    const session: Session = { id, caller, connection: this.#connection(false, (_connection, detail) => this.#end(session, detail)), stream: undefined };
    this.#starting++;
    try {
      await session.connection.start();
      this.#lastStartError = undefined;
    } catch (err) {
      this.#lastStartError = (err as Error).message;
      throw startFailed((err as Error).message.replace(/^stdio upstream "[^"]*": /, ""));
    } finally {
      this.#starting--;
    }
    if (exchange.done) return void session.connection.close();
    this.#sessions.set(id, session);
    exchange.caller = id;
    exchange.headers["mcp-session-id"] = id;
    let answered = false;
    // The initialize exchange speaks for the session until the answer: a refusal or a failure ends it.
    const channel: Channel = {
      caller: id,
      deliver: (json: string, answer?: Answer) => {
        if (answer?.id === initializeId) {
          answered = true;
          if (answer.error) {
            delete exchange.headers["mcp-session-id"];
            this.#end(session, "refused initialize");
          }
        }
        exchange.deliver(json, answer);
      },
      settled: () => exchange.settled(),
      fail: (err) => exchange.fail(answered ? err : startFailed(`it ${err.message.replace(/^stdio upstream "[^"]*" /, "")} before answering initialize`)),
    };
    exchange.onAbort(() => {
      if (!answered) this.#end(session, "did not answer initialize");
    });
    this.#send(session.connection, body, stream, exchange, channel);
  }

  /**
   * A request outside any per-session process: a shared upstream's every request, or a stateless
   * (2026-07-28) request to a per-session upstream. The gateway answers what its own handshake
   * already knows: `initialize` (shared), and `server/discover` for a server that predates it.
   */
  async #stateless(exchange: BridgeExchange, body: Body, stream: boolean, caller: string, initialize: Record<string, unknown> | undefined): Promise<void> {
    const ready = await this.#multiplexed.ready();
    const [only] = body.messages;
    if (initialize) {
      // Sessions of a shared process hold nothing; the id only keeps callers' cancellations apart.
      if (ready.handshake.era === "legacy") exchange.headers["mcp-session-id"] = randomUUID();
      return exchange.respond(200, { "content-type": "application/json" }, this.#initializeAnswer(ready, body, initialize));
    }
    if (body.messages.length === 1 && only!.method === "server/discover" && isRequest(only!) && ready.handshake.era === "legacy") {
      return exchange.respond(200, { "content-type": "application/json" }, JSON.stringify({ jsonrpc: "2.0", id: only!.id, result: discoverFromInitialize(ready.handshake.initialize) }));
    }
    exchange.caller = caller;
    this.#send(ready.connection, body, stream, exchange);
  }

  /** A shared upstream's answer to a client's `initialize`: the server's own, from the gateway's handshake, with a new session id. */
  #initializeAnswer(ready: Ready, body: Body, initialize: Record<string, unknown>): string {
    if (body.messages.length !== 1) return rpcError(initialize.id, -32600, "initialize must be sent alone");
    if (ready.handshake.era !== "legacy") {
      const versions = (ready.handshake.discover.supportedVersions as string[]).join(", ");
      return rpcError(initialize.id, -32602, `stdio upstream "${this.#config.name}" supports only protocol versions ${versions}; it does not take initialize`);
    }
    return JSON.stringify({ jsonrpc: "2.0", id: initialize.id, result: ready.handshake.initialize });
  }

  async #sharedStream(exchange: BridgeExchange, sessionId: string | undefined): Promise<void> {
    const { connection } = await this.#multiplexed.ready();
    exchange.caller = sessionId ?? "";
    const remove = connection.addStream(exchange);
    exchange.onAbort(remove);
    exchange.startStream();
  }

  /** A session's GET stream: what the server sends outside any call. One per session, as the SDK servers allow. */
  #sessionStream(exchange: BridgeExchange, sessionId: string | undefined, caller: string | undefined): void {
    if (sessionId === undefined) return exchange.respond(405, { allow: "POST", "content-type": "application/json" }, rpcError(null, -32000, "Method not allowed: a GET stream needs a session"));
    const session = this.#session(sessionId, caller);
    if (session.stream && !session.stream.done) {
      return exchange.respond(409, { "content-type": "application/json" }, rpcError(null, -32000, "Conflict: only one GET stream is allowed per session"));
    }
    session.stream = exchange;
    exchange.caller = sessionId;
    const remove = session.connection.addStream(exchange);
    exchange.onAbort(() => {
      remove();
      if (session.stream === exchange) session.stream = undefined;
    });
    exchange.startStream();
  }

  #delete(exchange: BridgeExchange, sessionId: string | undefined, caller: string | undefined): void {
    if (sessionId === undefined) return exchange.respond(400, { "content-type": "application/json" }, rpcError(null, -32000, "Bad Request: Mcp-Session-Id header is required"));
    this.#end(this.#session(sessionId, caller), "was ended when the client deleted the session");
    exchange.respond(200, {}, "");
  }

  /** Ends a session: its process goes, its stream finishes, and its id is remembered with why. */
  #end(session: Session, why: string): void {
    if (this.#sessions.get(session.id) !== session) return void session.connection.close();
    this.#sessions.delete(session.id);
    this.#ended.set(session.id, why);
    if (this.#ended.size > ENDED_KEPT) this.#ended.delete(this.#ended.keys().next().value!);
    session.stream?.settled();
    void session.connection.close();
  }

  #sweep(): void {
    const { idleTimeoutMs } = this.#config;
    const now = Date.now();
    for (const session of [...this.#sessions.values()]) {
      if (!session.connection.busy && now - session.connection.lastActive >= idleTimeoutMs) this.#end(session, `was ended after ${idleTimeoutMs} ms without a request`);
    }
  }

  #connection(multiplexed: boolean, onExit: (connection: Connection, detail: string) => void): Connection {
    const { name, command, args, cwd, env, inheritEnv, maxMessageBytes, stopTimeoutMs } = this.#config;
    return new Connection({
      upstream: name,
      command,
      args,
      cwd,
      env,
      inheritEnv,
      maxMessageBytes,
      log: this.#log,
      multiplexed,
      graceMs: stopTimeoutMs,
      onExit: (connection, detail, expected) => {
        if (!expected) this.#lastExit = { detail, at: new Date().toISOString() };
        onExit(connection, detail);
      },
    });
  }

  /** For `/health`: processes running, the last exit, restarts of the shared (or stateless) process. */
  health(): HealthCheck {
    const processes = this.#sessions.size + (this.#multiplexed.running ? 1 : 0);
    const lastError = this.#lastStartError;
    return {
      status: lastError ? "fail" : "ok",
      transport: "stdio",
      mode: this.#config.mode,
      processes,
      ...(this.#config.mode === "per-session" ? { sessions: this.#sessions.size, maxProcesses: this.#config.maxProcesses } : {}),
      restarts: this.#multiplexed.restarts,
      ...(this.#lastExit ? { lastExit: this.#lastExit } : {}),
      ...(lastError ? { error: lastError } : {}),
    };
  }

  /** Ends every process (SIGTERM to its process group, SIGKILL after `stopTimeoutMs`). */
  destroy(): Promise<void> {
    this.#closing ??= (async () => {
      clearInterval(this.#sweeper);
      const sessions = [...this.#sessions.values()];
      for (const session of sessions) this.#end(session, "was ended when the gateway shut down");
      await Promise.allSettled([...sessions.map((session) => session.connection.close()), this.#multiplexed.close()]);
    })();
    return this.#closing;
  }
}

function parseBody(body: UpstreamDispatchOptions["body"]): Body | undefined {
  if (body === undefined || body === null) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === "string" ? body : Buffer.isBuffer(body) ? body.toString("utf8") : String(body));
  } catch {
    return undefined;
  }
  const batch = Array.isArray(parsed);
  const messages = (batch ? (parsed as unknown[]) : [parsed]).filter((message): message is Record<string, unknown> => typeof message === "object" && message !== null);
  const ids = messages.filter(isRequest).map((message) => message.id as string | number);
  return { messages, batch, ids };
}

function rpcError(id: unknown, code: number, message: string): string {
  return JSON.stringify({ jsonrpc: "2.0", id: id ?? null, error: { code, message } });
}

/** Whether `command` would be found and run: a path, or a name on PATH. */
function onPath(command: string, cwd: string | undefined): boolean {
  const executable = (file: string) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (command.includes("/")) return executable(path.resolve(cwd ?? process.cwd(), command));
  return (process.env.PATH ?? "").split(path.delimiter).some((dir) => dir && executable(path.join(dir, command)));
}
