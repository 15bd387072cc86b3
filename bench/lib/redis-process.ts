import { connect } from "node:net";
import { findRedisServer, startRedisServer, type RedisServer } from "../../test/helpers/redis-server.js";
import { spawnChild } from "./children.js";

export type RedisProcess = RedisServer;

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

/**
 * Read events the server has processed so far (INFO stats): one per client round trip, whatever
 * the script does inside (commands run by a Lua script count in total_commands_processed).
 */
export async function readsProcessed(url: string): Promise<number> {
  const reply = await command(Number(new URL(url).port), "INFO stats");
  return Number(/total_reads_processed:(\d+)/.exec(reply)?.[1] ?? NaN);
}

/**
 * A throwaway redis-server on a free loopback port (no persistence), or the reason there is none.
 * The tests' launcher starts it, through spawnChild so the run tracks and stops it like its other
 * processes.
 */
export async function startRedis(): Promise<RedisProcess | string> {
  if (!findRedisServer()) return "redis-server is not installed";
  try {
    return await startRedisServer({ spawn: (binary, args) => spawnChild("redis", binary, args, { stdio: ["ignore", "pipe", "pipe"] }).process });
  } catch (err) {
    return (err as Error).message;
  }
}
