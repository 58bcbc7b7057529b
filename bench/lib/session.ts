import { randomBytes } from "node:crypto";
import { mkdirSync, promises as fs, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startFakeMessagesApi, type FakeMessagesApi } from "../../test/support/fake-messages-api.js";
import { claudeCredentialsJson, startFakeTokenEndpoint, type FakeTokenEndpoint, type MintedLogin } from "../../test/support/fake-token-endpoint.js";
import { PLUGIN_ID, createGateway, type Gateway } from "../../test/support/gateway.js";
import { watchAnswers, type TokenAnswer } from "./answers.js";
import { REPO } from "./env.js";
import { childPids, TreeSampler } from "./proc.js";

/**
 * One real gateway (the test harness's createGateway: plugin installed the way a user installs it)
 * with the fake token endpoint and the fake Messages API, shared by the gateway benchmarks so the
 * ~20 s install happens once.
 */
export class GatewaySession {
  readonly gw: Gateway;
  readonly fake: FakeTokenEndpoint;
  readonly messages: FakeMessagesApi;
  readonly credentialsPath: string;
  readonly answers: TokenAnswer[] = [];
  private readonly listeners = new Set<(a: TokenAnswer) => void>();
  private running = false;

  private constructor(gw: Gateway, fake: FakeTokenEndpoint, messages: FakeMessagesApi) {
    this.gw = gw;
    this.fake = fake;
    this.messages = messages;
    this.credentialsPath = path.join(gw.stateDir, "claude-credentials.json");
    watchAnswers(fake, (a) => {
      this.answers.push(a);
      for (const l of this.listeners) l(a);
    });
  }

  static async create(pluginConfig: (tokenUrl: string) => Record<string, unknown>): Promise<GatewaySession> {
    const fake = await startFakeTokenEndpoint();
    const messages = await startFakeMessagesApi();
    try {
      // The gateway's own start-up trace ("startup trace: <phase> <ms>"): part 1 compares its
      // phases with and without the plugin, to say where an added start-up time goes.
      const env = { OPENCLAW_GATEWAY_STARTUP_TRACE: "1" };
      const gw = await createGateway({ messagesBaseUrl: messages.baseUrl, pluginConfig: pluginConfig(fake.url), env });
      return new GatewaySession(gw, fake, messages);
    } catch (error) {
      await fake.close();
      await messages.close();
      throw error;
    }
  }

  get isRunning(): boolean {
    return this.running;
  }

  onAnswer(listener: (a: TokenAnswer) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A credentials file for a login the fake knows, written atomically (new inode) with mode 0600. */
  async writeLogin(login: MintedLogin): Promise<void> {
    const tmp = `${this.credentialsPath}.bench-${randomBytes(4).toString("hex")}`;
    await fs.writeFile(tmp, `${JSON.stringify(claudeCredentialsJson(login), null, 2)}\n`, { mode: 0o600 });
    await fs.rename(tmp, this.credentialsPath);
  }

  /**
   * `plugins.entries.<id>.enabled` in the config file. `openclaw plugins disable` changes exactly
   * this one field (checked by diffing the config before and after), so editing it directly keeps
   * everything else identical and saves a 6-18 s CLI call per toggle.
   */
  setPluginEnabled(enabled: boolean): void {
    const config = JSON.parse(readFileSync(this.gw.configPath, "utf8")) as { plugins?: { entries?: Record<string, { enabled?: boolean }> } };
    const entry = config.plugins?.entries?.[PLUGIN_ID];
    if (!entry) throw new Error(`plugins.entries.${PLUGIN_ID} is missing from ${this.gw.configPath}`);
    entry.enabled = enabled;
    writeFileSync(this.gw.configPath, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  }

  async start(): Promise<void> {
    const started = this.gw.start({ timeoutMs: 240_000 });
    this.running = true;
    try {
      await started;
    } catch (error) {
      this.running = false;
      throw error;
    }
  }

  /** Like start(), but returns at once with the spawn done; await the promise for ready. */
  startAsync(): Promise<void> {
    this.running = true;
    return this.gw.start({ timeoutMs: 240_000 }).catch((error: unknown) => {
      this.running = false;
      throw error;
    });
  }

  /**
   * Starts the gateway and samples its process tree every 100 ms from the spawn on: the new direct
   * child of this process is the gateway (spawn() happens synchronously inside start()).
   */
  startSampled(): { ready: Promise<void>; sampler: TreeSampler; loadAvg: number } {
    const before = new Set(childPids(process.pid));
    const loadAvg = Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
    const ready = this.startAsync();
    const pid = childPids(process.pid).find((p) => !before.has(p));
    if (pid === undefined) throw new Error("could not find the gateway process");
    return { ready, sampler: new TreeSampler(pid, 100).start(), loadAvg };
  }

  async stop(): Promise<void> {
    await this.gw.stop({ cleanup: false });
    this.running = false;
  }

  /** Keeps the gateway's output (stdout+stderr of every start) for diagnosis, in .cache/bench-logs/. */
  saveOutput(name: string): string {
    const dir = path.join(REPO, ".cache", "bench-logs");
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, name);
    writeFileSync(file, this.gw.output());
    return file;
  }

  async close(): Promise<void> {
    this.saveOutput("gateway-output.log");
    await this.gw.stop({ cleanup: true });
    this.running = false;
    await this.fake.close();
    await this.messages.close();
  }
}

/** "2026-11-26T09:40:52.801+00:00 [plugins] ..." -> ms since the epoch (the gateway's own clock). */
export function lineTime(line: string): number | undefined {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+[+-]\d\d:\d\d)\s/.exec(line);
  if (!match?.[1]) return undefined;
  const t = Date.parse(match[1]);
  return Number.isNaN(t) ? undefined : t;
}

export interface TimedLine {
  at: number;
  text: string;
}

export function timedLines(output: string, re: RegExp): TimedLine[] {
  const out: TimedLine[] = [];
  for (const text of output.split("\n")) {
    if (!re.test(text)) continue;
    const at = lineTime(text);
    if (at !== undefined) out.push({ at, text });
  }
  return out;
}
