import { promises as fs } from "node:fs";
import path from "node:path";
import { startFakeUsageEndpoint, type FakeUsageEndpoint } from "../../test/support/fake-usage-endpoint.js";
import { claudeCredentialsJson, type MintedLogin } from "../../test/support/fake-token-endpoint.js";
import { PLUGIN_ID } from "../../test/support/gateway.js";
import { GatewaySession, timedLines } from "../lib/session.js";
import { median, sleep } from "../lib/stats.js";

/**
 * 7a. What each account costs a real gateway: one gateway home (plugin installed by the test
 * harness), started with 1, 5 and 20 accounts in turn. The extra accounts are credentials files
 * in `<stateDir>/claude-oauth-refresh/accounts/` (what `import --account` writes), present before
 * the start, so the plugin discovers them while it starts. Measured per start: time until the
 * gateway is ready and every account has said "Token still valid", peak RSS of the process tree,
 * and the token POSTs and usage GETs the fakes saw.
 */

export interface AccountsStart {
  accounts: number;
  /** spawn -> /healthz 200 and "[gateway] ready" (the harness's start()). */
  readyMs: number;
  /** spawn -> the gateway is ready AND every account's "Token still valid" line has been printed. */
  allValidMs: number;
  /** Gateway's own log: the plugin's first line -> the last account's "Token still valid" line. */
  pluginStartMs: number;
  /** Gateway's own log: "starting channels and sidecars" -> "[gateway] ready". */
  sidecarsMs: number;
  /** Gateway's own log, median over the extra accounts: "Account X added" -> "[X] Token still valid" (NaN with 1 account). */
  accountStartMs: number;
  peakTreeMb: number;
  /** RSS of the tree at the end of the window (after start-up's peak has passed). */
  endTreeMb: number;
  posts: number;
  usageRequests: number;
  /** Length of the window the requests were counted in: spawn -> all valid + tail. */
  windowMs: number;
  loadAvg: number;
  foreignGateways: number;
}

export interface AccountsGatewaySummary {
  accounts: number;
  runs: number;
  readyMs: number;
  allValidMs: number;
  pluginStartMs: number;
  sidecarsMs: number;
  accountStartMs: number;
  peakTreeMb: number;
  endTreeMb: number;
  posts: number;
  usageRequests: number;
  spread: { allValidMs: [number, number]; pluginStartMs: [number, number]; peakTreeMb: [number, number]; endTreeMb: [number, number] };
}

export interface AccountsGatewayResult {
  order: number[];
  tailMs: number;
  usageCheckMinutes: number;
  runs: AccountsStart[];
  summaries: AccountsGatewaySummary[];
}

const VALID_LINE = /\[claude-oauth-refresh\] (?:\[[a-z0-9-]+\] )?Token still valid for \d+ minutes/;
const PLUGIN_LINE = /\[claude-oauth-refresh\]/;
const TAIL_MS = 5_000;
const USAGE_CHECK_MINUTES = 10;

export const extraAccountName = (i: number): string => `acct-${String(i).padStart(2, "0")}`;

/** Exactly `n - 1` extra account files (plus `default`, the configured one): writes missing ones, removes the rest. */
async function setAccounts(dir: string, logins: readonly MintedLogin[], n: number): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  for (const [i, login] of logins.entries()) {
    const file = path.join(dir, `${extraAccountName(i + 1)}.json`);
    if (i < n - 1) await fs.writeFile(file, `${JSON.stringify(claudeCredentialsJson(login), null, 2)}\n`, { mode: 0o600 });
    else await fs.rm(file, { force: true });
  }
}

async function measuredStart(session: GatewaySession, usage: FakeUsageEndpoint, n: number, log: (m: string) => void): Promise<AccountsStart> {
  const gw = session.gw;
  const from = gw.output().length;
  const postsBefore = session.fake.posts.length;
  const usageBefore = usage.requests.length;
  const spawnedAt = Date.now();
  const { ready, sampler, loadAvg } = session.startSampled();
  await ready;
  const readyMs = gw.timings.start ?? Number.NaN;
  const deadline = Date.now() + 120_000;
  while (timedLines(gw.output().slice(from), VALID_LINE).length < n) {
    if (Date.now() > deadline) throw new Error(`${n} accounts: only ${timedLines(gw.output().slice(from), VALID_LINE).length} "Token still valid" lines within 120 s of ready`);
    await sleep(100);
  }
  const allValidAt = Math.max(spawnedAt + readyMs, ...timedLines(gw.output().slice(from), VALID_LINE).map((l) => l.at));
  await sleep(TAIL_MS);
  const endTreeKb = sampler.sample().treeKb;
  const s = sampler.stop();
  const windowMs = Date.now() - spawnedAt;
  const posts = session.fake.posts.length - postsBefore;
  const usageRequests = usage.requests.length - usageBefore;
  const out = gw.output().slice(from);
  await session.stop();

  const valid = timedLines(out, VALID_LINE);
  if (valid.length !== n) throw new Error(`${n} accounts: ${valid.length} "Token still valid" lines`);
  const pluginFirst = timedLines(out, PLUGIN_LINE)[0];
  const readyLine = timedLines(out, /\[gateway\] ready\b/)[0];
  const sidecarsLine = timedLines(out, /\[gateway\] starting channels and sidecars/)[0];
  const lastValid = Math.max(...valid.map((l) => l.at));
  const accountStarts = timedLines(out, /\] Account [a-z0-9-]+ added/).flatMap((added) => {
    const name = /Account ([a-z0-9-]+) added/.exec(added.text)?.[1] ?? "";
    const ok = valid.find((l) => l.text.includes(`[${name}] Token still valid`));
    return ok ? [ok.at - added.at] : [];
  });
  const run: AccountsStart = {
    accounts: n,
    readyMs,
    allValidMs: allValidAt - spawnedAt,
    pluginStartMs: pluginFirst ? lastValid - pluginFirst.at : Number.NaN,
    sidecarsMs: sidecarsLine && readyLine ? readyLine.at - sidecarsLine.at : Number.NaN,
    accountStartMs: median(accountStarts),
    peakTreeMb: s.peakTreeKb / 1024,
    endTreeMb: endTreeKb / 1024,
    posts,
    usageRequests,
    windowMs,
    loadAvg,
    foreignGateways: s.foreignGateways,
  };
  log(
    `    ${String(n).padStart(2)} accounts: ready ${(readyMs / 1000).toFixed(2)} s, all valid ${(run.allValidMs / 1000).toFixed(2)} s, plugin start-up ${run.pluginStartMs} ms (one extra account ${Number.isNaN(run.accountStartMs) ? "—" : `${run.accountStartMs} ms`}), ` +
      `peak tree RSS ${run.peakTreeMb.toFixed(0)} MB, at the end ${run.endTreeMb.toFixed(0)} MB; ${posts} POSTs, ${usageRequests} usage GETs in ${(windowMs / 1000).toFixed(0)} s; load ${loadAvg}, other gateways ${s.foreignGateways}`,
  );
  await sleep(2_000); // let the machine settle before the next start
  return run;
}

/** 1 5 20 20 5 1 ...: every count sees the same average position in the sequence, cancelling drift. */
export function mirroredOrder(counts: readonly number[], repeats: number): number[] {
  const order: number[] = [];
  for (let r = 0; r < repeats; r++) order.push(...(r % 2 === 0 ? counts : [...counts].reverse()));
  return order;
}

function summarize(runs: readonly AccountsStart[], n: number): AccountsGatewaySummary {
  const mine = runs.filter((r) => r.accounts === n);
  const med = (f: (r: AccountsStart) => number) => median(mine.map(f));
  const range = (f: (r: AccountsStart) => number): [number, number] => [Math.min(...mine.map(f)), Math.max(...mine.map(f))];
  return {
    accounts: n,
    runs: mine.length,
    readyMs: med((r) => r.readyMs),
    allValidMs: med((r) => r.allValidMs),
    pluginStartMs: med((r) => r.pluginStartMs),
    sidecarsMs: med((r) => r.sidecarsMs),
    accountStartMs: med((r) => r.accountStartMs),
    peakTreeMb: med((r) => r.peakTreeMb),
    endTreeMb: med((r) => r.endTreeMb),
    posts: med((r) => r.posts),
    usageRequests: med((r) => r.usageRequests),
    spread: { allValidMs: range((r) => r.allValidMs), pluginStartMs: range((r) => r.pluginStartMs), peakTreeMb: range((r) => r.peakTreeMb), endTreeMb: range((r) => r.endTreeMb) },
  };
}

export async function accountsGateway(opts: { counts: readonly number[]; repeats: number; log: (m: string) => void }): Promise<AccountsGatewayResult> {
  const { log } = opts;
  const usage = await startFakeUsageEndpoint();
  let session: GatewaySession | undefined;
  try {
    log("    creating the gateway home (npm pack, plugin install, config)");
    session = await GatewaySession.create((tokenUrl) => ({ tokenUrl, usageUrl: usage.url, usageCheckMinutes: USAGE_CHECK_MINUTES }));
    log(`    gateway home ready: install ${session.gw.timings.install} ms, configure ${session.gw.timings.configure} ms`);
    // 8-hour logins: no refresh is due during the window, so every POST would be one the accounts caused.
    await session.writeLogin(session.fake.mintLogin());
    const most = Math.max(...opts.counts);
    const extra = Array.from({ length: most - 1 }, () => (session as GatewaySession).fake.mintLogin());
    const dir = path.join(session.gw.stateDir, PLUGIN_ID, "accounts");
    const order = mirroredOrder(opts.counts, opts.repeats);
    const runs: AccountsStart[] = [];
    for (const n of order) {
      await setAccounts(dir, extra, n);
      runs.push(await measuredStart(session, usage, n, log));
    }
    return { order, tailMs: TAIL_MS, usageCheckMinutes: USAGE_CHECK_MINUTES, runs, summaries: opts.counts.map((n) => summarize(runs, n)) };
  } finally {
    if (session) {
      session.saveOutput("accounts-gateway-output.log");
      await session.close().catch((e: unknown) => log(`closing the gateway session: ${String(e)}`));
    }
    await usage.close();
  }
}
