import type { OpenClawPluginApi } from "openclaw/plugin-sdk/plugin-entry";

/**
 * `openclaw claude-oauth <command>`. Registration is cheap and synchronous; each action imports
 * the command code only when it runs, so `openclaw --help` stays fast.
 */
export const CLI_ROOT = "claude-oauth";

type Api = Pick<OpenClawPluginApi, "registerCli" | "pluginConfig">;

function finish(code: number): void {
  process.exitCode = code;
}

export function registerCli(api: Api): void {
  const pluginConfig = () => api.pluginConfig;
  api.registerCli(
    ({ program }) => {
      const root = program.command(CLI_ROOT).description("Claude subscription login kept alive by claude-oauth-refresh");
      root
        .command("status")
        .description("Show the login: token validity, login end, last and next refresh, state. Exit 0 healthy, 1 attention, 2 broken")
        .option("--json", "machine-readable output (stable; see README)")
        .action(async (opts: { json?: boolean }) => finish(await (await import("./commands.js")).statusCommand(pluginConfig(), opts)));
      root
        .command("refresh")
        .description("Refresh now if due (through the running gateway when there is one)")
        .option("--force", "refresh even if the token is not due")
        .option("--json", "machine-readable output")
        .action(async (opts: { force?: boolean; json?: boolean }) => finish(await (await import("./commands.js")).refreshCommand(pluginConfig(), opts)));
      root
        .command("import [file]")
        .description("Take a Claude Code credentials JSON from FILE or stdin (-), check it, save it 0600 and publish it")
        .action(async (file: string | undefined) => finish(await (await import("./commands.js")).importCommand(pluginConfig(), file)));
      root
        .command("login")
        .description("Log in on this server: open the printed URL in any browser, paste back code#state")
        .action(async () => finish(await (await import("./commands.js")).loginCommand(pluginConfig())));
      root
        .command("logout")
        .description("Remove the plugin's OpenClaw profile and delete the credentials file")
        .option("--keep-credentials", "keep the credentials file")
        .action(async (opts: { keepCredentials?: boolean }) => finish(await (await import("./commands.js")).logoutCommand(pluginConfig(), opts)));
    },
    { descriptors: [{ name: CLI_ROOT, description: "Claude subscription login: status, refresh, import, login, logout", hasSubcommands: true }] },
  );
}
