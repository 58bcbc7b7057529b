import { windowLabel, windowsInOrder } from "../accounts/usage-windows.js";
import { adviceFor } from "../status/advice.js";
import { relative } from "../status/durations.js";
import { placeWords } from "../status/place.js";
import type { AccountStatusJson, StatusJson } from "../status/types.js";

/**
 * What the dashboard's "Claude" tab shows: a renderer of the status value (status/), pure
 * functions of it and the clock.
 *
 * The same compiled file runs twice: in the gateway, to render the first paint into the page
 * (a browser that blocks the tab's cross-site cookie gets only that one load), and in the page,
 * inlined as a module script with the browser-safe modules it imports (dashboard-script.ts), to
 * re-render each poll. So this file and those modules must stay self-contained: no Node APIs, no
 * module-level state, runtime imports only of browser-safe modules (a unit test checks).
 * Every value from the status passes through `esc` before it reaches the HTML.
 */

export type DashboardStatus = StatusJson;

export function esc(value: unknown): string {
  return String(value).replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** "2026-12-05 07:20:31 UTC": the same text in the gateway and in any browser's time zone. */
export function absolute(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

function time(iso: string, field: string, text: string): string {
  return `<time data-field="${esc(field)}" datetime="${esc(iso)}">${esc(text)}</time>`;
}

const HEALTH_WORDS: Record<StatusJson["health"], string> = { healthy: "Healthy", attention: "Needs attention", broken: "Broken" };

const LOGIN_HELP =
  `<p>Log in again, on the gateway's host:</p><pre><code>openclaw claude-oauth login</code></pre>` +
  `<p>or send <code>/claude login</code> to the agent in the chat. A login made on a PC works too: ` +
  `<code>claude /login</code> there, then <code>openclaw claude-oauth import -</code> here with the PC's credentials file on stdin.</p>`;

/** One sentence on what the state means for the agents, and what to do when something is wrong. */
export function explain(s: StatusJson, now: number): { summary: string; todo?: string } {
  const advice = adviceFor(s, now);
  const stillValid = s.accessToken && !s.accessToken.expired ? relative(Date.parse(s.accessToken.expiresAt), now).replace(/^in /, "for ") : undefined;
  const error = s.lastError ? ` ${s.lastError.message}` : "";
  switch (advice?.kind) {
    case undefined:
      return { summary: "Agents have a valid token; the plugin refreshes it before it expires." };
    case "log-in":
      if (advice.why === "no-login") return { summary: `There is no Claude login on this server yet (no credentials file at ${s.credentials.path}).`, todo: LOGIN_HELP };
      // The reason is in "Last refresh"; here only what it means for the agents.
      return {
        summary: `The Claude login has ended: the token server refused the refresh token. ${stillValid ? `Agents can still use the current token ${stillValid}; after that they` : "Agents"} cannot use Claude until someone logs in again.`,
        todo: LOGIN_HELP,
      };
    case "replace-file":
      return { summary: `The credentials file ${s.credentials.path} cannot be used.${error}`, todo: `<p>Fix or replace the file, or make a new login:</p><pre><code>openclaw claude-oauth login</code></pre><p>or send <code>/claude login</code> in the chat.</p>` };
    case "check-gateway-log":
      return { summary: "The plugin's service is not running in this gateway.", todo: `<p>Check the gateway log for <code>[claude-oauth-refresh]</code> lines.</p>` };
    case "fix-disk":
      return { summary: `Refreshed tokens could not be saved to ${s.credentials.path} and exist only in the gateway's memory.${error}`, todo: `<p>Make the file writable by the gateway's user (mode 600) right away: a restart now would lose the login.</p>` };
    case "refresh-now":
      return { summary: "The access token has expired and no refresh has succeeded yet: agents cannot use Claude.", todo: `<p>Refresh by hand; if that fails, log in again:</p><pre><code>openclaw claude-oauth refresh\nopenclaw claude-oauth login</code></pre>` };
    case "wait-for-retry": {
      const retry = advice.retryAt !== undefined ? ` The next try is ${relative(advice.retryAt, now)}.` : "";
      const left = stillValid ? ` The current token is still valid ${stillValid}.` : "";
      return {
        summary: `The last refresh failed; the plugin retries by itself.${retry}${left}${error}`,
        todo: `<p>Usually nothing: it fixes itself once the token server answers. If it keeps failing, see the gateway log, then try by hand:</p><pre><code>openclaw claude-oauth refresh</code></pre>`,
      };
    }
    case "log-in-before-end":
      return { summary: `The login ends ${relative(advice.endsAt, now)}; refreshing cannot extend it.`, todo: LOGIN_HELP };
  }
}

function row(label: string, value: string): string {
  return `<div class="row"><dt>${esc(label)}</dt><dd>${value}</dd></div>`;
}

function facts(s: StatusJson, now: number): string {
  const rows: string[] = [];
  if (s.accessToken) {
    const at = Date.parse(s.accessToken.expiresAt);
    rows.push(
      row(
        "Access token",
        s.accessToken.expired
          ? `<span class="bad">expired ${esc(relative(at, now).replace(/ ago$/, ""))} ago</span> (${time(s.accessToken.expiresAt, "access-expires", absolute(s.accessToken.expiresAt))})`
          : `valid, expires <strong data-field="access-remaining">${esc(relative(at, now))}</strong> (${time(s.accessToken.expiresAt, "access-expires", absolute(s.accessToken.expiresAt))})`,
      ),
    );
  }
  rows.push(row("Login ends", s.login ? `${esc(relative(Date.parse(s.login.endsAt), now))} (${time(s.login.endsAt, "login-ends", absolute(s.login.endsAt))})` : "not stated by the credentials (the server ends it when it revokes the refresh token)"));
  if (s.lastRefresh) {
    const ok = s.lastRefresh.result === "ok";
    rows.push(row("Last refresh", `<span class="${ok ? "good" : "bad"}">${ok ? "succeeded" : "failed"}</span> ${time(s.lastRefresh.at, "last-refresh", relative(Math.min(Date.parse(s.lastRefresh.at), now), now))}${s.lastRefresh.message ? `: ${esc(s.lastRefresh.message)}` : ""}`));
  } else {
    rows.push(row("Last refresh", "none since the gateway started"));
  }
  if (s.retryAt) rows.push(row("Next try", `${time(s.retryAt, "retry-at", relative(Date.parse(s.retryAt), now))} (${esc(absolute(s.retryAt))})`));
  else if (s.nextRefreshAt) rows.push(row("Next refresh", `${time(s.nextRefreshAt, "next-refresh", relative(Date.parse(s.nextRefreshAt), now))} (${esc(absolute(s.nextRefreshAt))})`));
  rows.push(row("Credentials file", `<code>${esc(s.credentials.path)}</code>${s.credentials.mode ? ` (mode ${esc(s.credentials.mode)})` : ""}`));
  rows.push(row("OpenClaw profile", `<code>${esc(s.profileId)}</code>${s.agents?.length ? `, used by ${esc(s.agents.join(", "))}` : ""}`));
  return `<dl class="facts">${rows.join("")}</dl>`;
}

function usage(s: DashboardStatus, now: number): string {
  const windows = windowsInOrder(s.usage?.windows).map(([key, w]) => ({ label: windowLabel(key), pct: Math.max(0, Math.min(100, Number(w.utilization) || 0)), resetsAt: w.resetsAt }));
  const problem = s.usage?.error ? `<p class="muted" data-field="usage-error">Usage unavailable: ${esc(s.usage.error.message)}</p>` : "";
  const x = s.usage?.extraUsage;
  const extra = x ? `<p data-field="extra-usage">Extra usage is on${x.utilization !== undefined ? `: ${esc(Math.round(Number(x.utilization) || 0))}% of its monthly limit used` : ""}.</p>` : "";
  const checked = s.usage?.checkedAt ? `<p class="muted">Checked ${time(s.usage.checkedAt, "usage-checked", relative(Math.min(Date.parse(s.usage.checkedAt), now), now))}.</p>` : "";
  if (windows.length === 0) {
    // A check that found every window empty (a fresh account, or all null) says so, like the CLI and chat.
    const none = checked ? `<p class="muted" data-field="usage-none">No usage recorded yet.</p>` : "";
    return none || extra || problem ? `<section><h2>Usage</h2>${none}${extra}${checked}${problem}</section>` : "";
  }
  const bars = windows.map((w) => {
    const tone = w.pct >= 90 ? "bad" : w.pct >= 70 ? "warn" : "good";
    const reset = w.resetsAt ? `, resets ${relative(Date.parse(w.resetsAt), now)}` : "";
    return `<div class="usage"><div class="usage-label">${esc(w.label)}: ${esc(w.pct.toFixed(0))}% used${esc(reset)}</div><div class="bar" role="meter" aria-valuemin="0" aria-valuemax="100" aria-valuenow="${esc(w.pct.toFixed(0))}"><span class="${tone}" style="width:${esc(w.pct.toFixed(1))}%"></span></div></div>`;
  });
  return `<section><h2>Usage</h2>${bars.join("")}${extra}${checked}${problem}</section>`;
}

const EVENT_WORDS: Record<string, string> = { refreshed: "Refreshed", "refresh-failed": "Refresh failed", "needs-login": "Login ended", "new-login": "New login", "alert-sent": "Alert sent" };

function events(s: StatusJson, now: number): string {
  const list = (s.events ?? []).slice(0, 10);
  if (list.length === 0) return `<section><h2>Last events</h2><p class="muted">Nothing yet since the gateway started.</p></section>`;
  const items = list.map((e) => {
    const tone = e.kind === "refreshed" || e.kind === "new-login" ? "good" : e.kind === "alert-sent" ? "warn" : "bad";
    return `<li><span class="dot ${tone}"></span><span class="what">${esc(EVENT_WORDS[e.kind] ?? e.kind)}</span> ${time(e.at, "event", relative(Math.min(Date.parse(e.at), now), now))}<div class="msg">${esc(e.message)}</div></li>`;
  });
  return `<section><h2>Last events</h2><ol class="events">${items.join("")}</ol></section>`;
}

/** The tab's content: one account, or every account in the order agents use them. */
export function renderDashboard(s: DashboardStatus, now: number): string {
  const accounts = s.accounts ?? [];
  if (accounts.length < 2) return renderAccount(s, now);
  return [...accounts].sort((a, b) => a.place - b.place).map((a) => renderAccount(a, now, a)).join("");
}

function placeLine(a: Pick<AccountStatusJson, "name" | "place" | "lentTo" | "lentBecause" | "movedSessions">): string {
  return `Account ${a.name}: ${placeWords(a.place, a)}`;
}

/** One account's card; with several, it says which account it is and its place in the order. */
function renderAccount(s: DashboardStatus, now: number, named?: Pick<AccountStatusJson, "name" | "place">): string {
  const { summary, todo } = explain(s, now);
  const who = s.account?.email ?? "Claude account";
  const plan = s.account?.subscriptionType ? `<span class="plan">${esc(s.account.subscriptionType)}</span>` : "";
  return (
    `<article class="account" data-health="${esc(s.health)}" data-state="${esc(s.state)}"${named ? ` data-account="${esc(named.name)}"` : ""}>` +
    (named ? `<p class="muted" data-field="place">${esc(placeLine(named))}</p>` : "") +
    `<header><div><h1 data-field="account">${esc(who)}</h1>${plan}</div><span class="badge ${esc(s.health)}" data-field="health">${esc(HEALTH_WORDS[s.health] ?? s.health)}</span></header>` +
    `<p class="summary" data-field="summary">${esc(summary)}</p>` +
    (todo ? `<section class="todo" data-field="todo"><h2>What to do</h2>${todo}</section>` : "") +
    facts(s, now) +
    usage(s, now) +
    events(s, now) +
    `</article>`
  );
}

/** What a failed poll shows above the last good data: how old it is, and how to get updates back. */
export function renderStaleNotice(problem: string, dataAt: number, now: number, host: string): string {
  const age = relative(dataAt, now).replace(/^just now$/, "less than a minute ago");
  // A refused request (the gateway's 401 carries no CORS header) looks like a network error from
  // inside the sandbox, so only a 5xx rules out the blocked cookie.
  const cookie = /\bHTTP 5\d\d\b/.test(problem)
    ? " The gateway answered with an error; this page tries again every few seconds."
    : ` Either the gateway is not answering (restarting?), or this browser blocks the tab's cross-site cookie: allow third-party cookies for <code>${esc(host)}</code> (Chrome: Settings, Privacy and security, Third-party cookies, "Sites allowed to use third-party cookies"), then reload. From a shell: <code>openclaw claude-oauth status</code>.`;
  return `<strong>Not updating</strong> (${esc(problem)}). What you see is from ${esc(age)}.${cookie}`;
}
