import { decideOrder, standingOf } from "../accounts/account-order.js";
import { listAccounts } from "../accounts/accounts.js";
import { orderRecordPath, readOrderRecord } from "../accounts/order-record.js";
import { fileMode, fileModes, statusFromAccounts, toStatusJson } from "./build.js";
import type { AccountStatus, ServiceStatus, StatusJson } from "./types.js";

/**
 * The status value with no gateway running: from the same files the pool reads (each account's
 * credentials file and alert ledger, and the pool's `order.json`), with each account's place
 * decided by the same order policy the pool runs. So `place` is the order agents use, not the
 * order the files are listed in.
 */

export interface FileStatusDeps {
  stateDir: string;
  /** One account's status read from its files, the way its service sees them (nothing published). */
  inspect(name: string): Promise<ServiceStatus>;
  /** The config's `switchAtPercent`: part of the order policy. */
  switchAtPercent: number;
  now(): number;
}

/** Pure: each account's place (1 = agents use it first), by the pool's policy over these statuses. */
export function placesByPolicy(statuses: ReadonlyArray<readonly [string, ServiceStatus]>, previousOrder: readonly string[], switchAtPercent: number, now: number): Map<string, number> {
  const { order } = decideOrder(
    statuses.map(([name, s]) => standingOf(name, s, now)),
    previousOrder,
    switchAtPercent,
    now,
  );
  return new Map(order.map((name, i) => [name, i + 1]));
}

/** Every account (or, with `account`, that one alone, as `status --account NAME` has always shown it). */
export async function statusFromFiles(deps: FileStatusDeps, account?: string): Promise<StatusJson> {
  if (account !== undefined) {
    const status = await deps.inspect(account);
    const mode = await fileMode(status.credentialsPath);
    return toStatusJson(status, deps.now(), { source: "file", ...(mode === undefined ? {} : { mode }) });
  }
  const statuses: Array<readonly [string, ServiceStatus]> = [];
  for (const name of await listAccounts(deps.stateDir)) statuses.push([name, await deps.inspect(name)] as const);
  const record = await readOrderRecord(orderRecordPath(deps.stateDir));
  const now = deps.now();
  const places = placesByPolicy(statuses, record.order, deps.switchAtPercent, now);
  const accounts: AccountStatus[] = statuses.map(([name, s]) => ({ ...s, name, place: places.get(name) ?? statuses.length }));
  return statusFromAccounts(accounts, now, { source: "file", modes: await fileModes(accounts) });
}
