import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { relative } from "../status/durations.js";
import { absolute, esc, explain, renderDashboard, renderStaleNotice, type DashboardStatus } from "./dashboard-view.js";
import { joinModules } from "./dashboard-script.js";
import { parseUsageAnswer } from "../accounts/usage.js";
import { toUsageJson } from "../status/build.js";

const NOW = Date.parse("2026-12-05T00:00:00.000Z");
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

function status(partial: Partial<DashboardStatus> = {}): DashboardStatus {
  return {
    state: "ok",
    health: "healthy",
    source: "gateway",
    credentials: { path: "/home/u/.openclaw/claude-credentials.json", mode: "600" },
    profileId: "anthropic:subscription",
    account: { email: "owner@example.test", subscriptionType: "max" },
    accessToken: { expiresAt: iso(NOW + 479 * MIN), validForMinutes: 479, expired: false },
    login: { endsAt: iso(NOW + 29.9 * 1440 * MIN), endsInDays: 29.9 },
    nextRefreshAt: iso(NOW + 470 * MIN),
    unsavedTokens: false,
    events: [],
    ...partial,
  };
}

/** The page's text as a person reads it (tags dropped, entities decoded, spaces collapsed). */
function text(html: string): string {
  return html
    .replace(/<[^>]+>/g, " ")
    .replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)))
    .replace(/\s+/g, " ")
    .trim();
}

describe("dashboard view", () => {
  it("healthy: account, plan, state in words, validity, login end, next refresh", () => {
    const t = text(renderDashboard(status(), NOW));
    expect(t).toMatch(/^owner@example\.test max Healthy Agents have a valid token/);
    expect(t).toMatch(/Access token valid, expires in 7 h 59 min \( ?2026-12-05 07:59:00 UTC ?\)/);
    expect(t).toContain("Login ends in 29.9 days");
    expect(t).toContain("Next refresh in 7 h 50 min");
    expect(t).toContain("Last refresh none since the gateway started");
    expect(t).toContain("Nothing yet since the gateway started.");
    expect(t).not.toContain("What to do");
    expect(renderDashboard(status(), NOW)).toContain('class="badge healthy"');
  });

  it.each<[string, Partial<DashboardStatus>, string, RegExp]>([
    ["needs-login", { state: "needs-login", health: "broken" }, "Broken", /openclaw claude-oauth login .*\/claude login/],
    ["no credentials", { state: "no-credentials", health: "broken", accessToken: undefined }, "Broken", /openclaw claude-oauth login/],
    ["invalid credentials", { state: "invalid-credentials", health: "broken", lastError: { code: "credentials_invalid", message: "Not JSON." } }, "Broken", /Fix or replace the file/],
    ["retrying", { state: "retrying", health: "attention", retryAt: iso(NOW + 2 * MIN) }, "Needs attention", /openclaw claude-oauth refresh/],
    ["login ends soon", { health: "attention", login: { endsAt: iso(NOW + 2 * 1440 * MIN), endsInDays: 2 } }, "Needs attention", /openclaw claude-oauth login/],
    ["unsaved tokens", { health: "attention", unsavedTokens: true }, "Needs attention", /writable/],
    ["expired", { health: "broken", accessToken: { expiresAt: iso(NOW - 5 * MIN), validForMinutes: 0, expired: true } }, "Broken", /openclaw claude-oauth refresh/],
  ])("%s: %s, with what to do", (_name, partial, words, todo) => {
    const html = renderDashboard(status(partial), NOW);
    const t = text(html);
    expect(t).toContain(words);
    expect(t).toContain("What to do");
    expect(t).toMatch(todo);
    expect(html).toContain(`class="badge ${partial.health}"`);
  });

  it("needs-login says how long the agents can still work, without repeating the server's reason", () => {
    const s = status({ state: "needs-login", health: "broken", lastError: { code: "needs_login", message: "the refresh token was rejected (HTTP 400 invalid_grant)." } });
    expect(explain(s, NOW).summary).toBe("The Claude login has ended: the token server refused the refresh token. Agents can still use the current token for 7 h 59 min; after that they cannot use Claude until someone logs in again.");
    const expired = status({ state: "needs-login", health: "broken", accessToken: { expiresAt: iso(NOW - MIN), validForMinutes: 0, expired: true } });
    expect(explain(expired, NOW).summary).toBe("The Claude login has ended: the token server refused the refresh token. Agents cannot use Claude until someone logs in again.");
  });

  it("retrying says when the next try is and how long the current token still works", () => {
    const s = status({ state: "retrying", health: "attention", retryAt: iso(NOW + 2 * MIN), lastError: { code: "server_error", message: "Token endpoint answered HTTP 503." } });
    expect(explain(s, NOW).summary).toBe("The last refresh failed; the plugin retries by itself. The next try is in 2 min. The current token is still valid for 7 h 59 min. Token endpoint answered HTTP 503.");
  });

  it("escapes every value it shows (a hostile path, email or message cannot inject markup)", () => {
    const evil = `<img src=x onerror="alert(1)">'\`&`;
    const html = renderDashboard(
      status({
        account: { email: evil, subscriptionType: evil },
        credentials: { path: evil, mode: evil },
        profileId: evil,
        agents: [evil],
        lastRefresh: { at: iso(NOW - MIN), result: "failed", message: evil },
        lastError: { code: "x", message: evil },
        state: "invalid-credentials",
        health: "broken",
        events: [{ at: iso(NOW - MIN), kind: evil, message: evil }],
      }),
      NOW,
    );
    expect(html).not.toContain("<img");
    expect(html).not.toMatch(/onerror="/);
    expect(text(html)).toContain(evil);
  });

  it("shows the last ten events, newest first as given, each with its kind in words", () => {
    const events = Array.from({ length: 12 }, (_v, i) => ({ at: iso(NOW - i * MIN), kind: i % 2 ? "refresh-failed" : "refreshed", message: `event ${i}` }));
    const html = renderDashboard(status({ events }), NOW);
    expect(html.match(/<li>/g)?.length).toBe(10);
    const t = text(html);
    expect(t).toContain("Refreshed just now event 0");
    expect(t).toContain("Refresh failed 1 min ago event 1");
    expect(t).not.toContain("event 10");
  });

  it("usage bars only when the status has usage windows (no made-up figures), in reading order", () => {
    expect(renderDashboard(status(), NOW)).not.toContain("Usage");
    const html = renderDashboard(status({ usage: { checkedAt: iso(NOW - 2 * MIN), windows: { sevenDay: { utilization: 95 }, fiveHour: { utilization: 42, resetsAt: iso(NOW + 90 * MIN) } } } }), NOW);
    const t = text(html);
    expect(t).toContain("5-hour: 42% used, resets in 1 h 30 min");
    expect(t.indexOf("5-hour")).toBeLessThan(t.indexOf("week: 95% used"));
    expect(t).toContain("Checked 2 min ago");
    expect(html).toContain('aria-valuenow="95"');
    expect(html).toContain('<span class="bad" style="width:95.0%">');
  });

  it("windows Anthropic added get a bar each under a readable name or their field name; extra usage when on", () => {
    const html = renderDashboard(status({ usage: { checkedAt: iso(NOW - MIN), windows: { fiveHour: { utilization: 61 }, seven_day_oauth_apps: { utilization: 97 }, iguana_necktie: { utilization: 5 } }, extraUsage: { enabled: true, utilization: 24.68 } } }), NOW);
    const t = text(html);
    expect(t).toContain("week OAuth apps: 97% used");
    expect(t).toContain("iguana_necktie: 5% used");
    expect(t).toContain("Extra usage is on: 25% of its monthly limit used.");
    expect(html.match(/role="meter"/g)?.length).toBe(3);
  });

  it("a check that found every window null (recorded answer) says so instead of showing nothing", () => {
    const body = readFileSync(new URL("../../test/fixtures/usage/all-null.json", import.meta.url), "utf8");
    const usage = toUsageJson({ usage: parseUsageAnswer({ status: 200, headers: new Headers(), body }, NOW - MIN) });
    expect(text(renderDashboard(status({ usage }), NOW))).toMatch(/Usage No usage recorded yet\. Checked 1 min ago ?\./);
  });

  it("a failed usage check says so beside the last numbers, or alone", () => {
    const error = { code: "rejected", message: "the usage endpoint refused this login (HTTP 403).", at: iso(NOW) };
    expect(text(renderDashboard(status({ usage: { error } }), NOW))).toContain("Usage unavailable: the usage endpoint refused this login (HTTP 403).");
    const both = text(renderDashboard(status({ usage: { windows: { fiveHour: { utilization: 10 } }, error } }), NOW));
    expect(both).toContain("5-hour: 10% used");
    expect(both).toContain("Usage unavailable");
  });

  it("several accounts: one card each, in the order agents use them, each saying its place", () => {
    const work = { ...status({ account: { email: "work@example.com" } }), name: "work", place: 1 };
    const home = { ...status({ account: { email: "home@example.com" }, state: "needs-login", health: "broken" }), name: "default", place: 2 };
    const html = renderDashboard({ ...status(), accounts: [home, work] }, NOW);
    const t = text(html);
    expect(html.match(/<article /g)?.length).toBe(2);
    expect(t.indexOf("Account work: agents use it first")).toBeLessThan(t.indexOf("Account default: 2nd in line"));
    expect(t.indexOf("work@example.com")).toBeLessThan(t.indexOf("home@example.com"));
    expect(html).toContain('data-account="default">');
    expect(renderDashboard({ ...status(), accounts: [work] }, NOW)).not.toContain("agents use it first");
  });

  it("relative and absolute times", () => {
    expect(relative(NOW + 30_000, NOW)).toBe("in less than a minute");
    expect(relative(NOW - 30_000, NOW)).toBe("just now");
    expect(relative(NOW + 61 * MIN, NOW)).toBe("in 1 h 1 min");
    expect(relative(NOW - 3 * 1440 * MIN, NOW)).toBe("3.0 days ago");
    expect(absolute("2026-12-05T07:20:31.123Z")).toBe("2026-12-05 07:20:31 UTC");
    expect(absolute("garbage")).toBe("garbage");
    expect(esc(`<&>"'\``)).toBe("&#60;&#38;&#62;&#34;&#39;&#96;");
  });

  it("a failed poll says how old the data is and, unless the gateway answered 5xx, how to allow the tab's cookie", () => {
    const t = text(renderStaleNotice("HTTP 401", NOW - 3 * MIN, NOW, "127.0.0.1:18789"));
    expect(t).toMatch(/^Not updating \(HTTP 401\)\. What you see is from 3 min ago\. Either the gateway is not answering \(restarting\?\), or this browser blocks the tab's cross-site cookie: allow third-party cookies for 127\.0\.0\.1:18789/);
    expect(text(renderStaleNotice("Failed to fetch", NOW - 10_000, NOW, "h"))).toMatch(/^Not updating \(Failed to fetch\)\. What you see is from less than a minute ago\. Either .* allow third-party cookies for h /);
    expect(text(renderStaleNotice("HTTP 503", NOW - 10_000, NOW, "h"))).toBe("Not updating (HTTP 503). What you see is from less than a minute ago. The gateway answered with an error; this page tries again every few seconds.");
  });

  it("runs in the page: joined with the browser-safe modules it imports, it parses and renders the same", async () => {
    // What the route inlines, built here from the sources (tsc's output keeps the same imports).
    const read = async (url: URL) => ts.transpileModule(readFileSync(new URL(url.href.replace(/\.js$/, ".ts")), "utf8"), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true } }).outputText;
    const joined = await joinModules(new URL("./dashboard-view.js", import.meta.url), read);
    expect(joined).not.toMatch(/^\s*import\s/m);
    for (const source of [joined]) expect(source).not.toMatch(/\b(require|process|Buffer|globalThis)\b/);
    const dir = mkdtempSync(path.join(os.tmpdir(), "dashboard-script-"));
    const file = path.join(dir, "view.mjs");
    writeFileSync(file, joined);
    const page = (await import(pathToFileURL(file).href)) as { renderDashboard: typeof renderDashboard };
    const s = status({ usage: { checkedAt: iso(NOW - MIN), windows: { fiveHour: { utilization: 40 }, seven_day_oauth_apps: { utilization: 80 } } } });
    expect(page.renderDashboard(s, NOW)).toBe(renderDashboard(s, NOW));
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses to join a renamed import (the page would miss the name)", async () => {
    const files: Record<string, string> = { "a.js": 'import { x as y } from "./b.js";\nexport const z = y;', "b.js": "export const x = 1;" };
    await expect(joinModules(new URL("file:///v/a.js"), async (url) => files[url.pathname.slice(3)] ?? "")).rejects.toThrow(/renamed import/);
  });
});
