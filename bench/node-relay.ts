/**
 * The I/O anchor: the least any Node process in the path costs. Each client connection gets a
 * connection of its own to the upstream and the bytes are piped both ways: no HTTP parsing, no
 * headers, no body, one read and one write per direction per request. Nothing built on
 * `node:http` and an HTTP client can spend less; node-proxy shows what HTTP on both sides adds,
 * and the gateway's own cost is what it spends above that.
 *
 * Run as a child: `node --import tsx bench/node-relay.ts --upstream URL`; prints one JSON line
 * `{"url": "..."}` once listening and stops on SIGTERM.
 */
import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

export function createNodeRelay(upstreamUrl: string) {
  const upstream = new URL(upstreamUrl);
  const sockets = new Set<Socket>();
  const server = createServer({ noDelay: true }, (client) => {
    const peer = connect({ host: upstream.hostname, port: Number(upstream.port), noDelay: true });
    for (const socket of [client, peer]) {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
    }
    // Either side ending or failing ends the other: no half-open pair is left behind.
    client.pipe(peer).on("error", () => client.destroy());
    peer.pipe(client).on("error", () => peer.destroy());
    client.once("close", () => peer.destroy());
    peer.once("close", () => client.destroy());
  });
  return { server, closeAll: () => sockets.forEach((socket) => socket.destroy()) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { upstream: { type: "string" } } });
  if (!values.upstream) throw new Error("usage: node --import tsx bench/node-relay.ts --upstream URL");
  const relay = createNodeRelay(values.upstream);
  await new Promise<void>((resolve) => relay.server.listen(0, "127.0.0.1", resolve));
  const { port } = relay.server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}${new URL(values.upstream).pathname}` })}\n`);
  const stop = () => {
    relay.closeAll();
    relay.server.close(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
