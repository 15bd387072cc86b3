/**
 * The command line of the Node anchors (bench/node-proxy.ts, bench/node-relay.ts): each takes
 * `--upstream URL`, listens on an ephemeral 127.0.0.1 port, prints `{"url": "..."}` once
 * listening (startScript waits for it) and stops on SIGTERM or SIGINT.
 */
import type { AddressInfo, Server } from "node:net";
import { parseArgs } from "node:util";

export interface Anchor {
  server: Server;
  /** Ends every open connection, so `close` need not wait for idle keep-alive ones. */
  closeConnections(): void;
}

export async function runAnchor(script: string, create: (upstreamUrl: string) => Anchor): Promise<void> {
  const { values } = parseArgs({ options: { upstream: { type: "string" } } });
  if (!values.upstream) throw new Error(`usage: node --import tsx bench/${script} --upstream URL`);
  const { server, closeConnections } = create(values.upstream);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}${new URL(values.upstream).pathname}` })}\n`);
  const stop = () => {
    closeConnections();
    server.close(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
