import { howToLogInAgain } from "../login/credentials.js";
import { MINUTE_MS, minutesLeft } from "../login/schedule.js";

/**
 * The sentences one account's service says (log lines, the event log, refresh reports): decide.ts
 * decides when, these say what. Kept apart from the decisions so the wording can change without
 * touching them, and so no decision ever reads its own wording back (errors go by code).
 */

/** The seed's start-up lines, printed by the first account only. */
export function bannerLines(credentialsPath: string, refreshIntervalMinutes: number, publishProfile: boolean): string[] {
  const lines = ["🔄 Claude OAuth Auto-Refresh plugin loading...", "✅ Plugin loaded successfully", `   Credentials: ${credentialsPath}`, `   Refresh interval: ${refreshIntervalMinutes} min`];
  if (!publishProfile) lines.push("   Native-login mode (publishProfile off): no OpenClaw auth profile is published; agents use Claude Code's own login.");
  return lines;
}

export function clockJumpedMessage(wallElapsedMs: number, monotonicElapsedMs: number): string {
  return `Clock jumped or the machine was suspended (wall clock moved ${Math.round(wallElapsedMs / 1000)} s while ${Math.round(monotonicElapsedMs / 1000)} s passed); checking the token now.`;
}

/** How long the token we hold is still good for, as the periodic check logs it. */
export function validityMessage(expiresAt: number, now: number): { level: "info" | "warn"; message: string } {
  if (expiresAt > now) return { level: "info", message: `Token still valid for ${minutesLeft(expiresAt, now)} minutes` };
  return { level: "warn", message: `Token expired ${Math.floor((now - expiresAt) / MINUTE_MS)} minutes ago; refreshing now` };
}

export function lockSkippedMessage(lockPath: string, errCode: string | undefined, parent: string, mainLock: string | undefined): string {
  return (
    `Claude Code's legacy lock ${lockPath} cannot be created (${errCode ?? "error"}: ${parent} is not writable by the gateway's user). ` +
    `Refreshing under Claude Code's main lock ${mainLock} alone, which current Claude Code releases take first. ` +
    `A Claude Code release that takes only the legacy lock could race with the plugin: make ${parent} writable by this user, or keep Claude Code up to date.`
  );
}

export function stoppingUnsavedMessage(credentialsPath: string, lastErrorMessage: string | undefined): string {
  return `Stopping with refreshed tokens that could not be saved to ${credentialsPath}; the login will be lost unless the file can be written. ${lastErrorMessage ?? ""}`;
}

export function loggedOutMessage(profileId: string, credentialsPath: string, kept: boolean): string {
  return `Logged out: removed OpenClaw profile ${profileId}${kept ? `; kept ${credentialsPath}` : ` and ${credentialsPath}`}.`;
}

export function modeTightenedMessage(credentialsPath: string, mode: number): string {
  return `Credentials file ${credentialsPath} was readable by other users (mode ${mode.toString(8)}); changed it to 600.`;
}

export function refusedBeforeMessage(credentialsPath: string): string {
  return `The Claude login in ${credentialsPath} was refused by the token server before this restart and cannot be refreshed. ${howToLogInAgain(credentialsPath)}`;
}

export function newLoginMessages(credentialsPath: string): { log: string; event: string } {
  return { log: `Credentials file ${credentialsPath} has a new login; resuming.`, event: "The credentials file has a new login; refreshing resumed." };
}

export function publishedAfterFailureMessage(profileId: string): string {
  return `Published the token to OpenClaw profile ${profileId} after an earlier failure.`;
}

export function publishFailedMessage(profileId: string, reason: string): string {
  return `Could not publish the token to OpenClaw (profile ${profileId}): ${reason} Retrying within a minute.`;
}

export const notDueMessage = (expiresAt: number, now: number): string => `Token not due for refresh; valid for ${minutesLeft(expiresAt, now)} minutes`;

export const refreshedElsewhereMessage = (expiresAt: number, now: number): string =>
  `The credentials file already holds a newer token (refreshed by another process, or a new login); valid for ${minutesLeft(expiresAt, now)} minutes`;

export const refreshedMessage = (expiresAt: number, dueAt: number, now: number): string =>
  `Token refreshed; valid for ${minutesLeft(expiresAt, now)} minutes (next refresh in ${minutesLeft(dueAt, now)} minutes)`;

export const refreshedUnsavedMessage = (problem: string, retryInMs: number): string =>
  `Token refreshed, but NOT saved: ${problem} The new login exists only in this process's memory; retrying the write in ${Math.round(retryInMs / 1000)} s.`;

export const refreshFailedEvent = (problem: string): string => `Refresh failed: ${problem}`;

/** A failure the owner must act on (the login is gone, or the file is missing or broken). */
export const refreshFailedMessage = (problem: string): string => `Token refresh failed: ${problem}`;

/** The refresh's outcome is unknown: its token is not sent again while agents use the access token; how long they still have. */
export function maybeSpentMessage(problem: string, expiresAt: number | undefined, now: number): string {
  const urgency =
    expiresAt !== undefined && expiresAt - now > 0
      ? `The current access token stays in use for ${minutesLeft(expiresAt, now)} more minutes.`
      : "The current access token has expired: agents cannot use Claude until the file holds a new login.";
  return `Token refresh failed: ${problem} ${urgency}`;
}

/** A failure that is retried; `retryable` false adds the hint that it will not fix itself. */
export function retryingMessage(problem: string, delayMs: number, expiresAt: number | undefined, now: number, retryable: boolean): string {
  const urgency =
    expiresAt !== undefined && expiresAt - now > 0
      ? `The current token is valid for ${minutesLeft(expiresAt, now)} more minutes.`
      : "The current token has expired: agents cannot use Claude until a refresh succeeds.";
  const hint = retryable ? "" : " This will not fix itself: check the plugin's tokenUrl and clientId.";
  return `Token refresh failed: ${problem} Retrying in ${Math.round(delayMs / 1000)} s. ${urgency}${hint}`;
}
