import { describe, expect, it } from "vitest";
import { renderDashboardPage, scriptSafeJson } from "./dashboard-page.js";
import type { DashboardStatus } from "./dashboard-view.js";

const NOW = Date.parse("2026-12-05T00:00:00.000Z");

const STATUS: DashboardStatus = {
  state: "ok",
  health: "healthy",
  source: "gateway",
  credentials: { path: "/s/claude-credentials.json", mode: "600" },
  profileId: "anthropic:subscription",
  account: { email: "owner@example.test", subscriptionType: "max" },
  accessToken: { expiresAt: new Date(NOW + 3_600_000).toISOString(), validForMinutes: 60, expired: false },
  unsavedTokens: false,
  events: [{ at: new Date(NOW).toISOString(), kind: "refreshed", message: "</script><script>alert(1)</script>" }],
};

const opts = { now: NOW, statusPath: "/plugins/claude-oauth-refresh/status", pollMs: 5000 };

describe("dashboard page", () => {
  it("carries the data in its first paint, with no external resource", () => {
    const html = renderDashboardPage(STATUS, { ...opts, viewModule: "export function renderDashboard(){return ''}" });
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<main id="app"><article class="account" data-health="healthy"');
    expect(html).toContain("owner@example.test");
    expect(html).toContain('<meta name="viewport"');
    // No CDN, no web font, no external script or stylesheet: it works with no network.
    expect(html).not.toMatch(/\b(?:src|href)=["']?(?:https?:)?\/\//i);
    expect(html).not.toMatch(/@import|@font-face|url\(/i);
    // Read-only: nothing that could POST.
    expect(html).not.toMatch(/<form|<button|method:\s*["']POST/i);
  });

  it("embeds the status as JSON that cannot close its script element", () => {
    const html = renderDashboardPage(STATUS, { ...opts, viewModule: "" });
    const json = /<script type="application\/json" id="initial-status">(.*?)<\/script>/s.exec(html)?.[1];
    expect(json).toBeDefined();
    expect(json).not.toContain("</");
    expect(JSON.parse(json ?? "null")).toEqual(STATUS);
    expect(html.match(/<script\b/g)?.length).toBe(2); // the JSON and the module, no injected third
    expect(scriptSafeJson({ a: "\u2028<!--&" })).toBe('{"a":"\\u2028\\u003c!--\\u0026"}');
  });

  it("polls the status route and listens for the host's theme only when the view module is there", () => {
    const live = renderDashboardPage(STATUS, { ...opts, viewModule: "/*VIEW*/" });
    expect(live).toContain("/*VIEW*/");
    expect(live).toContain('const STATUS_PATH = "/plugins/claude-oauth-refresh/status"');
    expect(live).toContain('data.type !== "openclaw:widget-theme"');
    // The poll carries the page's secret and takes the next one from each answer.
    const withSecret = renderDashboardPage(STATUS, { ...opts, viewModule: "", pageSecret: "abc.SIG" });
    expect(withSecret).toContain('let secret = "abc.SIG"');
    expect(withSecret).toContain('STATUS_PATH + "?" + SECRET_PARAM + "=" + encodeURIComponent(secret)');
    expect(withSecret).toContain("res.headers.get(SECRET_HEADER)");
    const still = renderDashboardPage(STATUS, opts);
    expect(still).not.toContain("<script type=\"module\">");
    expect(still).toContain("Reload to update");
  });
});
