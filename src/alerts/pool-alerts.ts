/**
 * The words of the alerts that concern the accounts together (the pool decides when; these say
 * what): kept here with the other alert wording, not in the pool's logic.
 */

/** Every account at or above `switchAtPercent` of a usage window: nowhere left to switch to. */
export function allNearlyUsedUpMessage(switchAtPercent: number, firstResetAt: number | undefined): string {
  const when = firstResetAt !== undefined ? `; the first resets at ${new Date(firstResetAt).toISOString()}` : "";
  return `All Claude accounts are nearly used up (every one at ${switchAtPercent} % or more of a usage window)${when}. Agents may stop answering until then; add an account with "openclaw claude-oauth login --account NAME".`;
}

/** With several accounts every alert names its account. */
export function accountAlertMessage(account: string, message: string): string {
  return `Claude account "${account}": ${message}`;
}

/** An account gives way: its profile now carries another account's token (log line). */
export function lendingStartedMessage(account: string, to: string, profileId: string, why: string, sessions: readonly string[]): string {
  const moved = sessions.length ? ` Sessions moved: ${sessions.join(", ")}.` : " No session was pinned to it yet.";
  return `Account ${account} gives way to ${to} (${why}): OpenClaw profile ${profileId} now carries ${to}'s token, so every session on ${account} (Claude CLI sessions included, which OpenClaw keeps on their profile) continues on ${to} at its next turn, with its conversation.${moved}`;
}

/** An account may be used again: its profile carries its own token again (log line). */
export function lendingEndedMessage(account: string, from: string): string {
  return `Account ${account} is usable again: its OpenClaw profile carries its own token again instead of ${from}'s.`;
}
