import type { AccountPool } from "../accounts/account-pool.js";
import type { StatusJson } from "./types.js";

/**
 * The status value from the running gateway's pool: one snapshot of every account (with its place
 * in the order the pool decided), built once per request. The gateway method, the HTTP route and
 * the dashboard's first paint all answer with it. The builder is imported on the first request:
 * the gateway loads the plugin's entry (which registers those surfaces) twice at start-up and
 * every command loads it once, and none of them needs it then.
 */
export async function liveStatus(pool: Pick<AccountPool, "statuses">, account?: string, now: () => number = Date.now): Promise<StatusJson> {
  const { fileModes, statusFromAccounts } = await import("./build.js");
  const accounts = pool.statuses();
  const modes = await fileModes(accounts);
  return statusFromAccounts(accounts, now(), { source: "gateway", modes, ...(account === undefined ? {} : { account }) });
}
