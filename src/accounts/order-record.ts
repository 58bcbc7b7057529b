import { promises as fs } from "node:fs";
import path from "node:path";
import { PLUGIN_ID } from "../core/config.js";

/**
 * The account pool's record on disk (`<state dir>/claude-oauth-refresh/order.json`): the order in
 * force and the last "all nearly used up" alert. The pool reads it at start; `status` with no
 * gateway reads the same file, so both give an account the same place.
 */

export interface PoolRecord {
  /** Account names, the one agents use first at the front. */
  order: string[];
  /** The reset moment of the "all accounts nearly used up" alert already sent. */
  allFullAlertFor?: number;
}

export function orderRecordPath(stateDir: string): string {
  return path.join(stateDir, PLUGIN_ID, "order.json");
}

/** The record, or an empty one when the file is absent or unreadable (the order is then decided afresh). */
export async function readOrderRecord(file: string): Promise<PoolRecord> {
  try {
    const v = JSON.parse(await fs.readFile(file, "utf8")) as Partial<PoolRecord>;
    return { order: Array.isArray(v.order) ? v.order.filter((n): n is string => typeof n === "string") : [], ...(typeof v.allFullAlertFor === "number" ? { allFullAlertFor: v.allFullAlertFor } : {}) };
  } catch {
    return { order: [] };
  }
}
