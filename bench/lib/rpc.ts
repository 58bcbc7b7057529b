import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/**
 * Client side of bench/rpc-helper.mjs: one Node 24 process that keeps OpenClaw's gateway client
 * loaded and runs gateway methods on request, so a call costs a WebSocket round trip (tens of ms)
 * instead of an `openclaw ...` CLI start (5-10 s).
 */

const HELPER = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "rpc-helper.mjs");

export interface RpcResult {
  id: number;
  ok: boolean;
  /** Date.now() in the helper when it started the call / got the answer. */
  start: number;
  end: number;
  payload?: unknown;
  error?: string;
}

interface HelperLine {
  ready?: boolean;
  id?: number;
  ok?: boolean;
  start?: number;
  end?: number;
  payload?: unknown;
  error?: string;
}

export class RpcHelper {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiters = new Map<number, (r: RpcResult) => void>();
  private nextId = 0;
  private stderr = "";
  readonly ready: Promise<void>;

  constructor(node: string, env: NodeJS.ProcessEnv, cwd: string) {
    this.child = spawn(node, [HELPER], { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stderr.setEncoding("utf8");
    this.child.stderr.on("data", (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-4000);
    });
    let resolveReady: () => void = () => undefined;
    let rejectReady: (e: Error) => void = () => undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    this.child.once("exit", (code) => {
      rejectReady(new Error(`rpc helper exited (${code}) before it was ready:\n${this.stderr}`));
      for (const [id, waiter] of this.waiters) waiter({ id, ok: false, start: 0, end: 0, error: `rpc helper exited (${code})` });
      this.waiters.clear();
    });
    createInterface({ input: this.child.stdout }).on("line", (text) => {
      let line: HelperLine;
      try {
        line = JSON.parse(text) as HelperLine;
      } catch {
        return; // not ours (a library printing to stdout)
      }
      if (line.ready) {
        resolveReady();
        return;
      }
      if (typeof line.id !== "number") return;
      const waiter = this.waiters.get(line.id);
      this.waiters.delete(line.id);
      waiter?.({
        id: line.id,
        ok: line.ok === true,
        start: line.start ?? 0,
        end: line.end ?? 0,
        ...(line.payload === undefined ? {} : { payload: line.payload }),
        ...(line.error === undefined ? {} : { error: line.error }),
      });
    });
  }

  call(method: string, params: Record<string, unknown> = {}, expectFinal = false): Promise<RpcResult> {
    const id = ++this.nextId;
    return new Promise<RpcResult>((resolve) => {
      this.waiters.set(id, resolve);
      this.child.stdin.write(`${JSON.stringify({ id, method, params, expectFinal })}\n`);
    });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
