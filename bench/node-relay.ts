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
import { connect, createServer, type Socket } from "node:net";
import { pathToFileURL } from "node:url";
import { runAnchor, type Anchor } from "./lib/anchor.js";

export function createNodeRelay(upstreamUrl: string): Anchor {
  const upstream = new URL(upstreamUrl);
  const sockets = new Set<Socket>();
  const server = createServer({ noDelay: true }, (client) => {
    const peer = connect({ host: upstream.hostname, port: Number(upstream.port), noDelay: true });
    client.pipe(peer);
    peer.pipe(client);
    // A failing socket closes; either side closing ends the other, so no half-open pair is left.
    for (const [socket, other] of [[client, peer], [peer, client]] as const) {
      sockets.add(socket);
      socket.on("error", () => undefined);
      socket.once("close", () => {
        sockets.delete(socket);
        other.destroy();
      });
    }
  });
  return { server, closeConnections: () => sockets.forEach((socket) => socket.destroy()) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runAnchor("node-relay.ts", createNodeRelay);
