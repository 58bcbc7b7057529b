import { readFileSync, readdirSync } from "node:fs";

/**
 * /proc readers for the gateway's process tree: which processes belong to it, their resident
 * memory (VmRSS) and CPU time. Linux only, which is what the benchmark runs on.
 */

export interface ProcStat {
  pid: number;
  /** Command name (15 characters at most; a gateway calls itself "openclaw-gatewa[y]"). */
  comm: string;
  ppid: number;
  pgrp: number;
  state: string;
  /** utime + stime in clock ticks. */
  cpuTicks: number;
}

/** Clock ticks per second for /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
export const CLOCK_TICKS_PER_SECOND = 100;

export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ..."
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return {
    pid,
    comm: text.slice(text.indexOf("(") + 1, text.lastIndexOf(")")),
    state: fields[0] ?? "?",
    ppid: Number(fields[1]),
    pgrp: Number(fields[2]),
    cpuTicks: Number(fields[11]) + Number(fields[12]),
  };
}

export function listProcesses(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readProcStat(Number(name));
    if (stat) out.push(stat);
  }
  return out;
}

/** The process and all its descendants (by parent pid), zombies excluded. */
export function processTree(root: number, procs: readonly ProcStat[] = listProcesses()): ProcStat[] {
  const children = new Map<number, ProcStat[]>();
  let rootStat: ProcStat | undefined;
  for (const p of procs) {
    if (p.pid === root) rootStat = p;
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  if (!rootStat) return [];
  const tree: ProcStat[] = [];
  const queue: ProcStat[] = [rootStat];
  for (let p = queue.shift(); p; p = queue.shift()) {
    if (p.state !== "Z") tree.push(p);
    queue.push(...(children.get(p.pid) ?? []));
  }
  return tree;
}

export function vmRssKb(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Direct children of `parent` right now. */
export function childPids(parent: number): number[] {
  return listProcesses()
    .filter((p) => p.ppid === parent)
    .map((p) => p.pid);
}

export interface TreeSample {
  /** ms since the sampler started. */
  t: number;
  treeKb: number;
  processes: number;
}

export interface TreeSamplerResult {
  samples: number;
  /** Peak of the sum of VmRSS over the tree, in kB. */
  peakTreeKb: number;
  /** Peak VmRSS of the root process alone, in kB. */
  peakRootKb: number;
  /** Most processes seen at once in the tree. */
  maxProcesses: number;
  /** CPU seconds used by the tree's processes (each process's last seen utime+stime). */
  cpuSeconds: number;
  /** Most OpenClaw gateways outside this tree seen at once (someone else's tests on the machine). */
  foreignGateways: number;
}

/**
 * Samples the tree every `intervalMs`. Reads are synchronous and cheap (a few /proc files), so
 * the sampler barely disturbs what it measures; it runs in the benchmark process, not the gateway.
 */
export class TreeSampler {
  private timer: NodeJS.Timeout | undefined;
  private readonly started = Date.now();
  private samples = 0;
  private peakTreeKb = 0;
  private peakRootKb = 0;
  private maxProcesses = 0;
  private foreignGateways = 0;
  private readonly cpuByPid = new Map<number, number>();

  readonly rootPid: number;
  readonly intervalMs: number;

  constructor(rootPid: number, intervalMs = 100) {
    this.rootPid = rootPid;
    this.intervalMs = intervalMs;
  }

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    return this;
  }

  sample(): TreeSample {
    const all = listProcesses();
    const tree = processTree(this.rootPid, all);
    const mine = new Set(tree.map((p) => p.pid));
    const foreign = all.filter((p) => !mine.has(p.pid) && p.state !== "Z" && p.comm.startsWith("openclaw-gatew")).length;
    this.foreignGateways = Math.max(this.foreignGateways, foreign);
    let treeKb = 0;
    for (const p of tree) {
      const kb = vmRssKb(p.pid) ?? 0;
      treeKb += kb;
      if (p.pid === this.rootPid) this.peakRootKb = Math.max(this.peakRootKb, kb);
      this.cpuByPid.set(p.pid, Math.max(this.cpuByPid.get(p.pid) ?? 0, p.cpuTicks));
    }
    this.samples += 1;
    this.peakTreeKb = Math.max(this.peakTreeKb, treeKb);
    this.maxProcesses = Math.max(this.maxProcesses, tree.length);
    return { t: Date.now() - this.started, treeKb, processes: tree.length };
  }

  stop(): TreeSamplerResult {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
    let ticks = 0;
    for (const v of this.cpuByPid.values()) ticks += v;
    return {
      samples: this.samples,
      peakTreeKb: this.peakTreeKb,
      peakRootKb: this.peakRootKb,
      maxProcesses: this.maxProcesses,
      cpuSeconds: ticks / CLOCK_TICKS_PER_SECOND,
      foreignGateways: this.foreignGateways,
    };
  }
}
