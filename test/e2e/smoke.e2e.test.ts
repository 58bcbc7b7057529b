// Smoke test of the e2e harness: one real OpenClaw gateway with the plugin installed the way a user
// installs it, the fake token endpoint and the fake Messages API.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeMessagesApi, type FakeMessagesApi } from "../support/fake-messages-api.js";
import { startFakeTokenEndpoint, type FakeTokenEndpoint } from "../support/fake-token-endpoint.js";
import { createGateway, type Gateway } from "../support/gateway.js";

const LOADING_LINE = /\[claude-oauth-refresh\] 🔄 Claude OAuth Auto-Refresh plugin loading\.\.\./;

describe("e2e smoke: plugin loads in a real gateway, agent turns reach the fake API", () => {
  let messages: FakeMessagesApi | undefined;
  let tokens: FakeTokenEndpoint | undefined;
  let gateway: Gateway | undefined;
  const timings: Record<string, number> = {};

  function gw(): Gateway {
    if (!gateway) throw new Error("gateway was not created");
    return gateway;
  }

  beforeAll(async () => {
    messages = await startFakeMessagesApi();
    tokens = await startFakeTokenEndpoint();
    let started = Date.now();
    gateway = await createGateway({ messagesBaseUrl: messages.baseUrl, pluginConfig: { tokenUrl: tokens.url } });
    timings.createGateway = Date.now() - started;
    started = Date.now();
    await gateway.start();
    timings.gatewayStart = Date.now() - started;
  });

  afterAll(async () => {
    const started = Date.now();
    await gateway?.stop();
    timings.gatewayStop = Date.now() - started;
    await messages?.close();
    await tokens?.close();
    console.info(`[e2e smoke] timings (ms): ${JSON.stringify({ ...timings, harness: gateway?.timings ?? {} })}`);
  });

  it("loads the plugin", async () => {
    const line = await gw().waitForOutput(LOADING_LINE, 60_000);
    expect(line).toMatch(LOADING_LINE);
  });

  it("sends a pasted token profile as Bearer to the Messages API and gets the reply", async () => {
    const api = messages;
    if (!api) throw new Error("fake Messages API was not started");
    // paste-token refuses sk-ant-oat01- tokens shorter than 80 characters.
    const token = `sk-ant-oat01-FAKE-smoke-${randomBytes(66).toString("base64url")}`;
    let started = Date.now();
    const paste = await gw().cli(
      ["models", "auth", "paste-token", "--provider", "anthropic", "--profile-id", "anthropic:smoke", "--expires-in", "30d"],
      { input: `${token}\n` },
    );
    timings.pasteToken = Date.now() - started;
    expect(paste.code, `${paste.stdout}\n${paste.stderr}`).toBe(0);

    const before = api.requests.length;
    started = Date.now();
    const turn = await gw().agentTurn("ping");
    timings.agentTurn = Date.now() - started;
    expect(turn.code, turn.error ?? turn.raw).toBe(0);
    expect(turn.text).toBe("pong");

    const calls = api.requests.slice(before).filter((r) => r.method === "POST" && r.path === "/v1/messages");
    expect(calls.length).toBeGreaterThan(0);
    expect(calls[0]?.authorization).toBe(`Bearer ${token}`);
    expect(calls[0]?.apiKey).toBeUndefined();
    expect(calls[0]?.model).toBe("claude-opus-5");
    expect(api.lastBearer()).toBe(token);
  });
});
