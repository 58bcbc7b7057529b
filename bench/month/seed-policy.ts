import type { TimerHandle } from "../../src/core/clock.js";
import type { SimClock } from "./clock.js";
import type { SimEndpoint, SimLogin } from "./endpoint.js";

/**
 * A simple model of the original plugin this project replaces: every 30 minutes (setInterval, so
 * on the monotonic clock) read the credentials and refresh when under 10 minutes are left; no lock,
 * no back-off, no Retry-After, no retry before the next poll; an error is logged and forgotten.
 * Modelled generously: its token writes count as published (the real seed wrote legacy
 * auth-profiles.json files that OpenClaw 2026.9.6 no longer reads), and a new login in the file is
 * published at the next poll.
 */

export const SEED_POLL_MS = 30 * 60_000;
export const SEED_MARGIN_MS = 10 * 60_000;

/** The credentials file, in memory: survives the seed's restarts. */
export interface SeedStore {
  oauth: SimLogin;
}

export class SeedPolicy {
  private timer: TimerHandle | undefined;
  private running = false;
  private lastPublished: string | undefined;
  private readonly clock: SimClock;
  private readonly endpoint: SimEndpoint;
  private readonly store: SeedStore;
  private readonly publish: (token: SimLogin) => void;
  errors = 0;

  constructor(clock: SimClock, endpoint: SimEndpoint, store: SeedStore, publish: (token: SimLogin) => void, lastPublished?: string) {
    this.clock = clock;
    this.endpoint = endpoint;
    this.store = store;
    this.publish = publish;
    this.lastPublished = lastPublished;
  }

  start(): void {
    this.running = true;
    void this.check();
    this.arm();
  }

  stop(): void {
    this.running = false;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    this.timer = this.clock.setTimeout(() => {
      if (!this.running) return;
      this.arm();
      void this.check();
    }, SEED_POLL_MS);
  }

  private emit(token: SimLogin): void {
    this.lastPublished = token.accessToken;
    this.publish(token);
  }

  async check(): Promise<void> {
    const o = this.store.oauth;
    if (o.expiresAt - this.clock.now() >= SEED_MARGIN_MS) {
      if (this.lastPublished !== o.accessToken) this.emit(o);
      return;
    }
    try {
      const answer = await this.endpoint.post({
        url: "https://platform.claude.com/v1/oauth/token",
        body: { grant_type: "refresh_token", refresh_token: o.refreshToken, client_id: "9d1c250a-e61b-44d9-88ed-5944d1962f5e" },
      });
      if (answer.status !== 200) {
        this.errors += 1;
        return;
      }
      const json = JSON.parse(answer.body) as { access_token: string; refresh_token?: string; expires_in: number };
      const next: SimLogin = { accessToken: json.access_token, refreshToken: json.refresh_token ?? o.refreshToken, expiresAt: this.clock.now() + json.expires_in * 1000 };
      this.store.oauth = next; // non-atomic write in the original; in memory here
      this.emit(next);
    } catch {
      this.errors += 1;
    }
  }
}
