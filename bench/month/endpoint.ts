import type { PluginError as PluginErrorClass } from "../../src/core/errors.js";
import type { RawAnswer, TokenRequest } from "../../src/login/token-endpoint.js";
import type { SimClock } from "./clock.js";
import { windowAt, type FaultWindow } from "./faults.js";

/**
 * An in-memory token endpoint that rotates like Anthropic's (one use per refresh token; a spent one
 * answers 400 invalid_grant and, like the e2e fake's default, revokes the login's live pair), with
 * the month's faults played by monotonic time. Passed to the service as `refresh.post`.
 */

export interface SimLogin {
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
}

interface Family {
  id: number;
  revoked: boolean;
  live: string | undefined;
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
  private readonly refreshTokens = new Map<string, { family: Family; spent: boolean }>();
  private readonly accessTokens = new Map<string, Family>();
  private families = 0;
  private issued = 0;
  private readonly clock: SimClock;
  private readonly windows: readonly FaultWindow[];
  private readonly label: string;
  private readonly PluginError: typeof PluginErrorClass;

  constructor(clock: SimClock, windows: readonly FaultWindow[], label: string, pluginError: typeof PluginErrorClass) {
    this.clock = clock;
    this.windows = windows;
    this.label = label;
    this.PluginError = pluginError;
  }

  /** A new login (what `claude /login` + import gives the operator). */
  mint(): SimLogin {
    const family: Family = { id: ++this.families, revoked: false, live: undefined };
    return this.issue(family);
  }

  /** The next request rotates server-side, then the answer is lost (timeout). */
  armLostRotation(): void {
    this.armed = true;
  }

  isRevoked(accessToken: string): boolean {
    return this.accessTokens.get(accessToken)?.revoked ?? false;
  }

  private issue(family: Family): SimLogin {
    this.issued += 1;
    const accessToken = `sk-ant-oat01-FAKE-sim-${this.label}-${this.issued}`;
    const refreshToken = `sk-ant-ort01-FAKE-sim-${this.label}-${this.issued}`;
    this.refreshTokens.set(refreshToken, { family, spent: false });
    this.accessTokens.set(accessToken, family);
    family.live = refreshToken;
    return { accessToken, refreshToken, expiresAt: this.clock.now() + ACCESS_LIFE_SEC * 1000 };
  }

  private invalidGrant(): RawAnswer {
    return { status: 400, headers: new Headers(), body: JSON.stringify({ error: "invalid_grant", error_description: "Refresh token not found or invalid" }) };
  }

  readonly post = async (request: TokenRequest): Promise<RawAnswer> => {
    const mono = this.clock.monotonic();
    const token = request.body.refresh_token ?? "";
    const record = this.refreshTokens.get(token);
    const reuse = record?.spent === true;
    const log = (outcome: PostRecord["outcome"]) => {
      this.posts.push({ mono, outcome, reuse });
      if (reuse) this.reuses += 1;
    };

    if (this.armed && record && !record.spent && !record.family.revoked) {
      this.armed = false;
      record.spent = true;
      this.issue(record.family); // rotated: the new pair exists only on the server
      this.lostRotations.push(mono);
      log("lost-rotation");
      throw new this.PluginError("outcome_unknown", "Token endpoint did not answer within 15 s; the server may or may not have rotated the refresh token.");
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
      throw new this.PluginError("outcome_unknown", "Token endpoint did not answer within 15 s; the server may or may not have rotated the refresh token.");
    }
    if (!record || record.spent || record.family.revoked) {
      if (record?.spent) {
        // Replaying a spent token: the server treats it as theft and revokes the login's live pair.
        record.family.revoked = true;
      }
      log("invalid_grant");
      return this.invalidGrant();
    }
    record.spent = true;
    const next = this.issue(record.family);
    log("ok");
    return {
      status: 200,
      headers: new Headers(),
      body: JSON.stringify({ access_token: next.accessToken, refresh_token: next.refreshToken, expires_in: ACCESS_LIFE_SEC, token_type: "Bearer" }),
    };
  };
}
