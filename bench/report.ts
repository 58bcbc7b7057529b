import type { MachineInfo } from "./lib/env.js";
import { fmt, fmtMs, markdownTable, median, medianInterval, type Summary } from "./lib/stats.js";
import type { GatewayCostResult } from "./parts/gateway-cost.js";
import type { MonthResult, PolicyFigures } from "./parts/month.js";
import type { PropagationResult } from "./parts/propagation.js";
import type { CommandCostResult } from "./parts/command-cost.js";
import type { Batch, SingleRefresherResult } from "./parts/single-refresher.js";
import type { TransactionResult } from "./parts/transaction.js";
import type { AccountsDayResult } from "./parts/accounts-day.js";
import type { AccountsGatewayResult } from "./parts/accounts-gateway.js";
import { accountsRows, accountsSection } from "./report-accounts.js";

export interface BenchResults {
  machine: MachineInfo;
  sizes: Record<string, number>;
  quick: boolean;
  only: number[] | undefined;
  errors: Record<number, string>;
  totalSeconds: number;
  transaction?: TransactionResult;
  month?: MonthResult;
  gatewayCost?: GatewayCostResult;
  propagation?: PropagationResult;
  singleRefresher?: SingleRefresherResult;
  commandCost?: CommandCostResult;
  accountsDay?: AccountsDayResult;
  accountsGateway?: AccountsGatewayResult;
}

type Row = [string, string, string, string, string];

const verdict = (ok: boolean): string => (ok ? "PASS" : "FAIL");
const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
const dist = (s: Summary): string => `p50 ${fmtMs(s.p50)} / p99 ${fmtMs(s.p99)} / max ${fmtMs(s.max)} (n=${s.n})`;
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function gatewayRows(r: GatewayCostResult): Row[] {
  const w = r.withPlugin;
  const o = r.withoutPlugin;
  const range = (x: [number, number], unit: (n: number) => string) => `${unit(x[0])}–${unit(x[1])}`;
  const mb = (n: number) => n.toFixed(0);
  const s1 = (n: number) => (n / 1000).toFixed(1);
  // Whole starts vary more than the targets here (other work on the 2 cores): each verdict is on the
  // median of the alternating pairs and its confidence interval, and says inconclusive when that
  // interval spans the target.
  const ready = pairedVerdict(r.pairRatios, 1.02, "pairs");
  const rss = pairedVerdict(r.rssPairDiffsMb, 10, "pairs", (mb) => `${mb.toFixed(0)} MB`);
  const addedMs = w.sidecarsMs - o.sidecarsMs;
  const estimated = pairedVerdict(r.sidecarsPairEstimates, 1.02, "pairs");
  return [
    [
      "1",
      "Gateway time to ready (healthz 200 + `[gateway] ready`), with / without plugin, median",
      `median of the ${r.pairRatios.length} pairs' ratios ${ready.paired.toFixed(3)} (${ready.interval}); ratio of medians ${r.readyRatio.toFixed(3)} (${secs(w.readyMs)} / ${secs(o.readyMs)}; runs ${range(r.spread.readyMs.with, s1)} s / ${range(r.spread.readyMs.without, s1)} s)`,
      "≤ 1.02",
      ready.verdict,
    ],
    [
      "1",
      "Peak RSS of the gateway process tree (spawn → ready + 10 s), extra with plugin, median",
      `median of the pairs' differences ${rss.paired >= 0 ? "+" : ""}${rss.paired.toFixed(1)} MB (${rss.interval}); difference of medians ${r.extraRssMb >= 0 ? "+" : ""}${r.extraRssMb.toFixed(1)} MB (${mb(w.peakTreeMb)} / ${mb(o.peakTreeMb)} MB; runs ${range(r.spread.peakTreeMb.with, mb)} / ${range(r.spread.peakTreeMb.without, mb)} MB)`,
      "≤ 10 MB",
      rss.verdict,
    ],
    [
      "1",
      "Same starts, gateway's own log: services phase (\"starting channels and sidecars\" → ready), with / without, median",
      `${fmtMs(w.sidecarsMs)} / ${fmtMs(o.sidecarsMs)} (+${fmtMs(addedMs)}; runs ${range(r.spread.sidecarsMs.with, fmtMs)} / ${range(r.spread.sidecarsMs.without, fmtMs)}); the plugin's first line comes ${fmtMs(r.sidecarsToPluginMs)} into it, its own start-up lines span ${fmtMs(r.pluginStartMs)}`,
      "—",
      "info",
    ],
    [
      "1",
      "Ready-time ratio estimated from that added time, per pair: (ready without + added services time) / ready without",
      `median ${estimated.paired.toFixed(3)} (${estimated.interval})`,
      "≤ 1.02",
      estimated.verdict,
    ],
    firstLineToReadyRow(r),
    postAttachRow(r),
    [
      "1",
      "Same starts, OpenClaw's trace: this plugin's own load + register in the gateway's plugin load (`plugins.gateway-load.plugin.claude-oauth-refresh`), median",
      fmtMs(r.pluginLoadMs),
      "—",
      "info",
    ],
    ["1", "Same starts: CPU time of the tree to ready + 10 s, with / without", `ratio ${r.cpuRatio.toFixed(3)} (${w.cpuSeconds.toFixed(1)} / ${o.cpuSeconds.toFixed(1)} CPU s)`, "—", "info"],
  ];
}

function propagationRows(r: PropagationResult): Row[] {
  return [
    ["2", "Endpoint answer → token in OpenClaw's auth store (published), forced refreshes in one running gateway", dist(r.toStore), "p99 ≤ 1 s", verdict(r.toStore.p99 <= 1000 && r.failedRefreshes === 0)],
    ["2", 'Endpoint answer → plugin logs "Token refreshed" (saved; logged before publishing)', dist(r.toLogged), "—", "info"],
    ["2", "Endpoint answer → first Messages API request of the next agent turn with the new bearer, net of the turn's own latency", dist(r.net), "p99 ≤ 1 s", verdict(r.net.p99 <= 1000 && r.net.n > 0)],
    ["2", "  raw (answer → request), and the turn's fixed latency (send → request, token unchanged)", `raw ${dist(r.raw)}; fixed p50 ${fmtMs(r.baseline.p50)} (n=${r.baseline.n})`, "—", "info"],
    ["2", "Agent turns right after a refresh that still used the old token", `${r.oldTokenTurns} of ${r.turns.filter((t) => t.kind === "after-refresh").length}${r.failedTurns ? ` (${r.failedTurns} turns failed)` : ""}`, "0", verdict(r.oldTokenTurns === 0 && r.failedTurns === 0)],
  ];
}

function raceRows(label: string, race: Batch, baseline: Batch): Row[] {
  return [
    ["3", `${label}: token-endpoint POSTs for ${race.runs.length} concurrent \`openclaw claude-oauth refresh\` on one due token`, `${race.posts}`, "exactly 1", verdict(race.posts === 1 && race.failures === 0)],
    [
      "3",
      `${label}: per-command wall time, due token vs the same ${baseline.runs.length} commands on a token not due`,
      `p50 ${secs(race.wall.p50)}, max ${secs(race.wall.max)} vs p50 ${secs(baseline.wall.p50)}, max ${secs(baseline.wall.max)} (ratio of p50 ${(race.wall.p50 / baseline.wall.p50).toFixed(2)})`,
      "—",
      "info",
    ],
  ];
}

function monthRows(r: MonthResult): Row[] {
  const o = r.ours;
  const s = r.seedPolicy;
  const lostS = (p: PolicyFigures) => p.sampledExpiredS - p.sampledExpiredOutsideLostLoginS;
  return [
    ["4", `Ours: seconds the published token was expired (sampled every minute, ${r.days} d), outside a lost login`, `${o.sampledExpiredOutsideLostLoginS} s (exact: ${fmt(o.exactExpiredOutsideLostLoginS, 1)} s)`, "0", verdict(o.sampledExpiredOutsideLostLoginS === 0)],
    ["4", "Ours: spent refresh tokens reused, not counting the one probe after a lost rotation", `${o.reuses - o.reusesAfterLostRotation}`, "0", verdict(o.reuses - o.reusesAfterLostRotation === 0)],
    ["4", "Ours: refresh POSTs (successful) / lost rotations / reuses after them / expired while the login was lost", `${o.posts} (${o.outcomes.ok}) / ${o.lostRotations} / ${o.reusesAfterLostRotation} / ${lostS(o)} s`, "—", "info"],
    ["4", "Seed policy: expired seconds outside a lost login / while lost", `${s.sampledExpiredOutsideLostLoginS} s / ${lostS(s)} s (exact ${fmt(s.exactExpiredOutsideLostLoginS, 0)} s / ${fmt(s.exactExpiredS - s.exactExpiredOutsideLostLoginS, 0)} s)`, "—", "as measured"],
    ["4", "Seed policy: refresh POSTs (successful) / spent tokens reused (after the lost rotation)", `${s.posts} (${s.outcomes.ok}) / ${s.reuses} (${s.reusesAfterLostRotation})`, "—", "as measured"],
  ];
}

function transactionRows(r: TransactionResult): Row[] {
  const sh = r.noop.shares;
  const rows: Row[] = [
    ["5", "Refresh transaction (lock, read, POST on loopback, persist with fsync, no-op publish)", dist(r.noop.total), "—", "info"],
    ["5", "Share of each phase (mean)", `lock ${pct(sh.lock)}, read ${pct(sh.read)}, POST ${pct(sh.post)}, persist ${pct(sh.persist)}, publish ${pct(sh.publish)}, other ${pct(sh.other)}`, "—", "info"],
    ["5", "Real publish through OpenClaw's SDK (upsertAuthProfileWithLock, outside a gateway)", dist(r.sdk.publish), "—", "info"],
  ];
  if (r.strace) rows.push(["5", "System calls per refresh (strace -c -f, steady state), no-op publish / with SDK publish", `${r.strace.perRefresh.toFixed(0)} / ${r.strace.perRefreshWithSdkPublish.toFixed(0)}`, "—", "info"]);
  else rows.push(["5", "System calls per refresh", `skipped: ${r.straceSkipped ?? "strace unavailable"}`, "—", "info"]);
  return rows;
}

/**
 * Paired ratios against an upper target, judged on their median's confidence interval (the sign
 * test's, stats.ts): PASS when all of it is within the target, FAIL when all of it is over.
 */
function pairedVerdict(ratios: number[], target: number, unit: string, format = (x: number) => x.toFixed(3)): { paired: number; lo: number; hi: number; interval: string; verdict: string } {
  const paired = median(ratios);
  const ci = medianInterval(ratios);
  const interval = `${(ci.coverage * 100).toFixed(0)} % interval ${format(ci.lo)}–${format(ci.hi)}`;
  const verdict = ci.hi <= target ? "PASS" : ci.lo > target ? "FAIL" : `inconclusive: the ${unit}' ${interval} spans ${target}`;
  return { paired, lo: Math.min(...ratios), hi: Math.max(...ratios), interval, verdict };
}

/** Issue 17's measure: the gateway's own log from its first line to ready, each start beside its neighbour of the other arm. */
function firstLineToReadyRow(r: GatewayCostResult): Row {
  const p = pairedVerdict(r.inProcessPairRatios, 1.05, "pairs");
  return [
    "1",
    "Same starts, gateway's own log: first line → ready, with / without",
    `median of the ${r.inProcessPairRatios.length} alternating pairs' ratios ${p.paired.toFixed(3)} (${p.interval}; pairs ${p.lo.toFixed(2)}–${p.hi.toFixed(2)}); ratio of medians ${r.inProcessRatio.toFixed(3)} (${secs(r.withPlugin.inProcessMs)} / ${secs(r.withoutPlugin.inProcessMs)})`,
    "≤ 1.05",
    p.verdict,
  ];
}

/**
 * The finer estimate of the same: OpenClaw's trace phase "runtime.post-attach" holds both loads of
 * the plugin (the gateway's and the model runtime's) and the services phase, so in each pair the
 * phase's added time, put on the first line -> ready of the start without the plugin, estimates
 * the ratio without the rest of the start's noise.
 */
function postAttachRow(r: GatewayCostResult): Row {
  const phase = "runtime.post-attach";
  const estimates = r.postAttachPairEstimates.filter((x) => !Number.isNaN(x));
  const arm = (plugin: boolean) => median(r.runs.filter((x) => x.plugin === plugin).map((x) => x.phases[phase] ?? Number.NaN));
  const p = pairedVerdict(estimates, 1.05, "pairs");
  return [
    "1",
    "First line → ready estimated from OpenClaw's trace, per pair: (first line → ready without + added `runtime.post-attach`, the phase holding both plugin loads and the services phase) / without",
    estimates.length ? `median ${p.paired.toFixed(3)} (${p.interval}); the phase's medians ${fmtMs(arm(true))} / ${fmtMs(arm(false))}` : "no trace",
    "≤ 1.05",
    estimates.length ? p.verdict : "no trace",
  ];
}

/** Part 6: each command's median over the no-op plugin command's median, and the HTTP fast path. */
function commandCostRows(c: CommandCostResult): Row[] {
  const rows: Row[] = [["6", `Floor: \`${c.floor.command}\` (a stand-in plugin's no-op command), gateway running, ${c.rounds} rounds`, dist(c.floor.wall), "—", "info"]];
  for (const a of c.arms) {
    const ours = a.command.includes("claude-oauth");
    const failed = a.failures > 0 ? `; ${a.failures} failed` : "";
    // The verdict uses the median of the per-round ratios and its confidence interval: when that
    // spans the target (other work on the shared cores), it cannot decide and says so.
    const { paired, interval, verdict: pairedOutcome } = pairedVerdict(a.pairedRatios, 1.1, "rounds");
    const ourVerdict = a.failures > 0 ? "FAIL" : pairedOutcome;
    rows.push([
      "6",
      `\`${a.command}\` over the floor, same round (median of ${a.pairedRatios.length} rounds)`,
      `ratio ${paired.toFixed(2)} (${interval}; medians ${fmtMs(a.wall.p50)} / ${fmtMs(c.floor.wall.p50)} = ${a.ratio.toFixed(2)}${failed})`,
      ours ? "≤ 1.10" : "—",
      ours ? ourVerdict : "info",
    ]);
  }
  rows.push(["6", "`GET /plugins/claude-oauth-refresh/status` with gateway auth (the monitoring fast path)", `${dist(c.http.wall)}${c.http.failures ? `; ${c.http.failures} failed` : ""}`, "≤ 100 ms p50", verdict(c.http.wall.p50 <= 100 && c.http.failures === 0)]);
  if (c.metrics) {
    const m = c.metrics;
    rows.push(["6", "`GET /plugins/claude-oauth-refresh/metrics` (Prometheus text), alternated with the status route", `${dist(m.wall)}; first scrape (loads the metrics code) ${fmtMs(m.firstMs)}${m.failures ? `; ${m.failures} failed` : ""}`, "≤ 100 ms p50", verdict(m.wall.p50 <= 100 && m.failures === 0)]);
  }
  return rows;
}

export function renderReport(r: BenchResults): { table: string; markdown: string } {
  const rows: Row[] = [];
  const err = (part: number, what: string): Row => ["" + part, what, `ERROR: ${r.errors[part] ?? r.errors[0] ?? "not run"}`, "—", "FAIL"];
  const want = (part: number) => !r.only || r.only.includes(part);
  if (want(1)) rows.push(...(r.gatewayCost ? gatewayRows(r.gatewayCost) : [err(1, "Cost in the gateway")]));
  if (want(2)) rows.push(...(r.propagation ? propagationRows(r.propagation) : [err(2, "Propagation")]));
  if (want(3)) {
    if (r.singleRefresher) {
      rows.push(...raceRows("Gateway running", r.singleRefresher.withGateway.race, r.singleRefresher.withGateway.baseline));
      rows.push(...raceRows("No gateway", r.singleRefresher.withoutGateway.race, r.singleRefresher.withoutGateway.baseline));
    } else rows.push(err(3, "Single refresher"));
  }
  if (want(4)) rows.push(...(r.month ? monthRows(r.month) : [err(4, "A month simulated")]));
  if (want(5)) rows.push(...(r.transaction ? transactionRows(r.transaction) : [err(5, "Refresh transaction cost")]));
  if (want(6)) rows.push(...(r.commandCost ? commandCostRows(r.commandCost) : [err(6, "Command cost next to OpenClaw's floor")]));
  if (want(7)) rows.push(...accountsRows(r.accountsDay, r.accountsGateway, r.errors[7]));
  const table = markdownTable(["#", "Measure", "Result", "Target", "Verdict"], rows);

  const m = r.machine;
  const lines: string[] = [];
  lines.push("# claude-oauth-refresh benchmark results", "");
  lines.push(`Generated by \`npm run bench\` (scripts/bench.mjs → bench/main.ts)${r.quick ? " — QUICK MODE, reduced sizes" : ""}${r.only ? ` — only parts ${r.only.join(", ")}` : ""}.`, "");
  lines.push(`- Date: ${m.date}`);
  lines.push(`- OpenClaw: ${m.openclawVersion} (gateway on Node ${m.gatewayNode}); plugin ${m.pluginVersion} at commit ${m.gitCommit}`);
  lines.push(`- Node: ${m.hostNode} runs setup and scripts/bench.mjs; ${m.benchNode} runs the bench driver (bench/*.ts by type stripping), the month simulation and the transaction child`);
  lines.push(`- Machine: ${m.cpuModel}, ${m.cores} cores, ${m.ramGb} GB RAM, ${m.kernel}`);
  lines.push(`- Sizes: ${Object.entries(r.sizes).map(([k, v]) => `${k}=${v}`).join(", ")}`);
  lines.push(`- Total run time: ${(r.totalSeconds / 60).toFixed(1)} min (${r.totalSeconds.toFixed(0)} s, including setup)`);
  lines.push("");
  lines.push("Every figure is a count, or a ratio/difference of things measured side by side in this run; no figure is compared with an earlier run.", "");
  lines.push(table, "");

  if (r.gatewayCost) {
    const g = r.gatewayCost;
    lines.push("## 1. Cost in the gateway", "");
    lines.push(`One gateway home (plugin installed by the test harness's \`createGateway\`, an 8-hour login in the credentials file). The plugin is switched with \`plugins.entries.claude-oauth-refresh.enabled\` in the config, the only field \`openclaw plugins disable\` changes. One warm-up start, then the order ${g.order} (W with, O without). RSS: VmRSS summed over the gateway process and its descendants every 100 ms from spawn to ready + 10 s.`, "");
    lines.push(
      markdownTable(
        ["run", "plugin", "ready", "healthz", "in-process", "services phase", "peak tree RSS", "peak main RSS", "CPU s", "procs", "plugin first line", "plugin start-up", "load", "other gateways"],
        [g.warmup, ...g.runs].map((x, i) => [
          i === 0 ? "warm-up" : String(i),
          x.plugin ? "with" : "without",
          secs(x.readyMs),
          secs(x.healthzMs),
          secs(x.inProcessMs),
          fmtMs(x.sidecarsMs),
          `${x.peakTreeMb.toFixed(0)} MB`,
          `${x.peakRootMb.toFixed(0)} MB`,
          x.cpuSeconds.toFixed(1),
          String(x.maxProcesses),
          x.sidecarsToPluginMs === undefined ? "—" : `+${x.sidecarsToPluginMs} ms`,
          x.pluginStartMs === undefined ? "—" : `${x.pluginStartMs} ms`,
          x.loadAvg.toFixed(2),
          String(x.foreignGateways),
        ]),
      ),
      "",
    );
    lines.push(
      `Ready-time ratio of each alternating pair: ${g.pairRatios.map((x) => x.toFixed(3)).join(", ")}. "services phase": from the gateway's "starting channels and sidecars" line (where plugin services start) to "[gateway] ready"; "plugin first line": when the plugin's first log line came in that phase; "plugin start-up": its first to its "Token still valid" line; "load": the 1-minute load average when the start began; "other gateways": OpenClaw gateways outside this benchmark running at the same time (other test suites on the same 2 cores). The alternation cancels drift, not run-to-run noise: each verdict is on the median of the pairs (each start beside its neighbour of the other arm) and that median's 95 % interval (the sign test's, from the order statistics, so one wild start moves it by one rank, not by its size). It says pass or fail only when the whole interval is on one side of the target, and "inconclusive" otherwise; the services phase and OpenClaw's trace phases (the gateway's own timestamps) give the finer estimates.`,
      "",
    );
    const traced = g.phases.filter((p) => p.withMs > 0 || p.withoutMs > 0);
    if (traced.length > 0) {
      lines.push("Where the time goes: the gateway's own start-up trace (`OPENCLAW_GATEWAY_STARTUP_TRACE=1`), each phase's median per arm, the phases the plugin lengthens most first (nested phases overlap, so the column does not add up):", "");
      lines.push(markdownTable(["phase", "with", "without", "added"], traced.slice(0, 12).map((p) => [p.name, fmtMs(p.withMs), fmtMs(p.withoutMs), `${p.withMs - p.withoutMs >= 0 ? "+" : ""}${fmtMs(p.withMs - p.withoutMs)}`])), "");
    }
  }

  if (r.propagation) {
    const p = r.propagation;
    lines.push("## 2. Propagation", "");
    lines.push(
      `${p.refreshes.length} refreshes in one running gateway, each forced through the plugin's gateway method \`claude-oauth.refresh\` from one long-lived RPC client, 0.3 s apart${p.failedRefreshes ? ` (${p.failedRefreshes} failed)` : ""}. ` +
        "The answer moment is taken inside the fake token endpoint; the log line time is the gateway's own timestamp; the store is OpenClaw's SQLite auth store (row authProfiles.store), polled read-only every 5 ms from the bench process, and its own updated_at_ms.",
      "",
    );
    lines.push(
      markdownTable(
        ["interval", "p50", "p99", "max", "n"],
        [
          ["answer → \"Token refreshed\" logged", p.toLogged],
          ["answer → token in the auth store", p.toStore],
          ["\"Token refreshed\" → token in the store (in-gateway publish + ≤ 5 ms polling)", p.logToStore],
          ["answer → store row updated_at_ms (writer's clock)", p.toStoreUpdatedAt],
          ["agent turn fixed latency (send → first request, token unchanged)", p.baseline],
          ["answer → next turn's first request with the new bearer (raw)", p.raw],
          ["same, net of the fixed latency", p.net],
        ].map(([name, s]) => [name as string, fmtMs((s as Summary).p50), fmtMs((s as Summary).p99), fmtMs((s as Summary).max), String((s as Summary).n)]),
      ),
      "",
    );
    lines.push(
      "Agent turns go through the gateway's `agent` method from one long-lived RPC client (bench/rpc-helper.mjs) instead of `openclaw agent` (a 5-10 s CLI start per turn), and are interleaved: a baseline turn, then a forced refresh (`claude-oauth.refresh` with `force: true`) whose answer starts the next turn at once.",
      "",
    );
    if (p.unmatchedLogLines) lines.push(`Note: ${p.unmatchedLogLines} "Token refreshed" lines could not be matched to an answer.`, "");
  }

  if (r.singleRefresher) {
    const s = r.singleRefresher;
    lines.push("## 3. Single refresher", "");
    lines.push("Each batch starts all commands at once (`openclaw claude-oauth refresh --json`, each its own process). The due token is a fresh login whose access token expires in 2 minutes (refresh margin 3 minutes), written just before the batch; POSTs are counted from then until 3 s after the last command ended.", "");
    const b = (x: Batch) => [x.label, String(x.posts), `${secs(x.wall.p50)} / ${secs(x.wall.max)}`, Object.entries(x.kinds).map(([k, v]) => `${k}×${v}`).join(", "), Object.entries(x.via).map(([k, v]) => `${k}×${v}`).join(", "), String(x.failures)];
    lines.push(markdownTable(["batch", "POSTs", "wall p50 / max", "results", "via", "failed"], [s.withGateway.baseline, s.withGateway.race, s.withoutGateway.baseline, s.withoutGateway.race].map(b)), "");
  }

  if (r.month) {
    const mo = r.month;
    lines.push("## 4. A month of uptime, simulated", "");
    lines.push(
      `The real RefreshService from build/ (real credentials file, real locks, fsync) on a simulated clock (timers fire when the simulation advances; wall and monotonic time separate), ${mo.days} days of 8-hour tokens, ${mo.samples} one-minute samples of awake time, ${mo.timersFired} timer firings, ${(mo.realMs / 1000).toFixed(1)} s of real time. ` +
        `The seed policy (poll every 30 min, refresh under 10 min left, no lock, no back-off) runs beside it on the same clock and schedule, each against its own in-memory endpoint (rotation; a spent token answers invalid_grant and revokes the login, like the e2e fake). Fault schedule (seed ${mo.seed}): ${mo.windows["5xx"]} windows of 5xx, ${mo.windows["429"]} of 429 with Retry-After, ${mo.windows.timeout} of timeouts (outcome_unknown, not rotated), ${mo.windowHours.toFixed(1)} h in all; a lost rotation (the server rotates, the answer is lost) with the operator logging in again 4 h after it; and:`,
      "",
    );
    for (const e of mo.events) lines.push(`- ${e}`);
    lines.push("");
    const f = (p: PolicyFigures) => [
      p.name,
      `${p.sampledExpiredS} s`,
      `${p.sampledExpiredOutsideLostLoginS} s`,
      `${fmt(p.exactExpiredS, 1)} s`,
      `${fmt(p.longestExpiredStretchS, 0)} s`,
      `${p.sampledRevokedS} s`,
      `${p.posts}`,
      Object.entries(p.outcomes).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(", "),
      `${p.reuses} (${p.reusesAfterLostRotation} after lost rotation)`,
      `${p.publications}`,
    ];
    lines.push(markdownTable(["policy", "expired (sampled)", "outside lost login", "expired (exact)", "longest stretch", "revoked, not expired", "POSTs", "answers", "spent reused", "publications"], [f(mo.ours), f(mo.seedPolicy)]), "");
    lines.push(`Ours logged ${mo.oursLog.info} info, ${mo.oursLog.warn} warnings, ${mo.oursLog.error} errors.`, "");
  }

  if (r.transaction) {
    const t = r.transaction;
    lines.push("## 5. Refresh transaction cost", "");
    lines.push(`${t.n} forced refreshes (after 5 warm-up ones) through RefreshService.refreshNow in a child process, the fake endpoint in the parent on loopback; phases timed by RefreshDeps overrides wrapping the real read/post/write. "lock" = acquiring the refresh lock plus releasing it and the service's bookkeeping before publish; "read" = ${t.noop.readsPerRefresh} reads of the credentials file plus the temp-file scan between them.`, "");
    lines.push(
      markdownTable(
        ["phase", "p50", "p99", "mean", "share"],
        (Object.keys(t.noop.phases) as Array<keyof typeof t.noop.phases>).map((k) => [k, fmtMs(t.noop.phases[k].p50), fmtMs(t.noop.phases[k].p99), fmtMs(t.noop.phases[k].mean), pct(t.noop.shares[k])]).concat([["total", fmtMs(t.noop.total.p50), fmtMs(t.noop.total.p99), fmtMs(t.noop.total.mean), "100 %"]]),
      ),
      "",
    );
    lines.push(`Detail (means): lock acquire ${fmtMs(t.noop.detail.lockAcquireMs ?? Number.NaN)}, release + bookkeeping ${fmtMs(t.noop.detail.releaseAndBookkeepingMs ?? Number.NaN)}, file reads ${fmtMs(t.noop.detail.readMs ?? Number.NaN)}, temp-file scan ${fmtMs(t.noop.detail.recoveryScanMs ?? Number.NaN)}. With the real SDK publisher: total ${dist(t.sdk.total)}, publish ${dist(t.sdk.publish)}.`, "");
    if (t.strace) {
      lines.push(`System calls (strace -c -f; a run with ${t.strace.n} refreshes minus a run with none, same warm-up): ${t.strace.perRefresh.toFixed(0)} per refresh with the no-op publisher, ${t.strace.perRefreshWithSdkPublish.toFixed(0)} with the SDK publish. Most are libuv thread-pool and event-loop wake-ups (futex, epoll_pwait, eventfd read/write).`, "");
      lines.push(`- file-system calls per refresh: ${t.strace.fsPerRefresh.map(([k, v]) => `${k} ${v.toFixed(1)}`).join(", ")}`);
      lines.push(`- top calls per refresh: ${t.strace.topPerRefresh.map(([k, v]) => `${k} ${v.toFixed(1)}`).join(", ")}`);
      lines.push(`- added by the SDK publish: ${t.strace.topPublish.map(([k, v]) => `${k} ${v.toFixed(1)}`).join(", ")}`, "");
    } else lines.push(`System calls: ${t.straceSkipped ?? "skipped"}.`, "");
  }

  if (r.commandCost) {
    const c = r.commandCost;
    lines.push("## 6. Command cost next to OpenClaw's floor", "");
    lines.push(
      `Gateway running, an 8-hour login (nothing is due, so \`refresh\` does not POST). The floor is a stand-in plugin installed in the same temp home with one no-op command of the same shape (\`${c.floor.command}\`): the time OpenClaw itself needs to start a CLI process and load its plugins before any plugin code runs. ${c.rounds} rounds; each round runs every command once, the order rotated by one each round. Whole processes, wall time.`,
      "",
    );
    lines.push(
      markdownTable(
        ["command", "p50", "min", "max", "ratio of medians", "ratio per round"],
        [c.floor, ...c.arms].map((a) => [`\`${a.command}\``, fmtMs(a.wall.p50), fmtMs(a.wall.min), fmtMs(a.wall.max), a === c.floor ? "1 (floor)" : a.ratio.toFixed(2), a === c.floor ? "—" : a.pairedRatios.map((x) => x.toFixed(2)).join(", ")]),
      ),
      "",
    );
    lines.push(`HTTP fast path, \`GET /plugins/claude-oauth-refresh/status\` with the gateway token, one request at a time: ${dist(c.http.wall)}${c.http.failures ? `, ${c.http.failures} failed` : ""}.`, "");
    if (c.metrics) {
      lines.push(
        `Metrics route, \`GET /plugins/claude-oauth-refresh/metrics\` (Prometheus text, ${c.metrics.bytes} bytes for one account), alternated request by request with the status route above: ${dist(c.metrics.wall)}${c.metrics.failures ? `, ${c.metrics.failures} failed` : ""}. The first scrape, which imports the metrics code (nothing loads it at gateway start or in a command), took ${fmtMs(c.metrics.firstMs)}.`,
        "",
      );
    }
  }
  lines.push(...accountsSection(r.accountsDay, r.accountsGateway));

  if (Object.keys(r.errors).length) {
    lines.push("## Errors", "");
    for (const [k, v] of Object.entries(r.errors)) lines.push(`- part ${k === "0" ? "gateway session" : k}: ${v}`);
    lines.push("");
  }
  return { table, markdown: `${lines.join("\n")}\n` };
}
