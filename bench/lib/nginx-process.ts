/**
 * nginx as a plain reverse proxy: the anchor the issue compares against. Optional — used only
 * when `nginx` is on PATH. One process (`master_process off`) so /proc sees all of its CPU.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { spawnChild, which, type Child } from "./children.js";
import { answersHttp, freePort, waitUntil } from "./net.js";

export interface NginxProcess {
  url: string;
  pid: number;
  child: Child;
}

function nginxConf(dir: string, port: number, upstream: URL): string {
  const temp = (name: string) => path.join(dir, "temp", name);
  return `master_process off;
daemon off;
worker_processes 1;
worker_rlimit_nofile 20000;
pid ${path.join(dir, "nginx.pid")};
error_log ${path.join(dir, "error.log")} warn;
events { worker_connections 16000; }
http {
  access_log off;
  client_body_temp_path ${temp("body")};
  proxy_temp_path ${temp("proxy")};
  fastcgi_temp_path ${temp("fastcgi")};
  uwsgi_temp_path ${temp("uwsgi")};
  scgi_temp_path ${temp("scgi")};
  upstream mcp { server ${upstream.host}; keepalive 128; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://mcp;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 1h;
    }
  }
}
`;
}

/** Starts nginx in front of the upstream, or returns why it is not available. */
export async function startNginx(dir: string, upstreamUrl: string): Promise<NginxProcess | string> {
  const bin = which("nginx");
  if (!bin) return "nginx is not installed";
  const home = path.join(dir, "nginx");
  mkdirSync(path.join(home, "temp"), { recursive: true });
  const port = await freePort();
  const upstream = new URL(upstreamUrl);
  const conf = path.join(home, "nginx.conf");
  writeFileSync(conf, nginxConf(home, port, upstream));
  const child = spawnChild("nginx", bin, ["-p", home, "-c", conf]);
  const url = `http://127.0.0.1:${port}${upstream.pathname}`;
  try {
    await waitUntil("nginx", () => answersHttp(url), child);
  } catch (err) {
    await child.stop();
    return (err as Error).message;
  }
  return { url, pid: child.pid, child };
}
