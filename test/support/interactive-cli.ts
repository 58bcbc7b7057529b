// An `openclaw ...` CLI process a test talks to while it runs (for `claude-oauth login`, which
// prints a URL with a random state and then waits for `code#state` on stdin). Same Node 24,
// openclaw.mjs and isolated environment as the gateway harness (pass `gw.env`). The process runs
// in its own process group; kill() or a timeout SIGKILLs the whole group.

import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { CliResult } from "./gateway.js";
import { resolveOpenClaw } from "./openclaw-under-test.js";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const ANSI_RE = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

function harnessPaths(): { node24: string; openclaw: string } {
  const parsed = JSON.parse(readFileSync(join(REPO_ROOT, ".cache", "env.json"), "utf8")) as { node24?: unknown; openclaw?: unknown };
  if (typeof parsed.node24 !== "string" || typeof parsed.openclaw !== "string") throw new Error(".cache/env.json is malformed: run `node scripts/setup.mjs`");
  // The same OpenClaw as the gateway harness (E2E_OPENCLAW): another release would migrate the
  // state database under the gateway's feet.
  return { node24: parsed.node24, openclaw: resolveOpenClaw(REPO_ROOT, parsed.openclaw, process.env.E2E_OPENCLAW).entry };
}

export interface InteractiveCli {
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `re` in stdout+stderr (ANSI stripped). */
  waitForOutput(re: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  write(text: string): void;
  end(): void;
  /** Resolves when the process has exited (code 124 after the overall timeout). */
  exit: Promise<CliResult>;
  kill(): void;
}

export function spawnOpenClaw(args: string[], opts: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs?: number }): InteractiveCli {
  const { node24, openclaw } = harnessPaths();
  const child = spawn(node24, [openclaw, ...args], { cwd: opts.cwd, env: opts.env, stdio: ["pipe", "pipe", "pipe"], detached: true });
  let out = "";
  let err = "";
  const listeners = new Set<() => void>();
  const changed = (): void => {
    for (const l of listeners) l();
  };
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stdout.on("data", (c: string) => {
    out += c;
    changed();
  });
  child.stderr.on("data", (c: string) => {
    err += c;
    changed();
  });
  child.stdin.on("error", () => undefined);
  const killGroup = (): void => {
    try {
      if (child.pid) process.kill(-child.pid, "SIGKILL");
    } catch {
      // gone already
    }
  };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, opts.timeoutMs ?? 120_000);
  let exited = false;
  const exit = new Promise<CliResult>((resolveExit, reject) => {
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      exited = true;
      changed();
      resolveExit({
        code: timedOut ? 124 : (code ?? (signal ? 128 : 1)),
        stdout: out.replace(ANSI_RE, ""),
        stderr: err.replace(ANSI_RE, "") + (timedOut ? `\n[interactive-cli] timed out after ${opts.timeoutMs ?? 120_000} ms\n` : ""),
      });
    });
  });
  return {
    stdout: () => out.replace(ANSI_RE, ""),
    stderr: () => err.replace(ANSI_RE, ""),
    waitForOutput(re, timeoutMs) {
      return new Promise<RegExpExecArray>((resolveWait, reject) => {
        const check = (): void => {
          const m = re.exec(`${out}\n${err}`.replace(ANSI_RE, ""));
          if (m) {
            done();
            resolveWait(m);
          } else if (exited) {
            done();
            reject(new Error(`process exited before printing ${re}\n--- stdout ---\n${out}\n--- stderr ---\n${err}`));
          }
        };
        const t = setTimeout(() => {
          done();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${re}\n--- stdout ---\n${out}\n--- stderr ---\n${err}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(t);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    write(text) {
      child.stdin.write(text);
    },
    end() {
      child.stdin.end();
    },
    exit,
    kill: killGroup,
  };
}
