import type { OpenClawPluginApi } from "openclaw/plugin-sdk/plugin-entry";
import type { AccountPool } from "../accounts/account-pool.js";
import { PLUGIN_ID } from "../core/config.js";
import { errorMessage } from "../core/errors.js";
import { redact } from "../core/redact.js";
// Static: the status route, registered beside this one, imports it anyway.
import { liveStatus } from "../status/live.js";
import { NOT_RUNNING } from "../status/messages.js";
import { counterBook } from "./counters.js";

/**
 * `GET /plugins/claude-oauth-refresh/metrics`: Prometheus text format for a scraper, behind gateway
 * auth like every route of the plugin (401 without the gateway token), never public. Its own exact
 * route, with no CORS header at all: a page in a browser (the dashboard tab's sandboxed frame, or
 * any other site) cannot read it; a scraper does not need to. The metrics code is imported on the
 * first scrape, so registering this costs the gateway's start and every CLI command nothing.
 */
export const METRICS_PATH = `/plugins/${PLUGIN_ID}/metrics`;

type Api = Pick<OpenClawPluginApi, "registerHttpRoute">;

function answer(res: import("node:http").ServerResponse, head: boolean, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.statusCode = status;
  res.setHeader("Content-Type", type);
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("X-Content-Type-Options", "nosniff");
  for (const [k, v] of Object.entries(extra)) res.setHeader(k, v);
  res.end(head ? undefined : body);
}

export function registerMetricsRoute(api: Api, current: () => AccountPool | undefined): void {
  api.registerHttpRoute({
    path: METRICS_PATH,
    match: "exact",
    auth: "gateway",
    handler: async (req, res) => {
      const head = req.method === "HEAD";
      if (req.method !== "GET" && !head) {
        answer(res, head, 405, "text/plain; charset=utf-8", "Read-only: use GET.\n", { Allow: "GET, HEAD" });
        return true;
      }
      const pool = current();
      if (!pool) {
        answer(res, head, 503, "text/plain; charset=utf-8", `${NOT_RUNNING}\n`);
        return true;
      }
      try {
        const { renderMetrics } = await import("./metrics.js");
        const now = Date.now();
        const status = await liveStatus(pool, undefined, () => now);
        const text = renderMetrics(status.accounts ?? [], (name) => counterBook.get(name), now);
        answer(res, head, 200, text.contentType, text.body);
      } catch (err) {
        answer(res, head, 500, "text/plain; charset=utf-8", `claude-oauth-refresh: ${redact(errorMessage(err))}\n`);
      }
      return true;
    },
  });
}
