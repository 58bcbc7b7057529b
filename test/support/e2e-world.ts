// One e2e world: the fakes a suite needs (token endpoint, Messages API, optionally the usage
// endpoint), one real gateway with the plugin installed (test/support/gateway.ts), the credentials
// file written before the start, and one teardown that closes all of it in the right order.
// Every suite's beforeAll/afterAll used to spell this out; they now differ only in their options.
// gateway.ts's own API (createGateway and the Gateway it returns) stays as it is: a suite that
// needs something unusual builds on it directly, as claude-code-shared-file.e2e.test.ts does (no
// gateway runs there: Claude Code, a TLS proxy and a CLI in a network namespace share the fakes).

import { join } from "node:path";
import { CREDENTIALS_FILE, writeCredentialsAtomically } from "./e2e-helpers.js";
import { startFakeMessagesApi, type FakeMessagesApi } from "./fake-messages-api.js";
import { startFakeTokenEndpoint, type FakeTokenEndpoint, type FakeTokenEndpointOptions } from "./fake-token-endpoint.js";
import { startFakeUsageEndpoint, type FakeUsageEndpoint } from "./fake-usage-endpoint.js";
import { createGateway, type Gateway, type GatewayOptions } from "./gateway.js";

export interface WorldFakes {
  tokens: FakeTokenEndpoint;
  messages: FakeMessagesApi;
  /** Only with `usage: true`. */
  usage: FakeUsageEndpoint | undefined;
}

export interface WorldOptions {
  tokenEndpoint?: FakeTokenEndpointOptions;
  /** Start the fake usage endpoint (it knows the token endpoint's live access tokens). */
  usage?: boolean;
  /** Which bearers the fake Messages API accepts; default: the token endpoint's live access tokens. */
  authorize?: (bearer: string | undefined, fakes: Omit<WorldFakes, "messages">) => boolean;
  /** The plugin's config, given the fakes' URLs. */
  pluginConfig?: (fakes: WorldFakes) => Record<string, unknown>;
  extraConfig?: GatewayOptions["extraConfig"];
  openclaw?: GatewayOptions["openclaw"];
  /** false: neither install nor configure the plugin (the README suite runs the README's own install). */
  installPlugin?: boolean;
  /** The default account's credentials document, written (0600, atomically) before the start; none when absent. */
  credentials?: (fakes: WorldFakes) => Record<string, unknown> | undefined;
  /** Runs after the gateway home is made and before the start (a suite's own checks or files). */
  beforeStart?: (world: Omit<World, "close">) => void | Promise<void>;
  /** Start the gateway (default true). */
  start?: boolean;
  /** Also wait for this plugin line after the start (e.g. the first "Token still valid"). */
  waitFor?: RegExp;
}

export interface World extends WorldFakes {
  gateway: Gateway;
  /** The default account's credentials file. */
  credentialsPath: string;
  /** createGateway / start (and the awaited line) in ms. */
  timings: { createGateway: number; gatewayStart?: number };
  /** Stops the gateway (timed, in `stopMs`), then closes every fake. Safe to call twice. */
  close(): Promise<{ stopMs: number }>;
}

export async function startWorld(opts: WorldOptions = {}): Promise<World> {
  const tokens = await startFakeTokenEndpoint(opts.tokenEndpoint);
  const usage = opts.usage ? await startFakeUsageEndpoint({ knownToken: (bearer) => tokens.isAccessTokenValid(bearer) }) : undefined;
  const authorize = opts.authorize ?? ((bearer) => tokens.isAccessTokenValid(bearer));
  const messages = await startFakeMessagesApi({ authorize: (bearer) => authorize(bearer, { tokens, usage }) });
  const fakes: WorldFakes = { tokens, messages, usage };
  const closeFakes = async () => {
    await messages.close();
    await usage?.close();
    await tokens.close();
  };
  let gateway: Gateway;
  let started = Date.now();
  try {
    gateway = await createGateway({
      messagesBaseUrl: messages.baseUrl,
      pluginConfig: opts.pluginConfig?.(fakes) ?? { tokenUrl: tokens.url },
      ...(opts.extraConfig ? { extraConfig: opts.extraConfig } : {}),
      ...(opts.openclaw ? { openclaw: opts.openclaw } : {}),
      ...(opts.installPlugin === false ? { installPlugin: false } : {}),
    });
  } catch (err) {
    await closeFakes();
    throw err;
  }
  const timings: World["timings"] = { createGateway: Date.now() - started };
  let closed: Promise<{ stopMs: number }> | undefined;
  const world: World = {
    ...fakes,
    gateway,
    credentialsPath: join(gateway.stateDir, CREDENTIALS_FILE),
    timings,
    close() {
      closed ??= (async () => {
        const stopping = Date.now();
        await gateway.stop();
        const stopMs = Date.now() - stopping;
        await closeFakes();
        return { stopMs };
      })();
      return closed;
    },
  };
  try {
    const doc = opts.credentials?.(fakes);
    if (doc) writeCredentialsAtomically(world.credentialsPath, doc);
    await opts.beforeStart?.(world);
    if (opts.start !== false) {
      started = Date.now();
      await gateway.start();
      if (opts.waitFor) await gateway.waitForOutput(opts.waitFor, 120_000);
      timings.gatewayStart = Date.now() - started;
    }
  } catch (err) {
    await world.close();
    throw err;
  }
  return world;
}
