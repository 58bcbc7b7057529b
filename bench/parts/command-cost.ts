import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { GatewaySession } from "../lib/session.js";
import { median, summarize, type Summary } from "../lib/stats.js";

/**
 * 6. What a command costs, next to OpenClaw's own floor, with the gateway running.
 *
 * Every `openclaw <plugin command>` is a fresh OpenClaw CLI process that loads its plugin
 * registry before our code runs, so the floor is a stand-in plugin with one no-op command of the
 * same shape (`openclaw bench-noop status --json`), installed in the same temp home the same way.
 * Side by side in rounds (each round runs every command once, the order rotated, so load on the
 * shared box hits every arm alike): our commands, the floor, `openclaw models status --json`,
 * `openclaw gateway call health --json` and `openclaw gateway call claude-oauth.status --json`;
 * then the fast path for monitoring, the plugin's HTTP status route, timed per request, alternated
 * with the metrics route (Prometheus text) in the same loop.
 */

export interface ArmResult {
  label: string;
  command: string;
  wall: Summary;
  /** Median wall time over the floor's median. */
  ratio: number;
  /**
   * This command's time over the floor's in the same round, one per round where both answered:
   * neighbours in time share the box's load, so these cancel drift that the medians do not.
   */
  pairedRatios: number[];
  failures: number;
}

export interface CommandCostResult {
  rounds: number;
  floor: ArmResult;
  arms: ArmResult[];
  http: { wall: Summary; failures: number };
  /** The metrics route, alternated with the status route in the same loop; the first scrape loads the metrics code. */
  metrics?: { wall: Summary; failures: number; firstMs: number; bytes: number };
}

const NOOP_ID = "bench-noop";

/** A minimal plugin with one no-op command, the shape of `openclaw claude-oauth status --json`. */
function writeNoopPlugin(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, "package.json"),
    `${JSON.stringify({ name: NOOP_ID, version: "0.0.0", type: "module", main: "./index.js", openclaw: { extensions: ["./index.js"] } }, null, 2)}\n`,
  );
  writeFileSync(
    path.join(dir, "openclaw.plugin.json"),
    `${JSON.stringify(
      {
        id: NOOP_ID,
        name: "Bench no-op",
        description: "One command that does nothing: OpenClaw's floor for a plugin command.",
        version: "0.0.0",
        cliCommands: [{ name: NOOP_ID, description: "no-op", hasSubcommands: true }],
        configSchema: { type: "object", additionalProperties: false, properties: {} },
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(
    path.join(dir, "index.js"),
    `import { definePluginEntry } from "openclaw/plugin-sdk/plugin-entry";
export default definePluginEntry({
  id: "${NOOP_ID}",
  name: "Bench no-op",
  description: "One command that does nothing.",
  register(api) {
    api.registerCli(({ program }) => {
      program.command("${NOOP_ID}").description("no-op").command("status").option("--json").action(() => { process.stdout.write("{}\\n"); });
    }, { descriptors: [{ name: "${NOOP_ID}", description: "no-op", hasSubcommands: true }] });
  },
});
`,
  );
}

interface Arm {
  label: string;
  args: string[];
  /** Exit codes that count as a normal answer (status exits 1/2 when the login needs care). */
  ok: readonly number[];
}

export async function commandCost(session: GatewaySession, opts: { rounds: number; httpRequests: number; log: (m: string) => void }): Promise<CommandCostResult> {
  const { gw } = session;
  const pluginDir = path.join(gw.home, "bench-noop-plugin");
  writeNoopPlugin(pluginDir);
  const install = await gw.cli(["plugins", "install", "-l", pluginDir, "--force", "--accept-capabilities"], { timeoutMs: 240_000 });
  if (install.code !== 0) throw new Error(`installing the no-op plugin failed (exit ${install.code}): ${install.stderr.slice(-600)}`);
  const probe = await gw.cli([NOOP_ID, "status", "--json"]);
  if (probe.code !== 0 || probe.stdout.trim() !== "{}") throw new Error(`the no-op command does not work (exit ${probe.code}): ${probe.stdout.slice(-300)} ${probe.stderr.slice(-300)}`);
  opts.log(`  no-op plugin installed; its command answers ${JSON.stringify(probe.stdout.trim())}`);

  if (!session.isRunning) await session.start();
  const arms: Arm[] = [
    { label: "no-op plugin command (floor)", args: [NOOP_ID, "status", "--json"], ok: [0] },
    { label: "claude-oauth status --json", args: ["claude-oauth", "status", "--json"], ok: [0, 1, 2] },
    { label: "claude-oauth refresh --json (not due)", args: ["claude-oauth", "refresh", "--json"], ok: [0] },
    { label: "models status --json", args: ["models", "status", "--json"], ok: [0, 1] },
    { label: "gateway call health --json", args: ["gateway", "call", "health", "--json"], ok: [0] },
    { label: "gateway call claude-oauth.status --json", args: ["gateway", "call", "claude-oauth.status", "--json"], ok: [0] },
  ];
  const times = new Map<string, number[]>(arms.map((a) => [a.label, []]));
  // Per round, each arm's time (undefined when it failed), for the paired ratios.
  const byRound: Array<Map<string, number>> = [];
  const failures = new Map<string, number>(arms.map((a) => [a.label, 0]));
  for (let round = 0; round < opts.rounds; round++) {
    const order = arms.map((_a, i) => arms[(i + round) % arms.length] as Arm);
    const thisRound = new Map<string, number>();
    byRound.push(thisRound);
    for (const arm of order) {
      const started = performance.now();
      const r = await gw.cli(arm.args, { timeoutMs: 240_000 });
      const ms = performance.now() - started;
      if (!arm.ok.includes(r.code)) {
        failures.set(arm.label, (failures.get(arm.label) ?? 0) + 1);
        opts.log(`  ${arm.label}: exit ${r.code}: ${r.stderr.trim().split("\n").slice(-2).join(" | ")}`);
        continue;
      }
      times.get(arm.label)?.push(ms);
      thisRound.set(arm.label, ms);
    }
    opts.log(`  round ${round + 1}/${opts.rounds}: ${arms.map((a) => `${a.args.slice(0, 3).join(" ")} ${((times.get(a.label)?.at(-1) ?? Number.NaN) / 1000).toFixed(1)} s`).join(", ")}`);
  }

  const token = gw.env.OPENCLAW_GATEWAY_TOKEN ?? "";
  const url = `http://127.0.0.1:${gw.port}/plugins/claude-oauth-refresh/status`;
  const metricsUrl = `http://127.0.0.1:${gw.port}/plugins/claude-oauth-refresh/metrics`;
  const httpMs: number[] = [];
  const metricsMs: number[] = [];
  let httpFailures = 0;
  let metricsFailures = 0;
  let firstMetricsMs = Number.NaN;
  let metricsBytes = 0;
  const timed = async (target: string): Promise<{ ms: number; status: number; body: string }> => {
    const started = performance.now();
    const res = await fetch(target, { headers: { authorization: `Bearer ${token}` } });
    const body = await res.text();
    return { ms: performance.now() - started, status: res.status, body };
  };
  // The first scrape imports the metrics code (nothing loads it before): timed on its own.
  const first = await timed(metricsUrl);
  if (first.status === 200 && first.body.includes("claude_oauth_health")) firstMetricsMs = first.ms;
  // Alternating, one request at a time, so both routes see the same load on the shared box.
  for (let i = 0; i < opts.httpRequests; i++) {
    const status = await timed(url);
    if (status.status === 200 && status.body.includes('"health"')) httpMs.push(status.ms);
    else httpFailures += 1;
    const metrics = await timed(metricsUrl);
    if (metrics.status === 200 && metrics.body.includes("claude_oauth_health")) {
      metricsMs.push(metrics.ms);
      metricsBytes = metrics.body.length;
    } else metricsFailures += 1;
  }

  const floorTimes = times.get(arms[0]?.label ?? "") ?? [];
  const floorMedian = median(floorTimes);
  const result = (a: Arm): ArmResult => {
    const t = times.get(a.label) ?? [];
    const floorLabel = arms[0]?.label ?? "";
    const pairedRatios = byRound.flatMap((r) => {
      const mine = r.get(a.label);
      const floor = r.get(floorLabel);
      return mine === undefined || floor === undefined ? [] : [mine / floor];
    });
    return { label: a.label, command: `openclaw ${a.args.join(" ")}`, wall: summarize(t), ratio: median(t) / floorMedian, pairedRatios, failures: failures.get(a.label) ?? 0 };
  };
  return {
    rounds: opts.rounds,
    floor: result(arms[0] as Arm),
    arms: arms.slice(1).map(result),
    http: { wall: summarize(httpMs), failures: httpFailures },
    metrics: { wall: summarize(metricsMs), failures: metricsFailures, firstMs: firstMetricsMs, bytes: metricsBytes },
  };
}
