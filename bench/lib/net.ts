import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import type { Child } from "./children.js";

/** A port that was free a moment ago on 127.0.0.1 (for servers that cannot report the one they got). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `ready` until it resolves true, the child exits, or `timeoutMs` passes.
 * The error says which, with the child's stderr.
 */
export async function waitUntil(what: string, ready: () => Promise<boolean>, child: Child, timeoutMs = 15_000): Promise<void> {
  let exited: number | string | undefined;
  void child.exited.then((code) => (exited = code));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited !== undefined) throw new Error(`${what}: process exited (${exited}) before it was ready: ${child.stderr().trim()}`);
    if (await ready().catch(() => false)) return;
    await sleep(50);
  }
  throw new Error(`${what}: not ready after ${timeoutMs} ms: ${child.stderr().trim()}`);
}

/** True once something answers HTTP at `url` (any status). */
export async function answersHttp(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
  await response.arrayBuffer();
  return true;
}
