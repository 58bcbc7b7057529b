import { renderDashboard, type DashboardStatus } from "./dashboard-view.js";
import { NEXT_SECRET_HEADER, PAGE_SECRET_PARAM } from "./page-access.js";

/**
 * The whole "Claude" tab as one HTML document: inline CSS and script, no CDN, no web fonts, so it
 * works on a gateway with no network. The first paint is rendered here, in the gateway, because a
 * browser that blocks the tab's cross-site cookie lets the frame load once and refuses every
 * request the page makes itself. The script then polls the status route and re-renders with the
 * same view code (`viewModule`, the compiled dashboard-view.js), and follows the theme the Control
 * UI posts to plugin frames. Read-only: the frame's cookie allows only GET, so the page shows
 * commands instead of buttons.
 */

export interface PageOptions {
  now: number;
  /** Absolute path of the JSON status route the page polls. */
  statusPath: string;
  pollMs: number;
  /**
   * The page's first secret (page-access.ts): its polls must carry one, or the status route
   * answers them with no data; each good poll hands over the next.
   */
  pageSecret?: string;
  /** Source of the compiled dashboard-view module; without it the page shows the first paint only. */
  viewModule?: string;
}

/** JSON that can sit inside a <script> element: no "</script>", no "<!--", no line separators. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

const STYLE = `
:root{color-scheme:light dark;--bg:#f7f7f8;--card:#fff;--text:#1f2328;--text-strong:#000;--muted:#667085;--border:#d9dce1;--accent:#d97757;--ok:#1a7f37;--warn:#9a6700;--danger:#cf222e;--radius:10px;--font-body:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
@media (prefers-color-scheme:dark){:root:not([data-host-theme]){--bg:#0f1115;--card:#171a21;--text:#d7dae0;--text-strong:#fff;--muted:#8b93a1;--border:#2b303b;--ok:#3fb950;--warn:#d29922;--danger:#f85149}}
:root[data-host-theme=dark]{color-scheme:dark}:root[data-host-theme=light]{color-scheme:light}
*{box-sizing:border-box}
body{margin:0;padding:16px;background:var(--bg);color:var(--text);font:15px/1.5 var(--font-body)}
main{max-width:760px;margin:0 auto}
.account{background:var(--card);border:1px solid var(--border);border-radius:var(--radius);padding:16px 18px}
header{display:flex;justify-content:space-between;align-items:flex-start;gap:12px;flex-wrap:wrap}
h1{font-size:1.25rem;margin:0;color:var(--text-strong);overflow-wrap:anywhere}
h2{font-size:.95rem;margin:18px 0 8px;color:var(--text-strong)}
.plan{display:inline-block;margin-top:2px;color:var(--muted);text-transform:capitalize}
.plan::before{content:"Plan: ";text-transform:none}
.badge{padding:3px 12px;border-radius:999px;font-weight:600;white-space:nowrap;color:#fff}
.badge.healthy{background:var(--ok)}.badge.attention{background:var(--warn)}.badge.broken{background:var(--danger)}
.summary{margin:12px 0 0}
.todo{border-left:4px solid var(--warn);padding:2px 12px 4px;margin-top:12px;background:color-mix(in srgb,var(--warn) 8%,transparent);border-radius:4px}
[data-health=broken] .todo{border-left-color:var(--danger);background:color-mix(in srgb,var(--danger) 8%,transparent)}
.todo h2{margin-top:8px}
pre{background:color-mix(in srgb,var(--text) 7%,transparent);padding:8px 10px;border-radius:6px;overflow-x:auto;margin:6px 0}
code{font-family:var(--mono);font-size:.9em;overflow-wrap:anywhere}
.facts{margin:16px 0 0;display:grid;gap:6px}
.row{display:grid;grid-template-columns:150px 1fr;gap:12px}
dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}
.good{color:var(--ok)}.bad{color:var(--danger)}.warn{color:var(--warn)}.muted{color:var(--muted)}
.events{list-style:none;padding:0;margin:0}
.events li{padding:6px 0;border-top:1px solid var(--border)}
.events .what{font-weight:600}.events time{color:var(--muted);margin-left:6px}.events .msg{color:var(--muted);font-size:.9em;overflow-wrap:anywhere}
.dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:8px;background:currentColor}
.usage{margin:8px 0}.bar{height:10px;border-radius:999px;background:color-mix(in srgb,var(--text) 12%,transparent);overflow:hidden}
.bar span{display:block;height:100%;background:currentColor}
.stale{border:1px solid var(--danger);color:var(--text);background:color-mix(in srgb,var(--danger) 10%,var(--card));border-radius:var(--radius);padding:10px 14px;margin:0 auto 12px;max-width:760px}
footer{max-width:760px;margin:10px auto 0;color:var(--muted);font-size:.85em}
@media (max-width:520px){body{padding:8px}.row{grid-template-columns:1fr;gap:0}.row dd{margin-bottom:6px}}
`;

/** The page's own script, after the inlined view module; plain browser JavaScript. */
function clientScript(o: { statusPath: string; pollMs: number; renderedAt: number; pageSecret: string }): string {
  return `
const STATUS_PATH = ${scriptSafeJson(o.statusPath)};
const POLL_MS = ${o.pollMs};
const SECRET_PARAM = ${scriptSafeJson(PAGE_SECRET_PARAM)};
const SECRET_HEADER = ${scriptSafeJson(NEXT_SECRET_HEADER)};
const LOADED_AT = Date.now();
let secret = ${scriptSafeJson(o.pageSecret)};
const app = document.getElementById("app");
const stale = document.getElementById("stale");
const updated = document.getElementById("updated");
let status = JSON.parse(document.getElementById("initial-status").textContent);
let dataAt = ${o.renderedAt};
let problem = null;
function paint() {
  app.innerHTML = renderDashboard(status, Date.now());
  updated.textContent = "Data from " + absolute(new Date(dataAt).toISOString()) + " (" + relative(dataAt, Date.now()) + "); updates every " + Math.round(POLL_MS / 1000) + " s.";
  if (problem) { stale.innerHTML = renderStaleNotice(problem, dataAt, Date.now(), location.host); stale.hidden = false; }
  else stale.hidden = true;
}
let inFlight = false;
async function poll() {
  if (inFlight) return;
  inFlight = true;
  try {
    const url = STATUS_PATH + "?" + SECRET_PARAM + "=" + encodeURIComponent(secret);
    const res = await fetch(url, { credentials: "include", cache: "no-store", headers: { accept: "application/json" } });
    const next = res.headers.get(SECRET_HEADER);
    if (next) secret = next;
    if (res.status === 403) {
      const body = await res.json().catch(() => null);
      // The page's secret has expired (the computer slept, or the gateway restarted): a reload
      // brings a new one with fresh data. Once: a page that has just loaded does not loop.
      if (body && body.error && body.error.code === "PAGE_EXPIRED" && Date.now() - LOADED_AT > 60000) { location.reload(); return; }
      throw new Error("HTTP 403, reload the tab");
    }
    if (!res.ok) throw new Error("HTTP " + res.status);
    status = await res.json();
    dataAt = Date.now();
    problem = null;
  } catch (err) {
    problem = err instanceof Error ? err.message : String(err);
  } finally {
    inFlight = false;
  }
  paint();
}
// The Control UI posts its theme (mode and colour tokens) to plugin frames, on load and on change.
const TOKEN_VARS = { surface: "--bg", card: "--card", text: "--text", "text-strong": "--text-strong", muted: "--muted", border: "--border", accent: "--accent", ok: "--ok", warn: "--warn", danger: "--danger", radius: "--radius", "font-body": "--font-body", "font-mono": "--mono" };
window.addEventListener("message", (event) => {
  const data = event.data;
  if (event.source !== window.parent || !data || data.type !== "openclaw:widget-theme") return;
  const root = document.documentElement;
  if (data.mode === "light" || data.mode === "dark") root.dataset.hostTheme = data.mode;
  const tokens = data.tokens && typeof data.tokens === "object" ? data.tokens : {};
  for (const [key, cssVar] of Object.entries(TOKEN_VARS)) {
    const value = tokens[key];
    if (typeof value === "string" && value.length > 0 && value.length < 200 && !/[;{}<>]/.test(value)) root.style.setProperty(cssVar, value);
  }
});
setInterval(poll, POLL_MS);
window.addEventListener("focus", poll);
document.addEventListener("visibilitychange", () => { if (!document.hidden) poll(); });
paint();
`;
}

export function renderDashboardPage(status: DashboardStatus, o: PageOptions): string {
  const live = o.viewModule !== undefined;
  const script = live ? `<script type="module">\n${o.viewModule}\n${clientScript({ statusPath: o.statusPath, pollMs: o.pollMs, renderedAt: o.now, pageSecret: o.pageSecret ?? "" })}</script>` : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Claude login</title>
<style>${STYLE}</style>
</head>
<body>
<div id="stale" class="stale" role="status" hidden></div>
<main id="app">${renderDashboard(status, o.now)}</main>
<footer id="updated">${live ? "" : "Reload to update (the page's live view could not be loaded; see the gateway log)."}</footer>
<script type="application/json" id="initial-status">${scriptSafeJson(status)}</script>
${script}
</body>
</html>
`;
}
