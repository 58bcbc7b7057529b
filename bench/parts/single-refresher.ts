import { appendFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { REPO } from "../lib/env.js";
import type { GatewaySession } from "../lib/session.js";
import { sleep, summarize, type Summary } from "../lib/stats.js";

/**
 * 3. Single refresher: 8 `openclaw claude-oauth refresh` processes at once on one due token.
 * With a gateway running the CLI hands the work to the gateway (single-flight in its process);
 * without one each CLI runs the refresh itself and the cross-process lock must serialise them.
 * Each race is preceded by the same 8 commands on a token that is NOT due: the side-by-side
 * baseline for the commands' own cost (an OpenClaw CLI start is 5-10 s, more with 8 at once).
 */

export interface CommandRun {
  wallMs: number;
  code: number;
  kind?: string;
  via?: string;
}

export interface Batch {
  label: string;
  due: boolean;
  posts: number;
  runs: CommandRun[];
  wall: Summary;
  kinds: Record<string, number>;
  via: Record<string, number>;
  failures: number;
}

export interface SingleRefresherResult {
  withGateway: { baseline: Batch; race: Batch };
  withoutGateway: { baseline: Batch; race: Batch };
}

interface RefreshJson {
  kind?: unknown;
  via?: unknown;
}

async function batch(session: GatewaySession, label: string, due: boolean, processes: number, log: (m: string) => void): Promise<Batch> {
  const { fake, gw } = session;
  // A due token: a new login whose token expires in 2 min while the plugin refreshes 3 min ahead.
  // The not-due baseline keeps the file as it is (an 8-hour token the previous step left).
  if (due) await session.writeLogin(fake.mintLogin({ expiresInSec: 120 }));
  const postsBefore = fake.posts.length;
  const cliLog: string[] = [];
  const runs = await Promise.all(
    Array.from({ length: processes }, async (): Promise<CommandRun> => {
      const started = Date.now();
      const result = await gw.cli(["claude-oauth", "refresh", "--json"], { timeoutMs: 240_000 });
      const run: CommandRun = { wallMs: Date.now() - started, code: result.code };
      cliLog.push(`--- ${label} (exit ${result.code}, ${Date.now() - started} ms)\n${result.stdout}\n${result.stderr}`);
      try {
        const parsed = JSON.parse(result.stdout) as RefreshJson;
        if (typeof parsed.kind === "string") run.kind = parsed.kind;
        if (typeof parsed.via === "string") run.via = parsed.via;
      } catch {
        run.kind = `unparsed (exit ${result.code})`;
      }
      return run;
    }),
  );
  await sleep(3_000); // a refresh the gateway's own timer started meanwhile still counts
  const count = (key: (r: CommandRun) => string | undefined) => {
    const out: Record<string, number> = {};
    for (const r of runs) {
      const k = key(r) ?? "none";
      out[k] = (out[k] ?? 0) + 1;
    }
    return out;
  };
  appendFileSync(path.join(REPO, ".cache", "bench-logs", "single-refresher-cli.log"), `${cliLog.join("\n")}\n`);
  const b: Batch = {
    label,
    due,
    posts: fake.posts.length - postsBefore,
    runs,
    wall: summarize(runs.map((r) => r.wallMs)),
    kinds: count((r) => r.kind),
    via: count((r) => r.via),
    failures: runs.filter((r) => r.code !== 0).length,
  };
  log(`  ${label}: ${b.posts} POST(s); wall p50 ${(b.wall.p50 / 1000).toFixed(1)} s, max ${(b.wall.max / 1000).toFixed(1)} s; kinds ${JSON.stringify(b.kinds)}; via ${JSON.stringify(b.via)}`);
  return b;
}

export async function singleRefresher(session: GatewaySession, opts: { processes: number; log: (m: string) => void }): Promise<SingleRefresherResult> {
  const { log } = opts;
  mkdirSync(path.join(REPO, ".cache", "bench-logs"), { recursive: true });
  rmSync(path.join(REPO, ".cache", "bench-logs", "single-refresher-cli.log"), { force: true });
  session.setPluginEnabled(true);
  // Start from an 8-hour token (what part 2 leaves behind when it succeeds).
  const current = JSON.parse(readFileSync(session.credentialsPath, "utf8")) as { claudeAiOauth?: { expiresAt?: number } };
  if ((current.claudeAiOauth?.expiresAt ?? 0) - Date.now() < 3_600_000) {
    if (session.isRunning) await session.stop();
    await session.writeLogin(session.fake.mintLogin());
  }
  if (!session.isRunning) await session.start();
  const withBaseline = await batch(session, `gateway running, token not due, ${opts.processes} CLIs`, false, opts.processes, log);
  const withRace = await batch(session, `gateway running, token due, ${opts.processes} CLIs`, true, opts.processes, log);
  await session.stop();
  const withoutBaseline = await batch(session, `no gateway, token not due, ${opts.processes} CLIs`, false, opts.processes, log);
  const withoutRace = await batch(session, `no gateway, token due, ${opts.processes} CLIs`, true, opts.processes, log);
  return { withGateway: { baseline: withBaseline, race: withRace }, withoutGateway: { baseline: withoutBaseline, race: withoutRace } };
}
