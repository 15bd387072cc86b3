import { waitFor } from "@mcp-gateway/runtime/testing";
import type { Child } from "./children.js";

/** A port that was free a moment ago on 127.0.0.1 (for servers that cannot report the one they got). */
export { freePort } from "@mcp-gateway/runtime/testing";

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `ready` until it resolves true, the child exits, or `timeoutMs` passes.
 * The error says which, with the child's stderr.
 */
export async function waitUntil(what: string, ready: () => Promise<boolean>, child: Child, timeoutMs = 15_000): Promise<void> {
  let exited: number | string | undefined;
  void child.exited.then((code) => (exited = code));
  try {
    await waitFor(
      what,
      async () => {
        if (exited !== undefined) throw new Error(`${what}: process exited (${exited}) before it was ready: ${child.stderr().trim()}`);
        return (await ready().catch(() => false)) || undefined;
      },
      { timeoutMs, intervalMs: 50 },
    );
  } catch (err) {
    if ((err as Error).name !== "TimeoutError") throw err;
    throw new Error(`${what}: not ready after ${timeoutMs} ms: ${child.stderr().trim()}`);
  }
}

/** True once something answers HTTP at `url` (any status). */
export async function answersHttp(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
  await response.arrayBuffer();
  return true;
}
