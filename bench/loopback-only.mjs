/**
 * Preloaded into supergateway (`node --import bench/loopback-only.mjs`), which has no host option
 * and listens on every interface: a server told a port alone listens on 127.0.0.1, as every
 * other process the bench starts does. Plain JavaScript, so the bridge runs without tsx.
 */
import net from "node:net";

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === "number" && (args.length === 1 || typeof args[1] === "function")) args.splice(1, 0, "127.0.0.1");
  return listen.apply(this, args);
};
