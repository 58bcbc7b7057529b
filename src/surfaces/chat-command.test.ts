import { describe, expect, it } from "vitest";
import { NOT_RUNNING, runChatCommand, type ChatService } from "./chat-command.js";
import { resolveConfig } from "../core/config.js";
import type { Logger } from "../core/logger.js";
import { PendingLogin } from "../login/pending-login.js";
import type { RefreshReport, ServiceStatus } from "../service.js";

const NOW = Date.parse("2026-12-01T12:00:00.000Z");
const config = resolveConfig({ credentialsPath: "/srv/c.json", authorizeUrl: "https://claude.ai/oauth/authorize" }, { stateDir: "/srv" });
const logs: string[] = [];
const logger: Logger = { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) };

function fakeService(): ChatService & { forced: boolean[] } {
  const status = (): ServiceStatus => ({ state: "ok", credentialsPath: "/srv/c.json", profileId: "anthropic:subscription", unsavedTokens: false, accessTokenExpiresAt: NOW + 90 * 60_000, account: { email: "you@example.com" } });
  const forced: boolean[] = [];
  return {
    forced,
    status,
    refreshNow: async (o?: { force?: boolean }): Promise<RefreshReport> => {
      forced.push(o?.force === true);
      return { refreshed: true, kind: "refreshed", message: "Token refreshed", status: status() };
    },
    reload: async () => status(),
  };
}

function deps(service = fakeService(), running = true) {
  return { current: () => (running ? { service, config } : undefined), pending: new PendingLogin(() => NOW), logger, now: () => NOW };
}

describe("runChatCommand", () => {
  it("status and refresh (forced) answer with the summary", async () => {
    const service = fakeService();
    expect(await runChatCommand("", deps(service))).toMatch(/^Claude login: healthy ✅\nAccount: you@example\.com\nToken valid for 1 h 30 min/);
    const refreshed = await runChatCommand("refresh", deps(service));
    expect(refreshed).toMatch(/^Refreshed just now\.\nClaude login: healthy/);
    expect(service.forced).toEqual([true]);
  });

  it("help and an unknown subcommand need no running service", async () => {
    expect(await runChatCommand("help", deps(fakeService(), false))).toContain("/claude refresh:");
    expect(await runChatCommand("bogus", deps(fakeService(), false))).toMatch(/^Unknown subcommand "bogus"\.\n\/claude:/);
    expect(await runChatCommand("status", deps(fakeService(), false))).toBe(NOT_RUNNING);
  });

  it("login: the link carries the pending login's state; a code with no login pending is refused", async () => {
    const d = deps();
    expect(await runChatCommand("login abc#def", d)).toMatch(/^Login refused: No login is waiting/);
    const reply = await runChatCommand("login", d);
    const url = new URL(/https:\/\/\S+/.exec(reply)?.[0] ?? "");
    expect(url.origin + url.pathname).toBe("https://claude.ai/oauth/authorize");
    expect(url.searchParams.get("state")?.length).toBeGreaterThanOrEqual(32);
    expect(await runChatCommand("login abc#not-the-state", d)).toMatch(/^Login refused: .*state mismatch/);
    expect(logs.join("\n")).not.toContain("abc");
  });
});
