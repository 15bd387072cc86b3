/**
 * For plugin authors: run a plugin through a real gateway in a test, and a conformance
 * suite every plugin (ours or a third party's) can run.
 */
import { Writable } from "node:stream";
import { parseConfig } from "../config/load.js";
import type { GatewayConfigInput } from "../config/schema.js";
import { createGateway, type Gateway, type InlinePlugin } from "../gateway.js";
import { startEchoUpstream, type EchoUpstream } from "./echo-upstream.js";

export { freePort, startEchoUpstream, type EchoUpstream, type RecordedRequest } from "./echo-upstream.js";
export { pluginConformance, type ConformanceOptions } from "./conformance.js";

export interface TestGatewayOptions {
  /** Config fields to use; `server.port` defaults to 0 and `upstreams` to the echo upstream. */
  config?: Partial<GatewayConfigInput> & Record<string, unknown>;
  /** Plugins in hand, appended after any in `config.plugins`. */
  plugins?: readonly InlinePlugin[];
  env?: Readonly<Record<string, string | undefined>>;
  /** Path used in messages and for resolving plugin names (defaults to the cwd). */
  configFile?: string;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON body, or undefined for an empty or non-JSON body. */
  body: unknown;
  text: string;
}

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

/** Starts a gateway on 127.0.0.1 with a free port, in this process. */
export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
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
  let gateway: Gateway;
  try {
    gateway = await createGateway({
      config: parseConfig(raw, configFile, env),
      configFile,
      env,
      ...(options.plugins ? { plugins: options.plugins } : {}),
      logDestination: destination,
    });
  } catch (err) {
    await upstream?.close();
    throw err;
  }
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
    async post(message, headers = {}) {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
        body: typeof message === "string" ? message : JSON.stringify(message),
      });
      const text = await response.text();
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      return { status: response.status, headers: response.headers, body, text };
    },
    async close() {
      await gateway.close();
      await upstream?.close();
    },
  };
}
