import type { Clock } from "../core/clock.js";
import { errorMessage } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { redact } from "../core/redact.js";
import type { ClaudeOAuth } from "../login/credentials.js";
import type { Publisher } from "../openclaw/publish.js";
import { publishFailedMessage, publishedAfterFailureMessage } from "./messages.js";

/**
 * Puts the access token into OpenClaw, and remembers a failed attempt (`pending`) so the next
 * wake-up tries again: a publish that failed must not wait for the next refresh, hours away.
 */
export class TokenPublishing {
  /** The last publish failed: try again at the next wake-up (or after the next refresh). */
  pending = false;

  constructor(private readonly deps: { publisher: Publisher; profileId: string; log: Logger; clock: Clock }) {}

  async publish(o: ClaudeOAuth | undefined): Promise<void> {
    if (!o) return;
    if (o.expiresAt <= this.deps.clock.now()) {
      this.pending = false; // an expired token is useless to agents; the refresh will publish
      return;
    }
    try {
      await this.deps.publisher.publish({ accessToken: o.accessToken, expiresAt: o.expiresAt, ...(o.accountEmail ? { email: o.accountEmail } : {}) });
      if (this.pending) this.deps.log.info(publishedAfterFailureMessage(this.deps.profileId));
      this.pending = false;
    } catch (err) {
      this.pending = true;
      this.deps.log.warn(publishFailedMessage(this.deps.profileId, redact(errorMessage(err))));
    }
  }
}
