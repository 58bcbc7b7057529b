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
