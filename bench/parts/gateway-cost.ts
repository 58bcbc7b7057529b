import type { GatewaySession } from "../lib/session.js";
import { timedLines } from "../lib/session.js";
import { median, sleep } from "../lib/stats.js";

/**
 * 1. What the plugin costs the gateway: the same gateway home started alternately with the plugin
 * enabled and disabled, measuring time to ready and the peak RSS of the gateway's process tree.
 */

export interface StartRun {
  plugin: boolean;
  /** spawn -> /healthz 200 and "[gateway] ready" printed (the harness's start()). */
  readyMs: number;
  healthzMs: number;
  /** The gateway's own log: first line -> "[gateway] ready" (excludes Node's start-up). */
  inProcessMs: number;
  /** The gateway's own log: "starting channels and sidecars" (services start here) -> "[gateway] ready". */
  sidecarsMs: number;
  /** Plugin runs: "starting channels and sidecars" -> the plugin's first log line. */
  sidecarsToPluginMs?: number;
  peakTreeMb: number;
  peakRootMb: number;
  /** CPU seconds of the tree from spawn to ready + 10 s. */
  cpuSeconds: number;
  maxProcesses: number;
  samples: number;
  /** Other OpenClaw gateways running on the machine during this start (max seen at once). */
  foreignGateways: number;
  /** 1-minute load average when the start began. */
  loadAvg: number;
  /** First to last line of the plugin's start-up (plugin runs only). */
  pluginStartMs?: number;
  pluginLoaded: boolean;
  /** The gateway's own start-up trace: phase -> ms (OPENCLAW_GATEWAY_STARTUP_TRACE). */
  phases: Record<string, number>;
  /** The same trace's detail for this plugin alone: its load + register in the gateway's load (plugin runs only). */
  pluginLoadMs?: number;
}

/** One phase of the gateway's start-up trace, median of each arm. */
export interface PhaseCost {
  name: string;
  withMs: number;
  withoutMs: number;
}

export interface ArmMedians {
  readyMs: number;
  peakTreeMb: number;
  cpuSeconds: number;
  inProcessMs: number;
  sidecarsMs: number;
}

export interface GatewayCostResult {
  runs: StartRun[];
  warmup: StartRun;
  order: string;
  readyRatio: number;
  inProcessRatio: number;
  cpuRatio: number;
  extraRssMb: number;
  withPlugin: ArmMedians;
  withoutPlugin: ArmMedians;
  /** Medians over the plugin runs. */
  pluginStartMs: number;
  sidecarsToPluginMs: number;
  /** min-max of each arm, to show the run-to-run noise next to the difference. */
  spread: {
    readyMs: Record<"with" | "without", [number, number]>;
    peakTreeMb: Record<"with" | "without", [number, number]>;
    sidecarsMs: Record<"with" | "without", [number, number]>;
  };
  /** Ratio of each alternating pair, to show the spread. */
  pairRatios: number[];
  /** The same for first line -> ready: adjacent starts share the machine's state, so their ratio drifts less. */
  inProcessPairRatios: number[];
  /** Per pair: (first line -> ready without + the added `runtime.post-attach`) / first line -> ready without. */
  postAttachPairEstimates: number[];
  /** Per pair: (ready without + the added services phase) / ready without. */
  sidecarsPairEstimates: number[];
  /** Per pair: peak tree RSS with minus without, MB. */
  rssPairDiffsMb: number[];
  /** Median of the plugin runs' own load + register time in OpenClaw's trace. */
  pluginLoadMs: number;
  /** Every traced phase, largest added time first. */
  phases: PhaseCost[];
}

const TAIL_MS = 10_000;
const PLUGIN_LINE = /\[claude-oauth-refresh\]/;

async function measuredStart(session: GatewaySession, plugin: boolean, log: (m: string) => void): Promise<StartRun> {
  session.setPluginEnabled(plugin);
  const gw = session.gw;
  const from = gw.output().length;
  const { ready, sampler, loadAvg } = session.startSampled();
  await ready;
  const readyMs = gw.timings.start ?? Number.NaN;
  const healthzMs = gw.timings.healthz ?? Number.NaN;
  await sleep(TAIL_MS);
  const s = sampler.stop();
  const out = gw.output().slice(from);
  await session.stop();

  const all = timedLines(out, /./);
  const readyLine = timedLines(out, /\[gateway\] ready\b/)[0];
  const sidecarsLine = timedLines(out, /\[gateway\] starting channels and sidecars/)[0];
  const first = all[0];
  const pluginLines = timedLines(out, PLUGIN_LINE);
  const pluginFirst = pluginLines[0];
  const startupEnd = pluginLines.find((l) => /Token still valid|Token expired|Credentials file/.test(l.text));
  const run: StartRun = {
    plugin,
    readyMs,
    healthzMs,
    inProcessMs: first && readyLine ? readyLine.at - first.at : Number.NaN,
    sidecarsMs: sidecarsLine && readyLine ? readyLine.at - sidecarsLine.at : Number.NaN,
    peakTreeMb: s.peakTreeKb / 1024,
    peakRootMb: s.peakRootKb / 1024,
    cpuSeconds: s.cpuSeconds,
    maxProcesses: s.maxProcesses,
    samples: s.samples,
    foreignGateways: s.foreignGateways,
    loadAvg,
    pluginLoaded: pluginLines.some((l) => /Plugin loaded successfully/.test(l.text)),
    phases: tracedPhases(out),
  };
  const ownLoad = PLUGIN_LOAD_TRACE.exec(out);
  if (ownLoad?.[1]) run.pluginLoadMs = Number(ownLoad[1]);
  if (pluginFirst && startupEnd) run.pluginStartMs = startupEnd.at - pluginFirst.at;
  if (pluginFirst && sidecarsLine) run.sidecarsToPluginMs = pluginFirst.at - sidecarsLine.at;
  if (run.pluginLoaded !== plugin) throw new Error(`plugin ${plugin ? "did not load" : "loaded although disabled"}`);
  log(
    `  ${plugin ? "with   " : "without"} plugin: ready ${(readyMs / 1000).toFixed(2)} s (in-process ${(run.inProcessMs / 1000).toFixed(2)} s), ` +
      `peak tree RSS ${run.peakTreeMb.toFixed(0)} MB (${s.maxProcesses} processes, ${s.samples} samples), CPU ${s.cpuSeconds.toFixed(1)} s, load ${loadAvg}, other gateways ${s.foreignGateways}` +
      (run.pluginStartMs !== undefined ? `, plugin start-up ${run.pluginStartMs} ms` : ""),
  );
  await sleep(2_000); // let the machine settle (page cache write-back, exited helpers) before the next start
  return run;
}

const TRACE_LINE = /startup trace: (\S+) ([\d.]+)ms total=/;
const PLUGIN_LOAD_TRACE = /startup trace: plugins\.gateway-load\.plugin\.claude-oauth-refresh .*?loadAndRegisterMs=([\d.]+)/;

/** "startup trace: plugins.load 812.3ms total=..." lines -> phase -> ms (a repeated phase adds up). */
export function tracedPhases(output: string): Record<string, number> {
  const phases: Record<string, number> = {};
  for (const line of output.split("\n")) {
    const m = TRACE_LINE.exec(line);
    if (m?.[1] && m[2]) phases[m[1]] = (phases[m[1]] ?? 0) + Number(m[2]);
  }
  return phases;
}

/** Each phase's median per arm (0 where an arm never traced it), largest added time first. */
export function phaseCosts(runs: StartRun[]): PhaseCost[] {
  const names = new Set(runs.flatMap((r) => Object.keys(r.phases)));
  const armMedian = (plugin: boolean, name: string): number => median(runs.filter((r) => r.plugin === plugin).map((r) => r.phases[name] ?? 0));
  return [...names]
    .map((name) => ({ name, withMs: armMedian(true, name), withoutMs: armMedian(false, name) }))
    .sort((a, b) => b.withMs - b.withoutMs - (a.withMs - a.withoutMs));
}

/**
 * A B B A A B ...: each arm sees the same average position in the sequence, cancelling drift.
 * With an even number per arm each arm also gets as many odd as even positions: OpenClaw's
 * start-up state checks (schema preflight, plugin payload verification, about +0.7 s) ran on
 * every other start of the same home in the run of 2026-12-06, and with 5 per arm one arm got
 * them once more than the other.
 */
export function alternatingOrder(perArm: number): boolean[] {
  const order: boolean[] = [];
  for (let i = 0; order.length < perArm * 2; i++) {
    const pairFlipped = i % 2 === 1;
    order.push(!pairFlipped, pairFlipped);
  }
  return order;
}

export async function gatewayCost(session: GatewaySession, opts: { perArm: number; log: (m: string) => void }): Promise<GatewayCostResult> {
  const { log } = opts;
  log("  warm-up start (plugin enabled, not counted)");
  const warmup = await measuredStart(session, true, log);
  const runs: StartRun[] = [];
  const order = alternatingOrder(opts.perArm);
  for (const plugin of order) runs.push(await measuredStart(session, plugin, log));
  session.setPluginEnabled(true);

  const arm = (plugin: boolean): ArmMedians => {
    const r = runs.filter((x) => x.plugin === plugin);
    return {
      readyMs: median(r.map((x) => x.readyMs)),
      peakTreeMb: median(r.map((x) => x.peakTreeMb)),
      cpuSeconds: median(r.map((x) => x.cpuSeconds)),
      inProcessMs: median(r.map((x) => x.inProcessMs)),
      sidecarsMs: median(r.map((x) => x.sidecarsMs)),
    };
  };
  const range = (plugin: boolean, f: (x: StartRun) => number): [number, number] => {
    const v = runs.filter((x) => x.plugin === plugin).map(f);
    return [Math.min(...v), Math.max(...v)];
  };
  const pluginRuns = runs.filter((x) => x.plugin);
  const withPlugin = arm(true);
  const withoutPlugin = arm(false);
  const pairRatios: number[] = [];
  const inProcessPairRatios: number[] = [];
  const postAttachPairEstimates: number[] = [];
  const sidecarsPairEstimates: number[] = [];
  const rssPairDiffsMb: number[] = [];
  const postAttach = (x: StartRun) => x.phases["runtime.post-attach"] ?? Number.NaN;
  for (let i = 0; i + 1 < runs.length; i += 2) {
    const a = runs[i];
    const b = runs[i + 1];
    if (!a || !b) continue;
    const w = a.plugin ? a : b;
    const wo = a.plugin ? b : a;
    pairRatios.push(w.readyMs / wo.readyMs);
    inProcessPairRatios.push(w.inProcessMs / wo.inProcessMs);
    postAttachPairEstimates.push((wo.inProcessMs + postAttach(w) - postAttach(wo)) / wo.inProcessMs);
    sidecarsPairEstimates.push((wo.readyMs + w.sidecarsMs - wo.sidecarsMs) / wo.readyMs);
    rssPairDiffsMb.push(w.peakTreeMb - wo.peakTreeMb);
  }
  return {
    runs,
    warmup,
    order: order.map((p) => (p ? "W" : "O")).join(" "),
    readyRatio: withPlugin.readyMs / withoutPlugin.readyMs,
    inProcessRatio: withPlugin.inProcessMs / withoutPlugin.inProcessMs,
    cpuRatio: withPlugin.cpuSeconds / withoutPlugin.cpuSeconds,
    extraRssMb: withPlugin.peakTreeMb - withoutPlugin.peakTreeMb,
    withPlugin,
    withoutPlugin,
    pluginStartMs: median(pluginRuns.map((x) => x.pluginStartMs ?? Number.NaN)),
    sidecarsToPluginMs: median(pluginRuns.map((x) => x.sidecarsToPluginMs ?? Number.NaN)),
    spread: {
      readyMs: { with: range(true, (x) => x.readyMs), without: range(false, (x) => x.readyMs) },
      peakTreeMb: { with: range(true, (x) => x.peakTreeMb), without: range(false, (x) => x.peakTreeMb) },
      sidecarsMs: { with: range(true, (x) => x.sidecarsMs), without: range(false, (x) => x.sidecarsMs) },
    },
    pairRatios,
    inProcessPairRatios,
    postAttachPairEstimates,
    sidecarsPairEstimates,
    rssPairDiffsMb,
    pluginLoadMs: median(pluginRuns.map((x) => x.pluginLoadMs ?? Number.NaN)),
    phases: phaseCosts(runs),
  };
}
