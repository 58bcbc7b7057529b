// The benchmark suite: `npm run bench` (scripts/bench.mjs runs setup, then this file on Node 24).
//   --quick        reduced sizes, for development (writes .cache/bench-results.md, not bench/results.md)
//   --only=1,2,5   run only these parts
//   --starts=N     starts per arm in part 1; --rounds=N  command rounds in part 6 (a narrower
//                  interval costs time: about 35 s a start, 1 minute a round)
// Parts: 1 gateway cost, 2 propagation, 3 single refresher, 4 a month simulated, 5 transaction cost,
// 6 command cost next to OpenClaw's floor (and the HTTP status route),
// 7 cost per account (1, 5 and 20 accounts: a simulated day in process, then a real gateway).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { REPO, machineInfo, readBenchEnv } from "./lib/env.js";
import { GatewaySession } from "./lib/session.js";
import { gatewayCost, type GatewayCostResult } from "./parts/gateway-cost.js";
import { commandCost, type CommandCostResult } from "./parts/command-cost.js";
import { monthSimulation, type MonthResult } from "./parts/month.js";
import { propagation, type PropagationResult } from "./parts/propagation.js";
import { singleRefresher, type SingleRefresherResult } from "./parts/single-refresher.js";
import { transactionCost, type TransactionResult } from "./parts/transaction.js";
import { renderReport, type BenchResults } from "./report.js";
import { accountsDay, type AccountsDayResult } from "./parts/accounts-day.js";
import { accountsGateway, type AccountsGatewayResult } from "./parts/accounts-gateway.js";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const onlyArg = argv.find((a) => a.startsWith("--only="));
const only = onlyArg ? new Set(onlyArg.slice("--only=".length).split(",").map(Number)) : undefined;
const runs = (part: number) => !only || only.has(part);
const full = !quick && !only;
const numberArg = (name: string): number | undefined => {
  const raw = argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}=${raw}: a whole number of at least 1, please`);
  return n;
};

const defaults = quick
  ? { perArm: 1, refreshes: 5, turns: 2, processes: 3, days: 3, txN: 20, straceN: 10, cmdRounds: 2, httpN: 20 }
  : { perArm: 12, refreshes: 24, turns: 6, processes: 8, days: 30, txN: 100, straceN: 50, cmdRounds: 9, httpN: 200 };
const sizes = { ...defaults, perArm: numberArg("starts") ?? defaults.perArm, cmdRounds: numberArg("rounds") ?? defaults.cmdRounds };
const accountCounts = [1, 5, 20];
const accountSizes = quick ? { accountStarts: 1, accountDays: 0.25 } : { accountStarts: 2, accountDays: 1 };

const startedAt = Number(process.env.BENCH_STARTED_AT ?? Date.now());
const t0 = Date.now();
const stamp = () => `[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s]`;
const log = (m: string) => process.stdout.write(`${m}\n`);
const section = (m: string) => log(`${stamp()} ${m}`);

const env = readBenchEnv();
const results: BenchResults = { machine: machineInfo(env), sizes: { ...sizes, ...(runs(7) ? accountSizes : {}) }, quick, only: only ? [...only] : undefined, errors: {}, totalSeconds: 0 };

async function part<T>(n: number, title: string, fn: () => Promise<T>): Promise<T | undefined> {
  if (!runs(n)) return undefined;
  section(`${n}. ${title}`);
  const started = Date.now();
  try {
    const r = await fn();
    section(`${n}. done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return r;
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    results.errors[n] = message.split("\n").slice(0, 3).join(" | ");
    log(`${stamp()} ${n}. FAILED: ${message}`);
    return undefined;
  }
}

results.transaction = await part<TransactionResult>(5, "refresh transaction cost (child process, fake endpoint on loopback)", () =>
  transactionCost(env, { n: sizes.txN, straceN: sizes.straceN, log }),
);
results.month = await part<MonthResult>(4, `a month of uptime, simulated (${sizes.days} days)`, () => monthSimulation({ days: sizes.days, log }));
results.accountsDay = await part<AccountsDayResult>(7, `cost per account, a simulated day (${accountCounts.join(", ")} accounts)`, () =>
  accountsDay({ counts: accountCounts, days: accountSizes.accountDays, log }),
);
results.accountsGateway = await part<AccountsGatewayResult>(7, `cost per account in a real gateway (${accountCounts.join(", ")} accounts, ${accountSizes.accountStarts} starts each)`, () =>
  accountsGateway({ counts: accountCounts, repeats: accountSizes.accountStarts, log }),
);

if (runs(1) || runs(2) || runs(3) || runs(6)) {
  section("creating the gateway home (npm pack, plugin install, config)");
  let session: GatewaySession | undefined;
  try {
    session = await GatewaySession.create((tokenUrl) => ({ tokenUrl, refreshBeforeExpiryMinutes: 3 }));
    const s = session;
    log(`  gateway home ready: install ${s.gw.timings.install} ms, configure ${s.gw.timings.configure} ms`);
    // Parts 1 and 3 start from an 8-hour login; part 2 writes its own short-lived one.
    await s.writeLogin(s.fake.mintLogin());
    results.gatewayCost = await part<GatewayCostResult>(1, `cost in the gateway (${sizes.perArm} starts with and ${sizes.perArm} without the plugin, alternating)`, () =>
      gatewayCost(s, { perArm: sizes.perArm, log }),
    );
    results.propagation = await part<PropagationResult>(2, `propagation (${sizes.refreshes} refreshes, ${sizes.turns} agent turns after a refresh)`, () =>
      propagation(s, env, { refreshes: sizes.refreshes, turns: sizes.turns, log }),
    );
    results.singleRefresher = await part<SingleRefresherResult>(3, `single refresher (${sizes.processes} concurrent CLI refreshes, with and without a gateway)`, () =>
      singleRefresher(s, { processes: sizes.processes, log }),
    );
    // Whatever the earlier parts left in the file, the commands are measured on a fresh 8-hour login.
    if (runs(6)) await s.writeLogin(s.fake.mintLogin());
    results.commandCost = await part<CommandCostResult>(6, `command cost next to OpenClaw's floor (${sizes.cmdRounds} rounds, gateway running; ${sizes.httpN} HTTP status requests)`, () =>
      commandCost(s, { rounds: sizes.cmdRounds, httpRequests: sizes.httpN, log }),
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    results.errors[0] = `gateway session: ${message.split("\n")[0] ?? message}`;
    log(`${stamp()} gateway session FAILED: ${message}`);
  } finally {
    await session?.close().catch((e: unknown) => log(`closing the gateway session: ${String(e)}`));
  }
}

results.totalSeconds = (Date.now() - startedAt) / 1000;
const { table, markdown } = renderReport(results);
log("");
log(table);
log("");
const out = full ? path.join(REPO, "bench", "results.md") : path.join(REPO, ".cache", "bench-results.md");
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, markdown);
writeFileSync(out.replace(/\.md$/, ".json"), `${JSON.stringify(results, null, 2)}\n`);
log(`${stamp()} total ${results.totalSeconds.toFixed(0)} s (including setup); report written to ${path.relative(REPO, out)}`);
process.exit(Object.keys(results.errors).length > 0 ? 1 : 0);
