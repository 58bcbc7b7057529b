import { promises as fs } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { OpenClawPluginApi } from "openclaw/plugin-sdk/plugin-entry";
import { PLUGIN_ID } from "../core/config.js";
import { errorMessage } from "../core/errors.js";
import type { AccountPool } from "../accounts/account-pool.js";
import { liveStatus } from "../status/live.js";
import { NOT_RUNNING } from "../status/messages.js";
import { redact } from "../core/redact.js";
import { NEXT_SECRET_HEADER, PAGE_SECRET_PARAM, PageSecrets, statusAccess, type StatusAccess } from "./page-access.js";

/**
 * The gateway's HTTP face of the plugin, behind gateway auth (401 without it):
 *   GET /plugins/claude-oauth-refresh/status  the status JSON, as `status --json` from the live service
 *   GET /plugins/claude-oauth-refresh/status?check=1  one line, 200 ok/attention, 503 broken (as `status --check`)
 *   GET /plugins/claude-oauth-refresh/        the dashboard's "Claude" tab
 * One prefix route for both, because the Control UI's cookie grant for a tab covers the route
 * that serves the tab's path: the page's own polls must fall under the same route.
 */
export const ROUTE_ROOT = `/plugins/${PLUGIN_ID}`;
export const STATUS_PATH = `${ROUTE_ROOT}/status`;
export const PAGE_PATH = `${ROUTE_ROOT}/`;
const POLL_MS = 5_000;

type Api = Pick<OpenClawPluginApi, "registerHttpRoute" | "session" | "logger">;

let viewModule: Promise<string | undefined> | undefined;

/** The compiled dashboard-view.js beside this file and what it imports, as one script to inline into the page; undefined when absent. */
function loadViewModule(onMissing: (why: string) => void): Promise<string | undefined> {
  viewModule ??= import("./dashboard-script.js").then(({ joinModules }) => joinModules(new URL("./dashboard-view.js", import.meta.url), (url) => fs.readFile(url, "utf8"))).catch((err: unknown) => {
    onMissing(errorMessage(err));
    return undefined;
  });
  return viewModule;
}

function send(res: ServerResponse, req: IncomingMessage, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.statusCode = status;
  res.setHeader("Content-Type", type);
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Referrer-Policy", "no-referrer");
  for (const [k, v] of Object.entries(extra)) res.setHeader(k, v);
  res.end(req.method === "HEAD" ? undefined : body);
}

/** One key per gateway process: a restart makes every open tab reload itself once. */
const secrets = new PageSecrets();

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** See page-access.ts: only the tab's own page (or a non-browser client) reads the status. */
function accessOf(req: IncomingMessage, url: URL): StatusAccess {
  const secret = url.searchParams.get(PAGE_SECRET_PARAM) ?? undefined;
  const origin = header(req, "origin");
  const host = header(req, "host");
  const fetchSite = header(req, "sec-fetch-site");
  return statusAccess({ ...(origin === undefined ? {} : { origin }), ...(host === undefined ? {} : { host }), ...(fetchSite === undefined ? {} : { fetchSite }), ...(secret === undefined ? {} : { secret }) }, (s) => secrets.check(s, Date.now()));
}

function corsFor(access: StatusAccess): Record<string, string> {
  const vary = { Vary: "Origin, Sec-Fetch-Site" };
  if ((access.kind === "page" || access.kind === "expired") && access.cors) {
    return { ...vary, "Access-Control-Allow-Origin": "null", "Access-Control-Allow-Credentials": "true", "Access-Control-Expose-Headers": NEXT_SECRET_HEADER };
  }
  return vary;
}

export function registerHttpRoutes(api: Api, current: () => AccountPool | undefined): void {
  api.registerHttpRoute({
    path: ROUTE_ROOT,
    match: "prefix",
    auth: "gateway",
    handler: async (req, res) => {
      const url = new URL(req.url ?? "/", "http://gateway.invalid");
      const pathname = url.pathname.replace(/\/+$/, "") || "/";
      if (pathname !== ROUTE_ROOT && pathname !== STATUS_PATH) return false;
      if (req.method !== "GET" && req.method !== "HEAD") {
        send(res, req, 405, "text/plain; charset=utf-8", "Read-only: use GET. Actions are commands (openclaw claude-oauth ...).\n", { Allow: "GET, HEAD" });
        return true;
      }
      const pool = current();
      const access: StatusAccess = pathname === STATUS_PATH ? accessOf(req, url) : { kind: "direct" };
      try {
        if (pathname === STATUS_PATH && new URL(req.url ?? "/", "http://gateway.invalid").searchParams.get("check") === "1") {
          // For uptime monitors that see only the HTTP code: 200 ok or attention, 503 broken (monitoring/check.ts).
          const { checkOf } = await import("../monitoring/check.js");
          const check = pool ? checkOf(await liveStatus(pool)) : { httpStatus: 503, line: `CRITICAL claude-oauth: ${NOT_RUNNING.trim()}` };
          send(res, req, check.httpStatus, "text/plain; charset=utf-8", `${check.line}\n`);
          return true;
        }
        if (pathname === STATUS_PATH) {
          if (access.kind === "refused") {
            // Another site's request: no data and no CORS header, so a browser shows it nothing.
            send(res, req, 403, "text/plain; charset=utf-8", "", corsFor(access));
          } else if (access.kind === "expired") {
            send(res, req, 403, "application/json; charset=utf-8", `${JSON.stringify({ error: { code: "PAGE_EXPIRED", message: "This page's access has expired: reload the tab." } })}\n`, corsFor(access));
          } else {
            const next: Record<string, string> = access.kind === "page" ? { [NEXT_SECRET_HEADER]: secrets.issue(Date.now()) } : {};
            if (!pool) send(res, req, 503, "application/json; charset=utf-8", `${JSON.stringify({ error: { code: "UNAVAILABLE", message: NOT_RUNNING } })}\n`, { ...corsFor(access), ...next });
            else send(res, req, 200, "application/json; charset=utf-8", `${JSON.stringify(await liveStatus(pool), null, 2)}\n`, { ...corsFor(access), ...next });
          }
          return true;
        }
        if (!pool) {
          send(res, req, 503, "text/html; charset=utf-8", `<!doctype html><meta charset="utf-8"><title>Claude login</title><p>${NOT_RUNNING}</p>\n`);
          return true;
        }
        const status = await liveStatus(pool);
        const view = await loadViewModule((why) => api.logger.warn(`[${PLUGIN_ID}] The dashboard page will not update by itself: ${redact(why)}`));
        const now = Date.now();
        const { renderDashboardPage } = await import("./dashboard-page.js");
        const html = renderDashboardPage(status, { now, statusPath: STATUS_PATH, pollMs: POLL_MS, pageSecret: secrets.issue(now), ...(view === undefined ? {} : { viewModule: view }) });
        // frame-ancestors: only the Control UI (this origin) may show the page in a frame.
        send(res, req, 200, "text/html; charset=utf-8", html, { "Content-Security-Policy": "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'" });
      } catch (err) {
        send(res, req, 500, "text/plain; charset=utf-8", access.kind === "refused" ? "" : `claude-oauth-refresh: ${redact(errorMessage(err))}\n`, corsFor(access));
      }
      return true;
    },
  });
  // Absent in some registration passes (CLI-only); the tab matters only inside the gateway.
  api.session?.controls?.registerControlUiDescriptor?.({
    id: "claude-login",
    surface: "tab",
    label: "Claude",
    description: "Claude subscription login: state, validity, refreshes, what to do",
    icon: "key",
    group: "control",
    path: PAGE_PATH,
    requiredScopes: ["operator.read"],
  });
}
