import { connect } from "node:net";
import { spawnChild, which, type Child } from "./children.js";
import { freePort, waitUntil } from "./net.js";

export interface RedisProcess {
  url: string;
  child: Child;
}

/** Sends one inline command and resolves with the first reply packet ("" on failure). */
function command(port: number, line: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.setTimeout(1_000);
    socket.once("connect", () => socket.write(`${line}\r\n`));
    socket.once("data", (data) => {
      socket.destroy();
      resolve(data.toString());
    });
    socket.once("error", () => resolve(""));
    socket.once("timeout", () => {
      socket.destroy();
      resolve("");
    });
  });
}

const ping = async (port: number) => (await command(port, "PING")).startsWith("+PONG");

/**
 * Read events the server has processed so far (INFO stats): one per client round trip, whatever
 * the script does inside (commands run by a Lua script count in total_commands_processed).
 */
export async function readsProcessed(url: string): Promise<number> {
  const reply = await command(Number(new URL(url).port), "INFO stats");
  return Number(/total_reads_processed:(\d+)/.exec(reply)?.[1] ?? NaN);
}

/** A throwaway redis-server on a free loopback port (no persistence), or the reason there is none. */
export async function startRedis(): Promise<RedisProcess | string> {
  const bin = which("redis-server");
  if (!bin) return "redis-server is not installed";
  const port = await freePort();
  const child = spawnChild("redis", bin, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"]);
  try {
    await waitUntil("redis-server", () => ping(port), child);
  } catch (err) {
    await child.stop();
    return (err as Error).message;
  }
  return { url: `redis://127.0.0.1:${port}`, child };
}
