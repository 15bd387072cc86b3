/**
 * JSON-RPC messages as an MCP client sends them, and a POST of one to any MCP endpoint. The
 * builders keep the key order `jsonrpc, id, method, params`, so `JSON.stringify` of one is the
 * body a client would send (a test that signs or hashes a body can rely on it).
 */

/** A request: `{ jsonrpc: "2.0", id, method, params }`. */
export function rpc(id: number | string, method: string, params: Record<string, unknown> = {}) {
  return { jsonrpc: "2.0" as const, id, method, params };
}

/** A notification (no id): `{ jsonrpc: "2.0", method, params? }`. */
export function notification(method: string, params?: Record<string, unknown>) {
  return { jsonrpc: "2.0" as const, method, ...(params === undefined ? {} : { params }) };
}

/** `tools/list` with empty params. */
export const toolsList = (id: number | string) => rpc(id, "tools/list");

/** `tools/call` of tool `name` with `args` (an empty object by default). */
export const toolsCall = (id: number | string, name: string, args: Record<string, unknown> = {}) => rpc(id, "tools/call", { name, arguments: args });

export interface JsonRpcResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON body, or undefined for an empty or non-JSON body. */
  body: unknown;
  text: string;
}

/**
 * POSTs one JSON-RPC message or batch (a string is sent as it is) to an MCP endpoint, with the
 * headers a Streamable HTTP client sends, plus `headers`.
 */
export async function postJsonRpc(url: string, message: unknown, headers: Record<string, string> = {}): Promise<JsonRpcResponse> {
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
}
