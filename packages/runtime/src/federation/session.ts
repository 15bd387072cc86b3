import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import type { FederationConfig } from "../config/schema.js";
import type { McpCall, Subject } from "../context.js";
import { GatewayError } from "../errors.js";
import type { Context } from "../request-context.js";
import type { ServerInfo } from "./merge-capabilities.js";
import type { CatalogCache } from "./catalog.js";
import type { UpstreamRequestDeps } from "../upstream/request.js";
import type { Upstream } from "../upstream/upstream.js";
import { assertSubject, createSessionSealer, type SessionSealer, type SessionState } from "./session-token.js";

export interface FederationDeps extends UpstreamRequestDeps {
  config: FederationConfig;
  /** The federated upstreams, in config order. */
  upstreams: readonly Upstream[];
  /** Per-upstream `prefix` from config. */
  prefixes: ReadonlyMap<string, string>;
  log: Logger;
  serverInfo: ServerInfo;
  trackStream(end: () => void, upstream?: Upstream): () => void;
  /**
   * Started because routes reach several upstreams, not by a `federation` section (the gateway
   * logged why): the routing rules keep the last word on where each call goes.
   */
  automatic?: boolean;
  /** Seals sessions when `sessionKeys` is not set: the gateway's own, so sessions outlive a reload. */
  sessionKey?: string;
}

/** One upstream of a session, with that upstream's own session id (none for a stateless one). */
export interface Member {
  upstream: Upstream;
  sessionId: string | undefined;
}

/** The session a request belongs to: from its sealed id, or every federated upstream without one. */
export interface FederatedSession {
  token: string | undefined;
  members: ReadonlyMap<string, Member>;
  /** Scope of learned catalogues: the session, or the subject when there is none. */
  scope: string;
}

/** What every part of a federation shares. */
export interface Federated {
  readonly deps: FederationDeps;
  readonly catalogs: CatalogCache;
  /** Every federated upstream, in config order, with no session. */
  readonly members: ReadonlyMap<string, Member>;
  readonly sessions: Sessions;
}

/** Sessions whose ids were opened recently, kept so a busy session is decrypted once, not per request. */
const OPENED_SESSIONS = 5_000;

/**
 * Gateway sessions sealed into the `Mcp-Session-Id` the client holds (see session-token.ts), so
 * any instance sharing the keys serves any session with no store.
 */
export class Sessions {
  readonly #sealer: SessionSealer;
  readonly #maxAgeMs: number;
  readonly #opened = new Map<string, SessionState>();

  constructor(config: FederationConfig, log: Logger, automatic: boolean, fallbackKey?: string) {
    let keys = config.sessionKeys;
    if (!keys) {
      if (!automatic) log.warn("federation.sessionKeys is not set: sessions are sealed with a random key and only this process can serve them");
      keys = [fallbackKey ?? randomBytes(32).toString("base64url")];
    }
    this.#sealer = createSessionSealer({ keys, maxAgeMs: config.sessionMaxAgeMs });
    this.#maxAgeMs = config.sessionMaxAgeMs;
  }

  /**
   * The session a request belongs to. A session id that does not open, or that another subject
   * made, is "not found" (404), whatever the reason.
   */
  join(ctx: Context, all: ReadonlyMap<string, Member>): FederatedSession {
    const subject = ctx.subject!;
    const token = ctx.mcp.sessionId;
    if (token === undefined || ctx.calls.some((call) => call.method === "initialize")) {
      return { token: undefined, members: all, scope: `subject\u0000${subject.tenant}\u0000${subject.client}` };
    }
    const state = this.#open(ctx, token);
    assertSubject(state, subject);
    // Config order, which decides collisions (not the token's key order: "2" sorts before "a").
    // An upstream removed from config since the session began is simply no longer part of it.
    const members = new Map<string, Member>();
    for (const [name, member] of all) {
      const sessionId = state.upstreams[name];
      if (sessionId !== undefined) members.set(name, { ...member, sessionId: sessionId || undefined });
    }
    return { token, members, scope: `session\u0000${token}` };
  }

  /** Sessions seen within their max age (at most the 5,000 kept opened): the federated sessions in use. */
  get active(): number {
    const now = Date.now();
    let count = 0;
    for (const state of this.#opened.values()) if (now - state.iat * 1000 <= this.#maxAgeMs) count++;
    return count;
  }

  /** A new gateway session id for `subject`, holding each upstream's own session id ("" for a stateless one). */
  seal(subject: Subject, upstreams: Record<string, string>): string {
    return this.#sealer.seal({ sub: { tenant: subject.tenant, client: subject.client }, upstreams });
  }

  /** The session ended: its id is not served from memory any more. */
  forget(token: string): void {
    this.#opened.delete(token);
  }

  /** The state sealed in a session id; a recently opened one comes from memory while it is fresh. */
  #open(ctx: Context, token: string): SessionState {
    const known = this.#opened.get(token);
    if (known && Date.now() - known.iat * 1000 <= this.#maxAgeMs) return known;
    this.#opened.delete(token);
    let state: SessionState;
    try {
      state = this.#sealer.open(token);
    } catch (err) {
      ctx.log.debug({ reason: (err as { reason?: string }).reason }, "federated session id rejected");
      throw err;
    }
    this.#opened.set(token, state);
    if (this.#opened.size > OPENED_SESSIONS) this.#opened.delete(this.#opened.keys().next().value!);
    return state;
  }
}

/** The session's header on every answer of a session: the gateway's id, never an upstream's. */
export function sessionHeader(session: FederatedSession): Record<string, string> {
  return session.token ? { "mcp-session-id": session.token } : {};
}

/** The first member of a session: what serves a call nothing else claims. */
export function firstMember(session: FederatedSession): Member {
  const first = session.members.values().next().value;
  if (!first) throw GatewayError.from("MCPGW_ERR_UPSTREAM_NOT_IN_SESSION", "No upstream is part of this session; initialize again");
  return first;
}

/** The member a route named, which must be part of the session. */
export function routedMember(session: FederatedSession, name: string): Member {
  const member = session.members.get(name);
  if (!member) throw GatewayError.from("MCPGW_ERR_UPSTREAM_NOT_IN_SESSION", `Upstream "${name}" is not part of this session; initialize again`);
  return member;
}

/** `initialize`'s requested protocol version, as the merge needs it. */
export function requestedVersion(call: McpCall): string {
  return String((call.message.params as { protocolVersion?: unknown } | undefined)?.protocolVersion ?? "");
}
