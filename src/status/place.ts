/**
 * An account's place in the order agents use the accounts in, in words: the same on every surface.
 * Self-contained (no imports): the dashboard page runs it too.
 */

/** 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 22nd … */
export function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  const suffix = n % 10 === 1 ? "st" : n % 10 === 2 ? "nd" : n % 10 === 3 ? "rd" : "th";
  return `${n}${suffix}`;
}

/**
 * "agents use it first", "2nd in line", and while an account gives way "2nd in line; its sessions
 * moved to work (default reached 96 % of its 5-hour window): agent:main:main".
 */
export function placeWords(place: number, lending?: { lentTo?: string; lentBecause?: string; movedSessions?: readonly string[] }): string {
  const words = place === 1 ? "agents use it first" : `${ordinal(place)} in line`;
  if (!lending?.lentTo) return words;
  const why = lending.lentBecause ? ` (${lending.lentBecause})` : "";
  const which = lending.movedSessions?.length ? `: ${lending.movedSessions.join(", ")}` : "";
  return `${words}; its sessions moved to ${lending.lentTo}${why}${which}`;
}
