/**
 * A gateway in the test process, on 127.0.0.1 and a free port, in front of the echo upstream
 * unless the test names its own upstreams.
 */
import { Writable } from "node:stream";
import type { GatewayConfigInput } from "../config/schema.js";
import type { Gateway, InlinePlugin } from "../gateway.js";
import { startEchoUpstream, type EchoUpstream } from "./echo-upstream.js";
import { postJsonRpc, type JsonRpcResponse } from "./messages.js";

export interface TestGatewayOptions {
  /** Config fields to use; `server.port` defaults to 0 and `upstreams` to the echo upstream. */
  config?: Partial<GatewayConfigInput> & Record<string, unknown>;
  /** Plugins in hand, appended after any in `config.plugins`. */
  plugins?: readonly InlinePlugin[];
  env?: Readonly<Record<string, string | undefined>>;
  /** Path used in messages and for resolving plugin names (defaults to the cwd). */
  configFile?: string;
}

export type TestResponse = JsonRpcResponse;

export interface TestGateway {
  gateway: Gateway;
  /** Base URL, e.g. `http://127.0.0.1:PORT`. */
  baseUrl: string;
  /** The MCP endpoint URL. */
  url: string;
  /** The echo upstream, when the test did not name its own upstreams. */
  upstream: EchoUpstream | undefined;
  /** Every log line the gateway wrote, parsed. */
  logs: Record<string, unknown>[];
  /** POSTs a JSON-RPC message (or batch) to the MCP endpoint. */
  post(message: unknown, headers?: Record<string, string>): Promise<TestResponse>;
  close(): Promise<void>;
}

/** A gateway made but not started: its plugins are set up, `ready` has not run, no port is open. */
export interface UnstartedTestGateway {
  gateway: Gateway;
  upstream: EchoUpstream | undefined;
  logs: Record<string, unknown>[];
}

/**
 * Makes the gateway without starting it (as `mcp-gateway validate` does). Not exported from the
 * entry: the conformance suite uses it to close a gateway whose `ready` never ran.
 */
export async function createTestGateway(options: TestGatewayOptions = {}): Promise<UnstartedTestGateway> {
  const input = options.config ?? {};
  const upstream = input.upstreams ? undefined : await startEchoUpstream();
  const raw = {
    ...input,
    server: { host: "127.0.0.1", port: 0, ...input.server },
    upstreams: input.upstreams ?? [{ name: "echo", url: upstream!.url }],
  };
  const configFile = options.configFile ?? `${process.cwd()}/(test config)`;
  const env = options.env ?? process.env;
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  try {
    // Loaded here, not at import: a test file that imports this entry for a builder or a wait
    // (or a bench process, for freePort) does not pay for Fastify, undici and pino.
    const [{ createGateway }, { parseConfig }] = await Promise.all([import("../gateway.js"), import("../config/load.js")]);
    const gateway = await createGateway({
      config: parseConfig(raw, configFile, env),
      configFile,
      env,
      ...(options.plugins ? { plugins: options.plugins } : {}),
      logDestination: destination,
    });
    return { gateway, upstream, logs };
  } catch (err) {
    await upstream?.close();
    throw err;
  }
}

/** Starts a gateway on 127.0.0.1 with a free port, in this process. */
export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const { gateway, upstream, logs } = await createTestGateway(options);
  let baseUrl: string;
  try {
    baseUrl = await gateway.listen();
  } catch (err) {
    // A `ready` tap refused to start (e.g. a store is unreachable): release what was opened.
    try {
      await gateway.close();
    } finally {
      await upstream?.close();
    }
    throw err;
  }
  const url = `${baseUrl}${gateway.config.server.path}`;
  return {
    gateway,
    baseUrl,
    url,
    upstream,
    logs,
    post: (message, headers = {}) => postJsonRpc(url, message, headers),
    async close() {
      await gateway.close();
      await upstream?.close();
    },
  };
}
