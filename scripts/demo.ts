// `npm run demo`: the plugin in a real OpenClaw gateway, against a local fake of Anthropic's token
// endpoint that issues short-lived tokens, and a local fake Messages API that answers the agent.
// It shows the plugin's own log lines, then after each refresh asks the agent a question and shows
// which token answered (as a fingerprint, never the token). Ctrl-C stops it; so does --rounds N.
import { createHash } from "node:crypto";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startFakeMessagesApi } from "../test/support/fake-messages-api.js";
import { claudeCredentialsJson, startFakeTokenEndpoint } from "../test/support/fake-token-endpoint.js";
import { createGateway, type Gateway } from "../test/support/gateway.js";

// OpenClaw stops using an OAuth token 5 minutes before it expires, and the plugin refreshes
// `refreshBeforeExpiryMinutes` (1 here) before that: 390-second tokens give a refresh every ~45 s.
const TOKEN_LIFETIME_SEC = 390;
const roundsArg = process.argv.indexOf("--rounds");
const rounds = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 3;

const fp = (token: string | undefined) => (token ? createHash("sha256").update(token).digest("hex").slice(0, 8) : "none");
const say = (text: string) => process.stdout.write(`\x1b[36m[demo]\x1b[0m ${text}\n`);

async function main(): Promise<void> {
  const tokens = await startFakeTokenEndpoint({ expiresInSec: TOKEN_LIFETIME_SEC });
  const messages = await startFakeMessagesApi({ authorize: (bearer) => tokens.isAccessTokenValid(bearer) });
  say(`fake token endpoint: ${tokens.url} (tokens live ${TOKEN_LIFETIME_SEC} s, each refresh token works once)`);
  say(`fake Anthropic Messages API: ${messages.baseUrl} (accepts only currently valid tokens)`);

  say("installing the plugin into a fresh, isolated OpenClaw 2026.9.6 (about 20 s) ...");
  const gw: Gateway = await createGateway({
    messagesBaseUrl: messages.baseUrl,
    pluginConfig: { tokenUrl: tokens.url, refreshBeforeExpiryMinutes: 1, refreshIntervalMinutes: 1 },
  });
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    say("stopping the gateway ...");
    await gw.stop().catch(() => undefined);
    await tokens.close();
    await messages.close();
  };
  process.on("SIGINT", () => void shutdown().then(() => process.exit(130)));

  const login = tokens.mintLogin({ expiresInSec: TOKEN_LIFETIME_SEC });
  const credentials = join(gw.stateDir, "claude-credentials.json");
  writeFileSync(credentials, JSON.stringify(claudeCredentialsJson(login), null, 2));
  chmodSync(credentials, 0o600);
  say(`credentials file (as copied from a PC): ${credentials}, token ${fp(login.accessToken)}`);

  // Echo the plugin's own lines as the gateway prints them (complete lines only).
  let printed = 0;
  const echo = setInterval(() => {
    const lines = gw.output().split("\n").slice(0, -1);
    for (const line of lines.slice(printed)) if (line.includes("[claude-oauth-refresh]")) process.stdout.write(`  ${line.trim()}\n`);
    printed = lines.length;
  }, 200);

  say("starting the gateway ...");
  await gw.start();
  await gw.waitForOutput(/Token still valid for \d+ minutes|Token refreshed/, 60_000);

  for (let round = 1; round <= rounds && !stopping; round++) {
    const from = gw.output().length;
    say(`round ${round}/${rounds}: waiting for the plugin's next refresh ...`);
    await gw.waitForOutput(/Token refreshed; valid for/, 180_000, from);
    const before = messages.requests.length;
    const turn = await gw.agentTurn("ping");
    const used = messages.requests.slice(before).map((r) => r.authorization?.replace(/^Bearer /, ""));
    const newest = tokens.latest()?.accessToken;
    const all = used.every((t) => t === newest);
    say(`agent answered "${turn.text ?? turn.error ?? "?"}" using token ${fp(used[0])}; newest issued ${fp(newest)} -> ${all ? "\x1b[32mcurrent\x1b[0m" : "\x1b[31mSTALE\x1b[0m"}`);
  }

  const status = await gw.cli(["claude-oauth", "status"]);
  say("openclaw claude-oauth status:");
  process.stdout.write(`${status.stdout.replace(/^/gm, "  ")}\n`);
  say(`token endpoint saw ${tokens.posts.length} refresh POSTs, all answered: ${tokens.posts.map((p) => p.status).join(", ")}`);
  clearInterval(echo);
  await shutdown();
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
