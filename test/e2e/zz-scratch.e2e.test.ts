import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { startFakeMessagesApi, type FakeMessagesApi } from "../support/fake-messages-api.js";
import { claudeCredentialsJson, startFakeTokenEndpoint, type FakeTokenEndpoint } from "../support/fake-token-endpoint.js";
import { createGateway, type Gateway } from "../support/gateway.js";

describe("scratch", () => {
  let messages: FakeMessagesApi; let fake: FakeTokenEndpoint; let gw: Gateway;
  const out: string[] = [];
  const log = (name: string, r: unknown) => { out.push(`===== ${name}\n${typeof r === "string" ? r : JSON.stringify(r, null, 2)}`); writeFileSync("/tmp/explore/out.txt", out.join("\n")); };
  beforeAll(async () => {
    fake = await startFakeTokenEndpoint({ expiresInSec: 100 });
    messages = await startFakeMessagesApi({ authorize: (b) => fake.isAccessTokenValid(b) });
    gw = await createGateway({ messagesBaseUrl: messages.baseUrl, pluginConfig: { tokenUrl: fake.url, refreshBeforeExpiryMinutes: 1, refreshIntervalMinutes: 1, authorizeUrl: "http://127.0.0.1:9/authorize" } });
    await gw.start();
  });
  afterAll(async () => { writeFileSync("/tmp/explore/gateway.txt", gw.output()); await gw.stop({ cleanup: false }); await messages.close(); await fake.close(); });
  it("explores", async () => {
    await gw.waitForOutput(/Credentials file not found/, 60_000);
    log("config set 0", await gw.cli(["config", "set", "plugins.entries.claude-oauth-refresh.config.refreshIntervalMinutes", "0"]));
    log("config set url", await gw.cli(["config", "set", "plugins.entries.claude-oauth-refresh.config.tokenUrl", "http://example.com/x"]));
    log("config get", await gw.cli(["config", "get", "plugins.entries.claude-oauth-refresh.config.refreshIntervalMinutes"]));
    log("status json nocreds", await gw.cli(["claude-oauth", "status", "--json"]));
    const login = fake.mintLogin({ expiresInSec: 100 });
    const doc = claudeCredentialsJson(login, { mcpOAuth: { x: 1 } });
    log("import", await gw.cli(["claude-oauth", "import", "-"], { input: JSON.stringify(doc) }));
    log("status", await gw.cli(["claude-oauth", "status"]));
    log("status json", await gw.cli(["claude-oauth", "status", "--json"]));
    log("gateway call", await gw.cli(["gateway", "call", "claude-oauth.status", "--json"]));
    log("turn", await gw.agentTurn("ping"));
    log("messages", messages.requests);
    log("models status", await gw.cli(["models", "status", "--json"]));
    log("posts", fake.posts);
    log("refresh force", await gw.cli(["claude-oauth", "refresh", "--force"]));
    log("posts", fake.posts.length);
    log("config set 2", await gw.cli(["config", "set", "plugins.entries.claude-oauth-refresh.config.refreshIntervalMinutes", "2"]));
    await gw.waitForOutput(/Refresh interval: 2 min/, 90_000);
    log("turn2", await gw.agentTurn("ping"));
    log("messages", messages.requests);
    log("status after reload", await gw.cli(["claude-oauth", "status", "--json"]));
  });
});
