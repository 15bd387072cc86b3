// The status page of mcp-gateway's admin listener. One renderer for both sides: the gateway
// imports it to send the page whole (it reads without JavaScript), and the browser loads it as
// /status.js to redraw the page from /status.json every few seconds. Plain JavaScript, no build
// step, nothing from another origin; no inline style or script (the page's CSP forbids both).

const escapes = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
/** Every value from the gateway goes through this before it is part of the page. */
const esc = (value) => String(value ?? "").replace(/[&<>"']/g, (char) => escapes[char]);

const utc = (iso) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : "");
const ms = (value) => (value === null || value === undefined ? "–" : value < 10 ? `${value.toFixed(2)} ms` : `${Math.round(value)} ms`);
const percent = (rate) => `${(rate * 100).toFixed(rate && rate < 0.01 ? 2 : 1)}%`;

function duration(seconds) {
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3_600);
  const minutes = Math.floor((seconds % 3_600) / 60);
  if (days) return `${days} d ${hours} h`;
  if (hours) return `${hours} h ${minutes} min`;
  if (minutes) return `${minutes} min ${seconds % 60} s`;
  return `${seconds} s`;
}

/** The last 15 minutes as an SVG sparkline: requests/s, and errors/s beneath in red. */
function sparkline(series) {
  const width = series.requests.length * 4;
  const height = 48;
  const top = Math.max(1, ...series.requests);
  const points = (values) => values.map((value, index) => `${index * 4 + 2},${(height - 2 - (value / top) * (height - 4)).toFixed(1)}`).join(" ");
  const minutes = Math.round((series.requests.length * series.slotSeconds) / 60);
  return `<svg class="spark" viewBox="0 0 ${width} ${height}" preserveAspectRatio="none" role="img" aria-label="requests and errors per second, last ${minutes} minutes, peak ${esc(top)}/s">
<polyline class="spark-requests" points="${points(series.requests)}"/><polyline class="spark-errors" points="${points(series.errors)}"/></svg>
<p class="spark-legend"><span class="key key-requests"></span>requests/s <span class="key key-errors"></span>errors/s · last ${minutes} min · peak ${esc(top)}/s</p>`;
}

function upstreamRow(upstream) {
  const failure = upstream.lastFailure ? `${esc(upstream.lastFailure.code ?? upstream.lastFailure.outcome)} at ${esc(utc(upstream.lastFailure.at))}` : "";
  const processes = upstream.processes === undefined ? "" : ` · ${esc(upstream.processes)} process${upstream.processes === 1 ? "" : "es"}`;
  return `<tr class="upstream" data-upstream="${esc(upstream.name)}" data-state="${esc(upstream.state)}">
<th scope="row">${esc(upstream.name)}<div class="sub">${esc(upstream.target)}${processes}</div></th>
<td><span class="state state-${esc(upstream.state)}">${esc(upstream.state)}</span></td>
<td class="num calls">${esc(upstream.calls)}</td><td class="num errors">${esc(upstream.errors)}</td>
<td class="num">${ms(upstream.p50Ms)}</td><td class="num">${ms(upstream.p99Ms)}</td><td class="sub">${failure}</td></tr>`;
}

function routes(status) {
  const rules = status.routes.rules.map((rule) => `<li><code>${esc(rule.match)}</code> → ${esc(rule.upstream)}</li>`).join("");
  const federation = status.routes.federation
    ? `<p>Federation${status.routes.federation.automatic ? " (automatic)" : ""}: ${status.routes.federation.upstreams.map(esc).join(", ")} as one server; a named call goes to the upstream that lists the name.</p>`
    : "";
  return `<ol class="rules">${rules}<li class="fallback">anything else → ${esc(status.routes.fallback)}</li></ol>${federation}`;
}

function hooks(status) {
  const rows = status.hooks
    .filter((hook) => hook.taps.length)
    .map((hook) => {
      const taps = hook.taps.map((tap) => `<span class="tap">${esc(tap.plugin)}@${esc(tap.version)}${tap.stage ? ` <span class="sub">stage ${esc(tap.stage)}</span>` : ""}</span>`).join(" → ");
      return `<tr><th scope="row"><code>${esc(hook.hook)}</code></th><td>${taps}</td></tr>`;
    })
    .join("");
  return `<div class="scroll"><table class="hooks"><tbody>${rows}</tbody></table></div>`;
}

/** The page's content (everything inside <main>), from a /status.json answer. */
export function renderStatus(status) {
  const lastError = status.lastError
    ? `<div class="alert" role="alert"><strong>The last reload failed</strong> at ${esc(utc(status.lastError.at))}: ${esc(status.lastError.message)}; still serving the config loaded at ${esc(utc(status.loadedAt))}.${
        status.lastError.problems.length ? `<ul>${status.lastError.problems.map((problem) => `<li><code>${esc(problem)}</code></li>`).join("")}</ul>` : ""
      }</div>`
    : "";
  const failing = status.upstreams.filter((upstream) => upstream.state === "failing").length;
  const { traffic } = status;
  return `<header><h1>mcp-gateway <span class="version">${esc(status.version)}</span></h1>
<p class="meta">up ${esc(duration(status.uptimeSeconds))} · Node ${esc(status.node)} · config <code>${esc(status.configFile ?? "(inline)")}</code> loaded ${esc(utc(status.loadedAt))}${
    status.reloads ? ` · ${esc(status.reloads)} reload${status.reloads === 1 ? "" : "s"}` : ""
  }</p></header>
${lastError}
<section id="traffic"><h2>Traffic</h2>
<dl class="figures">
<div><dt>requests/s</dt><dd class="rate">${esc(traffic.perSecond)}</dd></div>
<div><dt>errors</dt><dd class="error-rate">${percent(traffic.errorRate)}</dd></div>
<div><dt>open streams</dt><dd class="streams">${esc(status.streams)}</dd></div>
<div><dt>sessions</dt><dd class="sessions">${esc(status.sessions.federated + status.sessions.stdio)}</dd></div>
<div><dt>upstreams failing</dt><dd class="failing${failing ? " bad" : ""}">${failing}</dd></div>
</dl>
<p class="sub">requests/s and errors over the last minute</p>
${sparkline(traffic.series)}
</section>
<section id="upstreams"><h2>Upstreams</h2><p class="sub">last minute; latency through the gateway, within ±20%</p>
<div class="scroll"><table><thead><tr><th>upstream</th><th>state</th><th class="num">calls</th><th class="num">errors</th><th class="num">p50</th><th class="num">p99</th><th>last failure</th></tr></thead>
<tbody>${status.upstreams.map(upstreamRow).join("")}</tbody></table></div></section>
<section id="routes"><h2>Routes</h2>${routes(status)}</section>
<section id="plugins"><h2>Plugins</h2><p>${status.plugins.map((plugin) => `<span class="tap">${esc(plugin.name)}@${esc(plugin.version)}</span>`).join(" ") || "none"}</p>
<h3>Hooks, each in the order its taps run</h3>${hooks(status)}</section>`;
}

/** The whole page, as the gateway sends it. */
export function renderPage(status, refreshSeconds) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>mcp-gateway status</title><link rel="icon" href="/favicon.svg" type="image/svg+xml"><link rel="stylesheet" href="/status.css">
<script type="module" src="/status.js"></script></head>
<body><main data-refresh="${esc(refreshSeconds)}">${renderStatus(status)}</main>
<footer><span class="updated" aria-live="polite">updated ${esc(utc(new Date().toISOString()))}</span> · refreshes every ${esc(refreshSeconds)} s · <a href="/status.json">status.json</a> · <a href="/metrics">metrics</a></footer>
</body></html>
`;
}

/** In the browser: redraw from /status.json every few seconds; say so when the gateway cannot be reached. */
if (typeof document !== "undefined") {
  const main = document.querySelector("main");
  const updated = document.querySelector(".updated");
  const seconds = Number(main.dataset.refresh) || 5;
  let busy = false;
  let last = utc(new Date().toISOString());
  setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const response = await fetch("/status.json", { cache: "no-store", credentials: "same-origin", signal: AbortSignal.timeout(seconds * 1000) });
      if (!response.ok) throw new Error(`status.json answered ${response.status}`);
      main.innerHTML = renderStatus(await response.json());
      last = utc(new Date().toISOString());
      updated.textContent = `updated ${last}`;
      document.body.classList.remove("stale");
    } catch (err) {
      updated.textContent = `not updated since ${last}: ${err.message}`;
      document.body.classList.add("stale");
    } finally {
      busy = false;
    }
  }, seconds * 1000);
}
