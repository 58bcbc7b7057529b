// `npm run screenshot` (scripts/screenshot.mjs runs this on Node 24): docs/dashboard.png, the
// README's picture of the "Claude" tab as a user sees it today. One real gateway with the plugin,
// the fakes, two accounts with usage windows read from the fake usage endpoint, Debian's chromium:
// log in to the Control UI with the gateway token, click "Claude", wait until both accounts show
// their usage bars, take the picture.
//
// The test gateway lives in a temp folder; a user's lives in their home. So the temp home in the
// page's text is shown as /home/you (the only change made to the page), and the picture is refused
// if any temp path or an address outside example.com is left in it.

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchBrowser } from "../support/browser.js";
import { required, waitFor, writeCredentialsAtomically } from "../support/e2e-helpers.js";
import { claudeCredentialsJson } from "../support/fake-token-endpoint.js";
import { startWorld, type World } from "../support/e2e-world.js";

const target = required(process.argv[2], "usage: dashboard-shot.ts <output.png>");
const ROUTE = "/plugins/claude-oauth-refresh/";
const STATUS = "/plugins/claude-oauth-refresh/status";
const SHOWN_HOME = "/home/you";
const ACCOUNTS = [
  { name: "default", email: "you@example.com", fiveHour: 42, sevenDay: 18 },
  { name: "work", email: "work@example.com", fiveHour: 7, sevenDay: 63 },
] as const;

interface StatusJson {
  accounts?: { name: string; usage?: { windows?: Record<string, unknown> } }[];
}

const log = (s: string): void => void process.stdout.write(`[screenshot] ${s}\n`);
let world: World | undefined;
const profiles = mkdtempSync(join(tmpdir(), "coauth-shot-"));
try {
  const tokens: string[] = [];
  world = await startWorld({
    usage: true,
    pluginConfig: ({ tokens: t, usage }) => ({ tokenUrl: t.url, usageUrl: required(usage, "usage endpoint").url, usageCheckMinutes: 10 }),
    credentials: ({ tokens: t }) => {
      const login = t.mintLogin({ refreshTokenExpiresInSec: 24 * 86_400 });
      tokens.push(login.accessToken);
      const doc = claudeCredentialsJson(login);
      (doc.claudeAiOauth as Record<string, unknown>).accountEmail = ACCOUNTS[0].email;
      return doc;
    },
    beforeStart: (w) => {
      const login = w.tokens.mintLogin({ refreshTokenExpiresInSec: 27 * 86_400 });
      tokens.push(login.accessToken);
      const doc = claudeCredentialsJson(login);
      (doc.claudeAiOauth as Record<string, unknown>).accountEmail = ACCOUNTS[1].email;
      const dir = join(w.gateway.stateDir, "claude-oauth-refresh", "accounts");
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeCredentialsAtomically(join(dir, `${ACCOUNTS[1].name}.json`), doc);
      const resetsAt = new Date(Date.now() + 3 * 3600_000 + 17 * 60_000).toISOString();
      ACCOUNTS.forEach((a, i) => required(w.usage, "usage endpoint").set(required(tokens[i], "token"), { windows: { fiveHour: a.fiveHour, sevenDay: a.sevenDay }, resetsAt }));
    },
    waitFor: /\[claude-oauth-refresh\] Token still valid for \d+ minutes/,
  });
  const gw = world.gateway;
  const base = `http://127.0.0.1:${gw.port}`;
  const token = required(gw.env.OPENCLAW_GATEWAY_TOKEN, "gateway token");
  log(`gateway ready on ${base}; waiting for both accounts' usage`);
  let last: StatusJson | undefined;
  await waitFor("both accounts' usage windows in the status", async () => {
    const res = await fetch(`${base}${STATUS}`, { headers: { authorization: `Bearer ${token}` } });
    last = (await res.json()) as StatusJson;
    const withUsage = (last.accounts ?? []).filter((a) => Object.keys(a.usage?.windows ?? {}).length > 0);
    return withUsage.length === ACCOUNTS.length ? true : undefined;
  }, 120_000).catch((err: unknown) => {
    // The status JSON carries no token: what the page would have shown helps more than the timeout alone.
    log(`last status: ${JSON.stringify(last?.accounts?.map((a) => ({ name: a.name, usage: a.usage })))}`);
    throw err;
  });

  const browser = await launchBrowser({ profileDir: join(profiles, "profile"), allowThirdPartyCookies: true, viewport: { width: 1280, height: 1000 } });
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(`${base}/`, { waitUntil: "domcontentloaded", timeout: 120_000 });
    const secret = page.getByRole("textbox", { name: "Gateway secret" });
    await secret.waitFor({ timeout: 120_000 });
    await secret.fill(token);
    await page.getByRole("button", { name: /^Connect$/ }).click();
    const link = page.locator("nav a.nav-item", { hasText: "Claude" });
    await link.waitFor({ timeout: 120_000 });
    await link.click();
    const frame = await waitFor("the Claude tab with both accounts' usage bars", async () => {
      const f = page.frames().find((x) => new URL(x.url(), "http://x").pathname.startsWith(ROUTE) && new URL(x.url(), "http://x").search === "" && !x.isDetached());
      if (!f) return undefined;
      return (await f.locator(".bar").count()) >= 2 * ACCOUNTS.length && (await f.locator('[data-field="account"]').count()) === ACCOUNTS.length ? f : undefined;
    }, 120_000);
    // The gateway's temp home, as a user's home (text only; nothing else on the page changes).
    // (A string: this runs in the page, and the project's types have no DOM.)
    const text = await frame.evaluate<string>(`(() => {
      const home = ${JSON.stringify(gw.home)};
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) if (n.nodeValue.includes(home)) n.nodeValue = n.nodeValue.split(home).join(${JSON.stringify(SHOWN_HOME)});
      return document.body.innerText;
    })()`);
    const emails = text.match(/[\w.+-]+@[\w.-]+/g) ?? [];
    if (/\/tmp\/|coauth-/.test(text)) throw new Error("a temp path is still on the page");
    if (emails.some((e) => !e.endsWith("@example.com"))) throw new Error(`an address outside example.com is on the page: ${emails.join(", ")}`);
    // The target is "dashboard.png.new" until it is complete (scripts/screenshot.mjs): say the type, the name does not.
    await page.screenshot({ path: target, type: "png", fullPage: true });
    log(`wrote ${target} (${ACCOUNTS.length} accounts: ${emails.join(", ")})`);
  } finally {
    await browser.close().catch(() => undefined);
  }
} finally {
  await world?.close();
  rmSync(profiles, { recursive: true, force: true });
}
