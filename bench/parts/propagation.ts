import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { MessagesRequest } from "../../test/support/fake-messages-api.js";
import type { TokenAnswer } from "../lib/answers.js";
import { REPO, type BenchEnv } from "../lib/env.js";
import { RpcHelper } from "../lib/rpc.js";
import { timedLines, type GatewaySession } from "../lib/session.js";
import { StoreWatcher } from "../lib/store.js";
import { median, sleep, summarize, type Summary } from "../lib/stats.js";

/**
 * 2. Propagation: from the fake token endpoint's answer to the gateway using the new token, in one
 * running gateway. Refreshes are triggered through the plugin's own gateway method
 * (`claude-oauth.refresh` with force, what `openclaw gateway call claude-oauth.refresh` does) from
 * one long-lived RPC client; the clock starts at the endpoint's answer, so the trigger does not
 * count. (Timer-driven refreshes were tried first: the service now refreshes at half a token's
 * lifetime when that is shorter than the margin, so a fast chain of short-lived tokens would test
 * that rule rather than propagation.)
 *   (a) answer -> the plugin's "Token refreshed" log line (the gateway's own timestamp); the service
 *       logs it after saving the file and BEFORE publishing (service.ts applyResult), so
 *   (c) answer -> the token is in OpenClaw's auth store (SQLite, polled every 5 ms from outside,
 *       and the row's own updated_at_ms) is what "published" means;
 *   (b) for a subset: an agent turn started the instant the endpoint answers; answer -> first
 *       Messages API request of that turn carrying the new bearer. The turn's own fixed latency
 *       (send -> first Messages request, token unchanged) is measured in the same run,
 *       interleaved, and subtracted for the net figure.
 */

export interface RefreshSample {
  answerAt: number;
  loggedAt?: number;
  storeSeenAt?: number;
  storeUpdatedAt?: number;
}

export interface TurnSample {
  kind: "baseline" | "after-refresh";
  /** send -> first main-model request (baseline), or answer -> first main-model request (after refresh). */
  latencyMs: number;
  usedNewToken: boolean;
  ok: boolean;
}

export interface PropagationResult {
  refreshes: RefreshSample[];
  toLogged: Summary;
  toStore: Summary;
  /** "Token refreshed" line -> token in the store: the in-gateway publish (plus <= 5 ms polling). */
  logToStore: Summary;
  /** answer -> the store row's own updated_at_ms (the writer's clock: no polling delay). */
  toStoreUpdatedAt: Summary;
  turns: TurnSample[];
  baseline: Summary;
  raw: Summary;
  net: Summary;
  /** Turns after a refresh whose first request still carried the old token. */
  oldTokenTurns: number;
  failedTurns: number;
  failedRefreshes: number;
  unmatchedLogLines: number;
}

const MAIN_MODEL = "claude-opus-5";

function firstMainRequest(requests: readonly MessagesRequest[], fromIndex: number, notBefore: number): MessagesRequest | undefined {
  return requests.slice(fromIndex).find((r) => r.at >= notBefore && r.path === "/v1/messages" && r.model === MAIN_MODEL);
}

/** Resolves with the next 200 answer of the fake token endpoint. */
function nextAnswer(session: GatewaySession, timeoutMs: number): Promise<TokenAnswer | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      off();
      resolve(undefined);
    }, timeoutMs);
    const off = session.onAnswer((a) => {
      if (a.status !== 200) return;
      clearTimeout(timer);
      off();
      resolve(a);
    });
  });
}

export async function propagation(session: GatewaySession, env: BenchEnv, opts: { refreshes: number; turns: number; log: (m: string) => void }): Promise<PropagationResult> {
  const { gw, fake, messages } = session;
  const { log } = opts;
  fake.expiresInSec = 28_800;
  session.setPluginEnabled(true);
  const current = JSON.parse(readFileSync(session.credentialsPath, "utf8")) as { claudeAiOauth?: { expiresAt?: number } };
  if ((current.claudeAiOauth?.expiresAt ?? 0) - Date.now() < 3_600_000) {
    if (session.isRunning) await session.stop();
    await session.writeLogin(fake.mintLogin());
  }
  if (!session.isRunning) await session.start();

  const from = gw.output().length;
  let rpc: RpcHelper | undefined;
  let watcher: StoreWatcher | undefined;
  try {
    rpc = new RpcHelper(env.node24, gw.env, REPO);
    await rpc.ready;
    watcher = new StoreWatcher(path.join(gw.stateDir, "state", "openclaw.sqlite"), 5);
    for (let i = 0; i < 2; i++) await rpc.call("claude-oauth.refresh", { force: true }); // warm-up: first calls are slower

    const samples: RefreshSample[] = [];
    let failedRefreshes = 0;
    for (let i = 0; i < opts.refreshes; i++) {
      const answered = nextAnswer(session, 30_000);
      const call = await rpc.call("claude-oauth.refresh", { force: true });
      const answer = await answered;
      if (!call.ok || !answer?.accessToken) {
        failedRefreshes += 1;
        continue;
      }
      const sample: RefreshSample = { answerAt: answer.at };
      const hit = await watcher.waitFor(answer.accessToken, 10_000);
      if (hit) {
        sample.storeSeenAt = hit.seenAt;
        sample.storeUpdatedAt = hit.updatedAt;
      }
      samples.push(sample);
      await sleep(300);
    }
    await sleep(500); // the last "Token refreshed" line reaches our buffer

    // (a) each answer's "Token refreshed" line: the first one at or after it (ms timestamps).
    const lines = timedLines(gw.output().slice(from), /\[claude-oauth-refresh\] Token refreshed; /);
    let unmatched = 0;
    for (const s of samples) {
      const line = lines.find((l) => l.at >= s.answerAt - 1 && l.at - s.answerAt < 10_000);
      if (line) s.loggedAt = line.at;
      else unmatched += 1;
    }
    const inStore = samples.filter((s) => s.storeSeenAt !== undefined);
    log(`  ${samples.length} forced refreshes; ${samples.filter((s) => s.loggedAt).length} "Token refreshed" lines matched, ${inStore.length} seen in the store`);

    // (b) agent turns through the same RPC client.
    const turns: TurnSample[] = [];
    const helper = rpc;
    const agent = () => helper.call("agent", { message: "ping", agentId: "main", idempotencyKey: `bench-${randomBytes(6).toString("hex")}` }, true);
    for (let i = 0; i < 2; i++) await agent(); // warm-up: the first turn of a session is slow
    for (let i = 0; i < opts.turns; i++) {
      {
        const before = messages.requests.length;
        const currentBearer = messages.lastBearer();
        const sentAt = Date.now();
        const result = await agent();
        const req = firstMainRequest(messages.requests, before, sentAt);
        turns.push({ kind: "baseline", latencyMs: req ? req.at - sentAt : Number.NaN, usedNewToken: req?.authorization === `Bearer ${currentBearer}`, ok: result.ok && req !== undefined });
      }
      {
        const before = messages.requests.length;
        let answer: TokenAnswer | undefined;
        let turn: ReturnType<typeof agent> | undefined;
        const off = session.onAnswer((a) => {
          if (a.status !== 200 || answer) return;
          answer = a;
          turn = agent(); // sent at the instant of the answer
        });
        const refresh = await helper.call("claude-oauth.refresh", { force: true });
        off();
        const result = turn ? await turn : undefined;
        const req = answer ? firstMainRequest(messages.requests, before, answer.at) : undefined;
        turns.push({
          kind: "after-refresh",
          latencyMs: req && answer ? req.at - answer.at : Number.NaN,
          usedNewToken: req !== undefined && answer?.accessToken !== undefined && req.authorization === `Bearer ${answer.accessToken}`,
          ok: refresh.ok && result?.ok === true && req !== undefined,
        });
      }
    }
    const baseline = turns.filter((t) => t.kind === "baseline" && t.ok).map((t) => t.latencyMs);
    const after = turns.filter((t) => t.kind === "after-refresh" && t.ok && t.usedNewToken).map((t) => t.latencyMs);
    const fixed = median(baseline);
    log(`  agent turns: fixed latency (send -> request) ${fixed.toFixed(0)} ms median; after a refresh (answer -> request with the new token) ${median(after).toFixed(0)} ms median`);

    return {
      refreshes: samples,
      toLogged: summarize(samples.filter((s) => s.loggedAt !== undefined).map((s) => (s.loggedAt ?? 0) - s.answerAt)),
      toStore: summarize(inStore.map((s) => (s.storeSeenAt ?? 0) - s.answerAt)),
      logToStore: summarize(inStore.filter((s) => s.loggedAt !== undefined).map((s) => (s.storeSeenAt ?? 0) - (s.loggedAt ?? 0))),
      toStoreUpdatedAt: summarize(inStore.map((s) => (s.storeUpdatedAt ?? 0) - s.answerAt)),
      turns,
      baseline: summarize(baseline),
      raw: summarize(after),
      net: summarize(after.map((x) => x - fixed)),
      oldTokenTurns: turns.filter((t) => t.kind === "after-refresh" && t.ok && !t.usedNewToken).length,
      failedTurns: turns.filter((t) => !t.ok).length,
      failedRefreshes,
      unmatchedLogLines: unmatched,
    };
  } finally {
    watcher?.close();
    await rpc?.close();
  }
}
