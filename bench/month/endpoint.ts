import type { PluginError as PluginErrorClass } from "../../src/core/errors.js";
import type { RawAnswer, TokenRequest } from "../../src/login/token-endpoint.js";
import { TokenRotation, grantAnswer } from "../../test/support/token-rotation.js";
import type { SimClock } from "./clock.js";
import { windowAt, type FaultWindow } from "./faults.js";

/**
 * The month's token endpoint: the project's one fake token server (test/support/token-rotation.ts:
 * one use per refresh token; a spent one answers 400 invalid_grant and revokes the login's live
 * pair, as the e2e fake does by default) on the simulated clock, answered in-process, with the
 * month's faults played by monotonic time on top. Passed to the service as `refresh.post`.
 */

export interface SimLogin {
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
}

export interface PostRecord {
  mono: number;
  outcome: "ok" | "5xx" | "429" | "timeout" | "lost-rotation" | "invalid_grant";
  reuse: boolean;
}

export const ACCESS_LIFE_SEC = 8 * 3600;

export class SimEndpoint {
  readonly posts: PostRecord[] = [];
  reuses = 0;
  lostRotations: number[] = [];
  private armed = false;
  private readonly rotation: TokenRotation;
  private readonly clock: SimClock;
  private readonly windows: readonly FaultWindow[];
  private readonly PluginError: typeof PluginErrorClass;

  constructor(clock: SimClock, windows: readonly FaultWindow[], label: string, pluginError: typeof PluginErrorClass) {
    this.clock = clock;
    this.windows = windows;
    this.PluginError = pluginError;
    this.rotation = new TokenRotation({
      now: () => clock.now(),
      clientId: false,
      fullAnswer: false,
      expiresInSec: ACCESS_LIFE_SEC,
      newToken: (kind, n) => `sk-ant-${kind === "access" ? "oat01" : "ort01"}-FAKE-sim-${label}-${n}`,
    });
  }

  /** A new login (what `claude /login` + import gives the operator). */
  mint(): SimLogin {
    const { accessToken, refreshToken, expiresAt } = this.rotation.mintLogin();
    return { accessToken, refreshToken, expiresAt };
  }

  /** The next request rotates server-side, then the answer is lost (timeout). */
  armLostRotation(): void {
    this.armed = true;
  }

  isRevoked(accessToken: string): boolean {
    return this.rotation.isRevoked(accessToken);
  }

  private timeout(): Error {
    return new this.PluginError("outcome_unknown", "Token endpoint did not answer within 15 s; the server may or may not have rotated the refresh token.");
  }

  readonly post = async (request: TokenRequest): Promise<RawAnswer> => {
    const mono = this.clock.monotonic();
    const token = request.body.refresh_token ?? "";
    const reuse = this.rotation.isRefreshTokenSpent(token);
    const log = (outcome: PostRecord["outcome"]) => {
      this.posts.push({ mono, outcome, reuse });
      if (reuse) this.reuses += 1;
    };

    if (this.armed && this.rotation.isRefreshTokenLive(token)) {
      this.armed = false;
      this.rotation.grant(request.body); // rotated: the new pair exists only on the server
      this.lostRotations.push(mono);
      log("lost-rotation");
      throw this.timeout();
    }
    const window = windowAt(this.windows, mono);
    if (window?.kind === "5xx") {
      log("5xx");
      return { status: 503, headers: new Headers(), body: JSON.stringify({ type: "error", error: { type: "api_error", message: "Overloaded (FAKE)" } }) };
    }
    if (window?.kind === "429") {
      log("429");
      return { status: 429, headers: new Headers({ "retry-after": String(window.retryAfterSec) }), body: "" };
    }
    if (window?.kind === "timeout") {
      log("timeout");
      throw this.timeout();
    }
    const grant = this.rotation.grant(request.body);
    log(grant.status === 200 ? "ok" : "invalid_grant");
    return grantAnswer(grant);
  };
}
