/** Long-lived GET event streams held open by the bench client, one socket each. */
import { request, type ClientRequest } from "node:http";
import { STREAM_OPEN_COMMENT } from "./mcp-fixtures.js";
import { waitFor } from "@mcp-gateway/runtime/testing";

export interface ClientStream {
  req: ClientRequest;
  /** 200, text/event-stream, and the upstream's `: open` comment arrived. */
  opened: boolean;
  /** Body chunks received (the open comment, then keepalives). */
  chunks: number;
  closed: boolean;
  failure?: string;
}

const OPEN_TIMEOUT_MS = 15_000;

export function openStream(url: string, headers: Readonly<Record<string, string>>): Promise<ClientStream> {
  return new Promise((resolve) => {
    const req = request(url, { method: "GET", agent: false, headers: { accept: "text/event-stream", ...headers } });
    const stream: ClientStream = { req, opened: false, chunks: 0, closed: false };
    const settle = (failure?: string) => {
      clearTimeout(timer);
      if (failure && !stream.opened) stream.failure ??= failure;
      resolve(stream);
    };
    const timer = setTimeout(() => settle(`no open comment within ${OPEN_TIMEOUT_MS} ms`), OPEN_TIMEOUT_MS);
    req.on("response", (res) => {
      const type = String(res.headers["content-type"]);
      if (res.statusCode !== 200 || !type.startsWith("text/event-stream")) {
        res.resume();
        return settle(`answered ${res.statusCode} ${type}`);
      }
      let head = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        stream.chunks++;
        if (stream.opened) return;
        head += chunk;
        if (head.includes(STREAM_OPEN_COMMENT)) {
          stream.opened = true;
          settle();
        }
      });
      res.on("close", () => (stream.closed = true));
      res.on("error", () => undefined);
    });
    req.on("error", (err) => {
      stream.closed = true;
      settle(err.message);
    });
    req.on("close", () => (stream.closed = true));
    req.end();
  });
}

/** Opens `count` streams, `batch` at a time so the listen backlogs are not flooded. */
export async function openStreams(count: number, url: string, headers: Readonly<Record<string, string>>, batch = 250): Promise<ClientStream[]> {
  const streams: ClientStream[] = [];
  for (let start = 0; start < count; start += batch) {
    const size = Math.min(batch, count - start);
    streams.push(...(await Promise.all(Array.from({ length: size }, () => openStream(url, headers)))));
  }
  return streams;
}

export function closeStreams(streams: readonly ClientStream[]): void {
  for (const stream of streams) stream.req.destroy();
}

/** Waits until `done()` holds or `timeoutMs` passes; returns whether it held. */
export async function poll(done: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<boolean> {
  try {
    return await waitFor("a condition", async () => (await done()) || undefined, { timeoutMs, intervalMs: everyMs });
  } catch (err) {
    if ((err as Error).name === "TimeoutError") return false;
    throw err;
  }
}
