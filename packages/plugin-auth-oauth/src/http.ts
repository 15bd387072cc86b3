/** Metadata, key sets and introspection answers are small; a larger answer is refused, not buffered. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/** The authorization server could not be asked: unreachable, too slow, an HTTP error, not JSON. */
export class AuthorizationServerError extends Error {
  override readonly name = "AuthorizationServerError";
}

export interface JsonRequest {
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

/** `fetch` as the plugin uses it; tests may pass their own. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

async function readLimited(response: Response, url: string): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? 0);
  if (declared > MAX_RESPONSE_BYTES) throw new AuthorizationServerError(`${url} answered with ${declared} bytes, more than ${MAX_RESPONSE_BYTES}`);
  if (!response.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_RESPONSE_BYTES) throw new AuthorizationServerError(`${url} answered with more than ${MAX_RESPONSE_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString("utf8");
}

/**
 * One JSON request to the authorization server, bounded in time (headers and body together) and
 * size. Resolves with the status and the parsed body; rejects with AuthorizationServerError when the
 * server cannot be reached, is too slow or answers something that is not JSON.
 */
export async function requestJson(fetchImpl: FetchLike, url: string, request: JsonRequest): Promise<{ status: number; body: unknown }> {
  const signal = AbortSignal.timeout(request.timeoutMs);
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: request.method ?? "GET",
      headers: { accept: "application/json", ...request.headers },
      ...(request.body === undefined ? {} : { body: request.body }),
      signal,
      redirect: "follow",
    });
  } catch (err) {
    const reason = signal.aborted ? `no answer within ${request.timeoutMs} ms` : ((err as Error).cause as Error | undefined)?.message ?? (err as Error).message;
    throw new AuthorizationServerError(`${url}: ${reason}`, { cause: err });
  }
  let text: string;
  try {
    text = await readLimited(response, url);
  } catch (err) {
    if (err instanceof AuthorizationServerError) throw err;
    throw new AuthorizationServerError(`${url}: ${signal.aborted ? `no complete answer within ${request.timeoutMs} ms` : (err as Error).message}`, { cause: err });
  }
  if (response.status >= 300) return { status: response.status, body: undefined };
  try {
    return { status: response.status, body: JSON.parse(text) as unknown };
  } catch {
    throw new AuthorizationServerError(`${url} answered ${response.status} with a body that is not JSON`);
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
