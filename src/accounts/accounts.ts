import { promises as fs } from "node:fs";
import path from "node:path";
import { PLUGIN_ID, accountProfileId, type PluginConfig } from "../core/config.js";
import { PluginError } from "../core/errors.js";

/**
 * Several Claude logins in one gateway. The account configured today (`credentialsPath`,
 * `profileId`) is the one named `default`; every other account is a credentials file the plugin
 * keeps under its own state directory, added by `login --account NAME` or `import --account NAME`
 * with no config edit. Everything else an account has (its OpenClaw profile, its lock, its alert
 * ledger) follows from its name, so adding one is just writing its file.
 */

export const DEFAULT_ACCOUNT = "default";
const NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** Pure: a valid account name, or a clear refusal that says what is allowed. */
export function parseAccountName(raw: unknown): string {
  if (raw === undefined || raw === null || raw === "") return DEFAULT_ACCOUNT;
  if (typeof raw !== "string" || !NAME.test(raw)) {
    throw new PluginError("config_invalid", `Account name ${JSON.stringify(raw)} is not valid: use lowercase letters, digits and "-", at most 32 characters, starting with a letter or digit (for example "work").`);
  }
  return raw;
}

export function accountsDir(stateDir: string): string {
  return path.join(stateDir, PLUGIN_ID, "accounts");
}

/**
 * Pure: the settings of one account, derived from the plugin's own. Refused when the account's
 * profile is the one the config gives the `default` account (`login --account work` with
 * `profileId: anthropic:subscription-work`): both logins would publish into one profile.
 */
export function accountConfig(base: PluginConfig, name: string, stateDir: string): PluginConfig {
  if (name === DEFAULT_ACCOUNT) return base;
  const profileId = accountProfileId(name);
  if (profileId === base.profileId) {
    throw new PluginError(
      "config_invalid",
      `Account "${name}" would use OpenClaw profile ${profileId}, which the config's profileId already gives the default account; two logins in one profile overwrite each other's token. Choose another account name, or another profileId: openclaw config set plugins.entries.${PLUGIN_ID}.config.profileId <another id>.`,
    );
  }
  return { ...base, credentialsPath: path.join(accountsDir(stateDir), `${name}.json`), profileId };
}

/** Where an account's sent alerts are remembered; `default` keeps the file it always had. */
export function alertLedgerPath(stateDir: string, name: string): string {
  return path.join(stateDir, PLUGIN_ID, name === DEFAULT_ACCOUNT ? "alerts.json" : `alerts-${name}.json`);
}

/** The accounts that exist: `default` and every `<name>.json` in the accounts directory. */
export async function listAccounts(stateDir: string): Promise<string[]> {
  let files: string[];
  try {
    files = await fs.readdir(accountsDir(stateDir));
  } catch {
    files = [];
  }
  const names = files
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -".json".length))
    .filter((n) => NAME.test(n) && n !== DEFAULT_ACCOUNT)
    .sort();
  return [DEFAULT_ACCOUNT, ...names];
}
