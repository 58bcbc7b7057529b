import { fmtMs, markdownTable } from "./lib/stats.js";
import type { AccountsDayResult, DayFigures } from "./parts/accounts-day.js";
import type { AccountsGatewayResult, AccountsGatewaySummary } from "./parts/accounts-gateway.js";

/** Part 7's rows in the summary table and its section of bench/results.md (kept apart from report.ts). */

type Row = [string, string, string, string, string];

const verdict = (ok: boolean): string => (ok ? "PASS" : "FAIL");
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const num = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(1));
const ratio = (x: number): string => `×${x.toFixed(2)}`;

/** "a / b / c" over the runs, in the order of the account counts. */
function joined<T>(items: readonly T[], f: (x: T) => string): string {
  return items.map(f).join(" / ");
}

/** Per account, and each count's per-account figure against the 1-account run's. */
function perAccount(runs: readonly DayFigures[], f: (r: DayFigures) => number, digits = 1): string {
  const base = runs[0];
  const per = runs.map((r) => f(r) / r.accounts);
  const baseline = base ? f(base) / base.accounts : Number.NaN;
  const vs = baseline > 0 ? ` (${per.slice(1).map((x) => ratio(x / baseline)).join(", ")} vs 1 account)` : "";
  return `per account ${per.map((x) => x.toFixed(digits)).join(" / ")}${vs}`;
}

/** What each account beyond the first adds, from the smallest to the largest run. */
function marginal(runs: readonly DayFigures[], f: (r: DayFigures) => number): string {
  const first = runs[0];
  const last = runs.at(-1);
  if (!first || !last || last.accounts === first.accounts) return "n/a";
  return ((f(last) - f(first)) / (last.accounts - first.accounts)).toFixed(1);
}

/** What each extra account adds, from the difference to the 1-account gateway. */
function perExtra(s: readonly AccountsGatewaySummary[], f: (x: AccountsGatewaySummary) => number, unit: (x: number) => string): string {
  const base = s[0];
  if (!base) return "";
  return s
    .slice(1)
    .map((x) => `${x.accounts}: ${f(x) - f(base) >= 0 ? "+" : ""}${unit(f(x) - f(base))} (${unit((f(x) - f(base)) / (x.accounts - base.accounts))} per extra account)`)
    .join("; ");
}

export function accountsRows(day: AccountsDayResult | undefined, gw: AccountsGatewayResult | undefined, error: string | undefined): Row[] {
  const rows: Row[] = [];
  const counts = (day?.runs.map((r) => r.accounts) ?? gw?.summaries.map((s) => s.accounts) ?? []).join(" / ");
  if (day) {
    const r = day.runs;
    const usageOk = r.every((x) => x.usageRequests <= x.accounts * (24 * 60) / day.usageCheckMinutes + x.posts);
    rows.push(
      ["7", `Simulated day, ${counts} accounts (real AccountPool + RefreshServices, ${day.tokenHours}-h tokens): token POSTs per day`, `${joined(r, (x) => num(x.posts))}; ${perAccount(r, (x) => x.posts, 2)}`, "—", "info"],
      ["7", "Same: usage GETs per day", `${joined(r, (x) => num(x.usageRequests))}; ${perAccount(r, (x) => x.usageRequests)}`, `≤ ${(24 * 60) / day.usageCheckMinutes} + POSTs per account`, verdict(usageOk)],
      ["7", "Same: timers fired per day / pending at the end", `fired ${joined(r, (x) => num(x.timersFired))}, pending ${joined(r, (x) => String(x.timersPending))}; fired ${perAccount(r, (x) => x.timersFired, 0)}`, "—", "info"],
      ["7", "Same: V8 heap the pool and its services hold (after GC)", `${joined(r, (x) => `${(x.heapMb * 1024).toFixed(0)} KB`)}; ${perAccount(r, (x) => x.heapMb * 1024, 0)} KB; each extra account ${marginal(r, (x) => x.heapMb * 1024)} KB`, "—", "info"],
      ["7", "Same: one-minute samples where an account's published token was expired", joined(r, (x) => String(x.expiredSamples)), "0", verdict(r.every((x) => x.expiredSamples === 0))],
    );
  }
  if (gw) {
    const s = gw.summaries;
    const fromReady = (x: AccountsGatewaySummary) => `${secs(x.spread.allValidMs[0])}–${secs(x.spread.allValidMs[1])}`;
    const startsOk = s.every((x) => x.posts === 0 && x.usageRequests === x.accounts);
    rows.push(
      ["7", `Gateway, ${counts} accounts: spawn → ready and every account's "Token still valid" (median of ${s[0]?.runs ?? 0})`, `${joined(s, (x) => secs(x.allValidMs))} (runs ${joined(s, fromReady)}); ${perExtra(s, (x) => x.allValidMs, fmtMs)}`, "—", "info"],
      ["7", "Same starts, gateway's own log: the plugin's first line → the last account's \"Token still valid\" (after the gateway is ready: the accounts start on its gateway_start hook)", `${joined(s, (x) => fmtMs(x.pluginStartMs))}; ${perExtra(s, (x) => x.pluginStartMs, fmtMs)}`, "—", "info"],
      ["7", "Same starts, gateway's own log: each extra account's own start (\"Account X added\" → its \"Token still valid\"; they overlap), median", joined(s.slice(1), (x) => `${x.accounts} accounts ${fmtMs(x.accountStartMs)}`), "—", "info"],
      ["7", `Same starts: peak RSS of the gateway process tree / RSS ${gw.tailMs / 1000} s after the last account was valid`, `peak ${joined(s, (x) => `${x.peakTreeMb.toFixed(0)}`)} MB, end ${joined(s, (x) => `${x.endTreeMb.toFixed(0)}`)} MB; at the end ${perExtra(s, (x) => x.endTreeMb, (v) => `${v.toFixed(1)} MB`)}`, "—", "info"],
      ["7", "Same starts: token POSTs / usage GETs the fakes saw (spawn → all valid + tail), median", `POSTs ${joined(s, (x) => num(x.posts))}; usage GETs ${joined(s, (x) => num(x.usageRequests))}`, "0 POSTs (8-h tokens), 1 usage GET per account", verdict(startsOk)],
    );
  }
  if (!day || !gw) rows.push(["7", "Cost per account", `ERROR: ${error ?? "not run"}`, "—", "FAIL"]);
  return rows;
}

export function accountsSection(day: AccountsDayResult | undefined, gw: AccountsGatewayResult | undefined): string[] {
  if (!day && !gw) return [];
  const lines: string[] = ["## 7. Cost per account", ""];
  if (gw) {
    lines.push(
      `### 7a. In a real gateway`,
      "",
      `One gateway home (plugin installed by the test harness's \`createGateway\`), \`usageUrl\` on a fake usage endpoint, \`usageCheckMinutes\` ${gw.usageCheckMinutes}, 8-hour logins from the fake token endpoint. The extra accounts are credentials files in \`<stateDir>/claude-oauth-refresh/accounts/\` written before each start (what \`import --account\` writes; the plugin discovers them as it starts). Order of the starts: ${gw.order.join(" ")}, mirrored so every count sees the same average position. RSS: VmRSS summed over the gateway's process tree every 100 ms from spawn to the last account's "Token still valid" + ${gw.tailMs / 1000} s. Requests are counted over that same window.`,
      "",
      markdownTable(
        ["run", "accounts", "ready", "all valid", "plugin start-up", "each account's start", "services phase", "peak tree RSS", "tree RSS at end", "POSTs", "usage GETs", "load", "other gateways"],
        gw.runs.map((x, i) => [
          String(i + 1),
          String(x.accounts),
          secs(x.readyMs),
          secs(x.allValidMs),
          fmtMs(x.pluginStartMs),
          fmtMs(x.accountStartMs),
          fmtMs(x.sidecarsMs),
          `${x.peakTreeMb.toFixed(0)} MB`,
          `${x.endTreeMb.toFixed(0)} MB`,
          String(x.posts),
          String(x.usageRequests),
          x.loadAvg.toFixed(2),
          String(x.foreignGateways),
        ]),
      ),
      "",
      `"all valid": spawn → the gateway is ready and every account's "Token still valid" line was printed; "plugin start-up": the plugin's first log line → the last account's "Token still valid" line, by the gateway's own timestamps (the accounts start once the gateway is ready, on its gateway_start hook, so this time comes after "ready", not in it; the plugin starts its accounts side by side, each taking its lock, finishing any interrupted write and reading its file); "each account's start": median over the extra accounts of "Account X added" → its "Token still valid", which overlap, so they do not add up. Single gateway starts on this shared 2-core machine vary by seconds, more than a few accounts add: the plugin start-up column is the finer measure.`,
      "",
    );
  }
  if (day) {
    const r = day.runs;
    lines.push(
      `### 7b. A simulated day`,
      "",
      `The real AccountPool and RefreshService from build/ (real credentials files, locks and fsync, one file per account) on the month's simulated clock, an in-memory rotating token endpoint and an in-memory usage GET; ${day.tokenHours}-hour tokens with expiries spread over the 8 hours (accounts logged in at different moments), refresh ${day.refreshBeforeExpiryMinutes} min before expiry, a usage check every ${day.usageCheckMinutes} min (the defaults). Counted from the end of start-up over ${r[0]?.days ?? 0} simulated day(s), per day. A token is refreshed ${day.refreshBeforeExpiryMinutes} min before it expires, so once every ${day.tokenHours - day.refreshBeforeExpiryMinutes / 60} h: ${(24 / (day.tokenHours - day.refreshBeforeExpiryMinutes / 60)).toFixed(2)} POSTs a day on average; one account's day holds a whole number of them, which is all the difference in POSTs per account. Heap: V8 heap used after a full GC with the pool running, minus after it was stopped and dropped; one warm-up run first; one measurement each, so differences of a few tens of KB are within run-to-run variation. "pool start": real time of the pool's start (every account's lock, recovery scan and read; no-op publisher), outside any gateway.`,
      "",
      markdownTable(
        ["accounts", "POSTs", "usage GETs", "timers fired", "timers pending", "publishes", "order writes", "log lines", "heap held", "expired samples", "pool start", "real time"],
        r.map((x) => [String(x.accounts), num(x.posts), num(x.usageRequests), num(x.timersFired), String(x.timersPending), num(x.publishes), num(x.rankingWrites), num(x.logLines), `${(x.heapMb * 1024).toFixed(0)} KB`, String(x.expiredSamples), fmtMs(x.startMs), secs(x.realMs)]),
      ),
      "",
      markdownTable(
        ["per account", ...r.map((x) => `${x.accounts} account${x.accounts > 1 ? "s" : ""}`), ...r.slice(1).map((x) => `${x.accounts} vs 1`)],
        (
          [
            ["POSTs / day", (x: DayFigures) => x.posts],
            ["usage GETs / day", (x: DayFigures) => x.usageRequests],
            ["timers fired / day", (x: DayFigures) => x.timersFired],
            ["timers pending", (x: DayFigures) => x.timersPending],
            ["log lines / day", (x: DayFigures) => x.logLines],
            ["heap held (KB)", (x: DayFigures) => x.heapMb * 1024],
          ] as const
        ).map(([name, f]) => {
          const per = r.map((x) => f(x) / x.accounts);
          const base = per[0] ?? Number.NaN;
          return [name, ...per.map((v) => v.toFixed(1)), ...per.slice(1).map((v) => ratio(v / base))];
        }),
      ),
      "",
      "Timers: each account's service wakes once a minute (it watches the wall clock for suspends and jumps) and its usage monitor every 10 minutes; the pool wakes once a minute to look for new account files, whatever the number of accounts, which is why the per-account count falls as accounts are added. Order writes: the pool writes the profile order into OpenClaw's stores only when it changes.",
      "",
    );
  }
  return lines;
}
