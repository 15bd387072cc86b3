/**
 * Connects a real MCP SDK 1.x client (legacy era) to a URL, with a fetch that records every
 * HTTP exchange so a test can see what the client got back from the gateway.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  type CreateMessageRequest,
  type CreateMessageResult,
  type ElicitRequest,
  type ElicitResult,
} from "@modelcontextprotocol/sdk/types.js";

/** One HTTP exchange of the client, as seen from the client. */
export interface ClientExchange {
  method: string;
  /** The parsed POST body (undefined for GET and DELETE). */
  body: unknown;
  status: number;
  headers: Headers;
}

export interface LegacyClientOptions {
  /** Extra headers on every request (e.g. credentials meant for the gateway). */
  headers?: Record<string, string>;
  onElicit?: (request: ElicitRequest) => ElicitResult | Promise<ElicitResult>;
  onSample?: (request: CreateMessageRequest) => CreateMessageResult | Promise<CreateMessageResult>;
}

export interface LegacyClient {
  client: Client;
  transport: StreamableHTTPClientTransport;
  exchanges: ClientExchange[];
  /** Resolves with the response once the client's standalone GET event stream is open. */
  getStreamOpened: Promise<ClientExchange>;
  close(): Promise<void>;
}

export async function connectLegacyClient(url: string, options: LegacyClientOptions = {}): Promise<LegacyClient> {
  const exchanges: ClientExchange[] = [];
  let markGetStreamOpened!: (exchange: ClientExchange) => void;
  const getStreamOpened = new Promise<ClientExchange>((resolve) => (markGetStreamOpened = resolve));
  const recordingFetch = async (input: string | URL, init?: RequestInit): Promise<Response> => {
    const response = await fetch(input, init);
    const method = init?.method ?? "GET";
    const body: unknown = typeof init?.body === "string" ? JSON.parse(init.body) : undefined;
    const exchange = { method, body, status: response.status, headers: response.headers };
    exchanges.push(exchange);
    if (method === "GET" && response.ok) markGetStreamOpened(exchange);
    return response;
  };

  const client = new Client({ name: "legacy-e2e-client", version: "1.0.0" }, { capabilities: { elicitation: {}, sampling: {} } });
  const { onElicit, onSample } = options;
  if (onElicit) client.setRequestHandler(ElicitRequestSchema, (request) => onElicit(request));
  if (onSample) client.setRequestHandler(CreateMessageRequestSchema, (request) => onSample(request));
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    fetch: recordingFetch,
    ...(options.headers ? { requestInit: { headers: options.headers } } : {}),
  });
  await client.connect(transport);
  return { client, transport, exchanges, getStreamOpened, close: () => client.close() };
}

/** The text of a tool result's first content item (callTool's type also allows the old `toolResult` shape). */
export function firstText(result: Record<string, unknown>): string {
  const [first] = (result.content ?? []) as { type: string; text?: string }[];
  if (first?.type !== "text" || first.text === undefined) throw new Error(`expected text content, got ${JSON.stringify(result.content)}`);
  return first.text;
}
