// A real browser for the dashboard suite: Debian's chromium (apt; scripts/setup.mjs says how, or installs it as root)
// driven by playwright-core. Playwright's own browser download cannot work here (no internet), so
// the executable is given. Each context gets a fresh profile directory in the suite's temp home.
//
// Measured (Debian chromium 156, OpenClaw 2026.9.6): a plugin tab's frame is sandboxed with an
// opaque origin, and its cookie grant is a third-party cookie. With the profile's default cookie
// settings the frame loads once and every request the page makes itself gets 401; with
// third-party cookies allowed (profile preference `cookie_controls_mode: 0`) its polls succeed.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

export { CHROMIUM } from "../../scripts/test-peers.mjs";
import { CHROMIUM } from "../../scripts/test-peers.mjs";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface BrowserOptions {
  /** Profile directory (created). */
  profileDir: string;
  /** Allow third-party cookies, as an operator does for gateway-auth plugin tabs. */
  allowThirdPartyCookies: boolean;
  viewport?: { width: number; height: number };
  colorScheme?: "light" | "dark";
}

export async function launchBrowser(o: BrowserOptions): Promise<BrowserContext> {
  mkdirSync(join(o.profileDir, "Default"), { recursive: true });
  if (o.allowThirdPartyCookies) {
    // 0 = allow all cookies (chrome://settings/cookies "Allow third-party cookies").
    writeFileSync(join(o.profileDir, "Default", "Preferences"), JSON.stringify({ profile: { cookie_controls_mode: 0, block_third_party_cookies: false } }));
  }
  return chromium.launchPersistentContext(o.profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: o.viewport ?? { width: 1280, height: 900 },
    colorScheme: o.colorScheme ?? "light",
    timeout: 120_000,
  });
}
