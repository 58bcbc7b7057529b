import type { OpenClawPluginApi } from "openclaw/plugin-sdk/plugin-entry";

/**
 * `openclaw claude-oauth <command>`. Registration is cheap and synchronous; each action imports
 * the command code only when it runs, so `openclaw --help` stays fast.
 */
export const CLI_ROOT = "claude-oauth";

type Api = Pick<OpenClawPluginApi, "registerCli" | "pluginConfig">;
type Commands = typeof import("./commands.js");

const ACCOUNT_OPTION = ["--account <name>", "which Claude account (default: the configured one, named \"default\")"] as const;

/** Runs a command; a refusal (bad account name, bad config) is one line and exit 2, not a stack trace. */
async function run(action: (commands: Commands) => Promise<number>): Promise<void> {
  try {
    process.exitCode = await action(await import("./commands.js"));
  } catch (err) {
    const { PluginError, errorMessage } = await import("../core/errors.js");
    if (!(err instanceof PluginError)) throw err;
    process.stderr.write(`${errorMessage(err)}\n`);
    process.exitCode = 2;
  }
}

export function registerCli(api: Api): void {
  const pluginConfig = () => api.pluginConfig;
  api.registerCli(
    ({ program }) => {
      const root = program.command(CLI_ROOT).description("Claude subscription login kept alive by claude-oauth-refresh");
      root
        .command("status")
        .description("Show every account (or one): token validity, login end, last and next refresh, usage, state. Exit 0 healthy, 1 attention, 2 broken")
        .option("--json", "machine-readable output (stable; see README)")
        .option("--check-usage", "read the subscription's usage windows now instead of showing the last check")
        .option("--check", "for monitors: one line, exit 0 ok, 1 broken or expired, 2 needs attention soon (OpenClaw's models status --check convention)")
        .option(...ACCOUNT_OPTION)
        .action((opts: { json?: boolean; checkUsage?: boolean; check?: boolean; account?: string }) => run((c) => c.statusCommand(pluginConfig(), opts)));
      root
        .command("refresh")
        .description("Refresh now if due (through the running gateway when there is one)")
        .option("--force", "refresh even if the token is not due")
        .option("--json", "machine-readable output")
        .option(...ACCOUNT_OPTION)
        .action((opts: { force?: boolean; json?: boolean; account?: string }) => run((c) => c.refreshCommand(pluginConfig(), opts)));
      root
        .command("import [file]")
        .description("Take a Claude Code credentials JSON from FILE or stdin (-), check it, save it 0600 and publish it")
        .option("--account <name>", "add or replace this account (lowercase letters, digits, -; at most 32)")
        .action((file: string | undefined, opts: { account?: string }) => run((c) => c.importCommand(pluginConfig(), file, undefined, opts)));
      root
        .command("login")
        .description("Log in on this server: open the printed URL in any browser, paste back code#state")
        .option("--account <name>", "add or replace this account (lowercase letters, digits, -; at most 32)")
        .action((opts: { account?: string }) => run((c) => c.loginCommand(pluginConfig(), undefined, opts)));
      root
        .command("logout")
        .description("Remove the account's OpenClaw profile and delete its credentials file (Claude Code's own .credentials.json is kept unless --delete-credentials)")
        .option("--keep-credentials", "keep the credentials file")
        .option("--delete-credentials", "delete the credentials file even when it is Claude Code's own login (logs Claude Code out too)")
        .option(...ACCOUNT_OPTION)
        .action((opts: { keepCredentials?: boolean; deleteCredentials?: boolean; account?: string }) => run((c) => c.logoutCommand(pluginConfig(), opts)));
    },
    { descriptors: [{ name: CLI_ROOT, description: "Claude subscription login: status, refresh, import, login, logout", hasSubcommands: true }] },
  );
}
