import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CREDENTIALS_FILE_NAME, DEFAULTS, PLUGIN_ID, checkEndpointUrl, expandHome, resolveConfig } from "./config.js";
import { PluginError } from "./errors.js";

const env = { stateDir: "/srv/openclaw-state", homeDir: "/home/tester" };
const KEY_PREFIX = `plugins.entries.${PLUGIN_ID}.config.`;

function configError(raw: unknown): PluginError {
  try {
    resolveConfig(raw, env);
  } catch (err) {
    expect(err).toBeInstanceOf(PluginError);
    return err as PluginError;
  }
  throw new Error(`resolveConfig accepted ${JSON.stringify(raw)}`);
}

function expectRefused(key: string, value: unknown): PluginError {
  const err = configError({ [key]: value });
  expect(err.code).toBe("config_invalid");
  expect(err.message).toContain(`${KEY_PREFIX}${key}`);
  return err;
}

describe("resolveConfig defaults", () => {
  it("fills every key from DEFAULTS and puts the credentials file in the state dir", () => {
    expect(resolveConfig(undefined, env)).toEqual({ credentialsPath: path.join(env.stateDir, CREDENTIALS_FILE_NAME), ...DEFAULTS });
    expect(resolveConfig(null, env)).toEqual(resolveConfig({}, env));
    expect(resolveConfig({}, env).credentialsPath).toBe("/srv/openclaw-state/claude-credentials.json");
    expect(resolveConfig({}, env).refreshIntervalMinutes).toBe(30);
    expect(resolveConfig({}, env).refreshBeforeExpiryMinutes).toBe(60);
    expect(resolveConfig({}, env).profileId).toBe("anthropic:subscription");
    expect(resolveConfig({}, env).tokenUrl).toBe("https://platform.claude.com/v1/oauth/token");
  });

  it("expands ~ in credentialsPath against the home dir", () => {
    expect(resolveConfig({ credentialsPath: "~/.claude/.credentials.json" }, env).credentialsPath).toBe("/home/tester/.claude/.credentials.json");
    expect(resolveConfig({ credentialsPath: "~" }, env).credentialsPath).toBe("/home/tester");
    // only a leading ~ expands
    expect(resolveConfig({ credentialsPath: "/abs/~/x.json" }, env).credentialsPath).toBe("/abs/~/x.json");
  });

  it("expands ~ in a state dir too", () => {
    expect(resolveConfig({}, { stateDir: "~/.openclaw", homeDir: "/home/tester" }).credentialsPath).toBe("/home/tester/.openclaw/claude-credentials.json");
  });

  it("resolves a relative credentialsPath to an absolute one", () => {
    expect(path.isAbsolute(resolveConfig({ credentialsPath: "creds.json" }, env).credentialsPath)).toBe(true);
  });

  it("expandHome leaves other paths alone", () => {
    expect(expandHome("~/a", "/h")).toBe("/h/a");
    expect(expandHome("~", "/h")).toBe("/h");
    expect(expandHome("~other/a", "/h")).toBe("~other/a");
    expect(expandHome("/x/y", "/h")).toBe("/x/y");
  });
});

describe("resolveConfig validation", () => {
  it("refuses a root that is not an object", () => {
    for (const raw of [[], "x", 5, true]) {
      expect(configError(raw).code).toBe("config_invalid");
    }
  });

  it("refuses an unknown key and names it", () => {
    const err = expectRefused("refreshMinutes", 10);
    expect(err.message).toContain("unknown key");
  });

  it.each(["refreshIntervalMinutes", "refreshBeforeExpiryMinutes"])("%s: refuses wrong types and non-integers", (key) => {
    for (const bad of ["abc", "", "1.5", "-3", 1.5, true, null, [], {}, Number.NaN, Number.POSITIVE_INFINITY]) {
      expectRefused(key, bad);
    }
  });

  it("usageCheckMinutes: 0 (off) to 1440, default 10", () => {
    expect(resolveConfig({}, env).usageCheckMinutes).toBe(10);
    expect(resolveConfig({ usageCheckMinutes: 0 }, env).usageCheckMinutes).toBe(0);
    expect(resolveConfig({ usageCheckMinutes: 1440 }, env).usageCheckMinutes).toBe(1440);
    for (const bad of [-1, 1441, 2.5, "ten", true]) expectRefused("usageCheckMinutes", bad);
  });

  it("usageUrl: https, or http on loopback only", () => {
    expect(resolveConfig({}, env).usageUrl).toBe("https://api.anthropic.com/api/oauth/usage");
    expect(resolveConfig({ usageUrl: "http://127.0.0.1:8080/api/oauth/usage" }, env).usageUrl).toBe("http://127.0.0.1:8080/api/oauth/usage");
    for (const bad of ["http://example.com/usage", "ftp://127.0.0.1/x", "not a url", ""]) expectRefused("usageUrl", bad);
  });

  it("userAgent: default as sent before the key existed; printable ASCII on one line, at most 256", () => {
    expect(resolveConfig({}, env).userAgent).toBe("claude-oauth-refresh (OpenClaw plugin)");
    expect(resolveConfig({ userAgent: "claude-cli/2.1.328 (external, cli)" }, env).userAgent).toBe("claude-cli/2.1.328 (external, cli)");
    for (const bad of ["", "  ", "two\nlines", "tab\there", "é", "x".repeat(257), 42]) expectRefused("userAgent", bad);
  });

  it("refreshIntervalMinutes: range 1..1440", () => {
    expectRefused("refreshIntervalMinutes", 0);
    expectRefused("refreshIntervalMinutes", 1441);
    expectRefused("refreshIntervalMinutes", -1);
    expect(resolveConfig({ refreshIntervalMinutes: 1 }, env).refreshIntervalMinutes).toBe(1);
    expect(resolveConfig({ refreshIntervalMinutes: 1440 }, env).refreshIntervalMinutes).toBe(1440);
  });

  it("refreshBeforeExpiryMinutes: range 1..720", () => {
    expectRefused("refreshBeforeExpiryMinutes", 0);
    expectRefused("refreshBeforeExpiryMinutes", 721);
    expectRefused("refreshBeforeExpiryMinutes", 1441);
    expect(resolveConfig({ refreshBeforeExpiryMinutes: 1 }, env).refreshBeforeExpiryMinutes).toBe(1);
    expect(resolveConfig({ refreshBeforeExpiryMinutes: 720 }, env).refreshBeforeExpiryMinutes).toBe(720);
  });

  it("accepts whole numbers given as strings", () => {
    const c = resolveConfig({ refreshIntervalMinutes: "15", refreshBeforeExpiryMinutes: " 90 " }, env);
    expect(c.refreshIntervalMinutes).toBe(15);
    expect(c.refreshBeforeExpiryMinutes).toBe(90);
    expectRefused("refreshIntervalMinutes", "0");
    expectRefused("refreshIntervalMinutes", "1441");
  });

  const stringKeys = ["credentialsPath", ...Object.entries(DEFAULTS).filter(([, v]) => typeof v === "string").map(([k]) => k)];
  it.each(stringKeys)("%s: refuses non-strings and blank strings", (key) => {
    for (const bad of ["", "   ", 5, true, null, [], {}]) {
      expectRefused(key, bad);
    }
  });

  it("profileId: must be anthropic:<name>, and never anthropic:claude-cli", () => {
    expect(resolveConfig({ profileId: "anthropic:work-max.2" }, env).profileId).toBe("anthropic:work-max.2");
    expectRefused("profileId", "anthropic:claude-cli");
    expectRefused("profileId", "openai:default");
    expectRefused("profileId", "anthropic:");
    expectRefused("profileId", "anthropic:has space");
    expectRefused("profileId", "subscription");
  });

  it("tokenUrl: https anywhere, plain http only to loopback", () => {
    expect(resolveConfig({ tokenUrl: "https://api.anthropic.com/v1/oauth/token" }, env).tokenUrl).toBe("https://api.anthropic.com/v1/oauth/token");
    expect(resolveConfig({ tokenUrl: "http://127.0.0.1:8787/v1/oauth/token" }, env).tokenUrl).toBe("http://127.0.0.1:8787/v1/oauth/token");
    expect(resolveConfig({ tokenUrl: "http://localhost:9000/t" }, env).tokenUrl).toBe("http://localhost:9000/t");
    expectRefused("tokenUrl", "http://platform.claude.com/v1/oauth/token");
    expectRefused("tokenUrl", "http://127.0.0.1.evil.example/t");
    expectRefused("tokenUrl", "http://localhost.evil.example/t");
    expectRefused("tokenUrl", "http://127.0.0.1@evil.example/t");
    expectRefused("tokenUrl", "ftp://127.0.0.1/t");
    expectRefused("tokenUrl", "file:///etc/passwd");
    expectRefused("tokenUrl", "not a url");
  });

  it("checkEndpointUrl names the key it was given", () => {
    expect(() => checkEndpointUrl("someKey", "http://example.com")).toThrow(`${KEY_PREFIX}someKey`);
  });

  it("every error message says how to fix it and names the full key path", () => {
    const err = expectRefused("refreshIntervalMinutes", 0);
    expect(err.message).toContain(`openclaw config set ${KEY_PREFIX}refreshIntervalMinutes`);
    expect(err.message).toContain("from 1 to 1440");
    expect(err.message).toContain("got 0");
  });

  it("trims string values", () => {
    const c = resolveConfig({ clientId: "  abc  ", profileId: " anthropic:x " }, env);
    expect(c.clientId).toBe("abc");
    expect(c.profileId).toBe("anthropic:x");
  });
});

// ---- openclaw.plugin.json and resolveConfig must not drift ----------------------------------

interface SchemaProperty {
  type: string;
  items?: { type: string; pattern?: string; minimum?: number; maximum?: number };
  minimum?: number;
  maximum?: number;
  default?: unknown;
  pattern?: string;
  minLength?: number;
}

interface Manifest {
  id: string;
  configSchema: { type: string; additionalProperties: boolean; properties: Record<string, SchemaProperty> };
  uiHints: Record<string, unknown>;
}

const manifestPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "openclaw.plugin.json");
const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Manifest;
const schema = manifest.configSchema;

function prop(key: string): SchemaProperty {
  const p = schema.properties[key];
  if (!p) throw new Error(`openclaw.plugin.json has no configSchema property ${key}`);
  return p;
}

function accepts(raw: Record<string, unknown>): boolean {
  try {
    resolveConfig(raw, env);
    return true;
  } catch (err) {
    if (err instanceof PluginError && err.code === "config_invalid") return false;
    throw err;
  }
}

describe("openclaw.plugin.json configSchema matches resolveConfig", () => {
  it("same plugin id", () => {
    expect(manifest.id).toBe(PLUGIN_ID);
  });

  it("same set of keys; unknown keys refused by both", () => {
    expect(schema.additionalProperties).toBe(false);
    const schemaKeys = Object.keys(schema.properties).sort();
    // alertCommand, alertCommandEnv, alertTargets and usageDigestAt have no default: they are present only when set.
    expect(schemaKeys).toEqual(Object.keys(resolveConfig({ alertCommand: "true", alertCommandEnv: ["X"], alertTargets: ["telegram:1"], usageDigestAt: "08:30" }, env)).sort());
    // every schema key is accepted by resolveConfig with its own default (or a valid value)
    for (const key of schemaKeys) {
      const value = prop(key).default ?? ({ credentialsPath: "/tmp/x.json", alertCommand: "true", alertCommandEnv: ["X"], alertTargets: ["telegram:1"], usageDigestAt: "08:30" } as Record<string, unknown>)[key];
      expect(accepts({ [key]: value }), key).toBe(true);
    }
    expect(Object.keys(manifest.uiHints).sort()).toEqual(schemaKeys);
  });

  it("same defaults", () => {
    const resolved = resolveConfig({}, env);
    for (const [key, value] of Object.entries(DEFAULTS)) {
      expect(prop(key).default, key).toEqual(value);
      expect(resolved[key as keyof typeof resolved], key).toEqual(value);
    }
    // credentialsPath has no static default (it depends on the state dir)
    expect(prop("credentialsPath").default).toBeUndefined();
    // every schema default is in DEFAULTS
    for (const [key, p] of Object.entries(schema.properties)) {
      if (p.default !== undefined) expect(DEFAULTS, key).toHaveProperty(key, p.default);
    }
  });

  it.each(["refreshIntervalMinutes", "refreshBeforeExpiryMinutes"])("%s: same integer range", (key) => {
    const p = prop(key);
    expect(p.type).toBe("integer");
    if (p.minimum === undefined || p.maximum === undefined) throw new Error(`${key} has no range in the schema`);
    expect(accepts({ [key]: p.minimum })).toBe(true);
    expect(accepts({ [key]: p.maximum })).toBe(true);
    expect(accepts({ [key]: p.minimum - 1 })).toBe(false);
    expect(accepts({ [key]: p.maximum + 1 })).toBe(false);
  });

  it("publishProfile: a boolean in both, true by default; anything else refused", () => {
    expect(prop("publishProfile")).toEqual({ type: "boolean", default: true });
    expect(resolveConfig({}, env).publishProfile).toBe(true);
    expect(resolveConfig({ publishProfile: false }, env).publishProfile).toBe(false);
    expect(resolveConfig({ publishProfile: "false" }, env).publishProfile).toBe(false);
    for (const bad of [0, 1, "no", null, {}]) expect(accepts({ publishProfile: bad }), JSON.stringify(bad)).toBe(false);
  });

  it("moveClaudeCliSessions: a boolean in both, true by default (lending gives its token back, see account-pool)", () => {
    expect(prop("moveClaudeCliSessions")).toEqual({ type: "boolean", default: true });
    expect(resolveConfig({}, env).moveClaudeCliSessions).toBe(true);
    expect(resolveConfig({ moveClaudeCliSessions: false }, env).moveClaudeCliSessions).toBe(false);
  });

  it("profileId: the schema pattern and resolveConfig agree on samples", () => {
    const pattern = new RegExp(prop("profileId").pattern ?? "");
    for (const sample of ["anthropic:subscription", "anthropic:a.b_c-d", "anthropic:", "openai:x", "anthropic:a b", "xanthropic:a"]) {
      expect(accepts({ profileId: sample }), sample).toBe(pattern.test(sample));
    }
  });

  const urlKeys = Object.entries(schema.properties)
    .filter(([, p]) => p.pattern?.startsWith("^(https://") === true)
    .map(([k]) => k);

  it("tokenUrl is one of the URL keys checked below", () => {
    expect(urlKeys).toContain("tokenUrl");
  });

  it.each(urlKeys)("%s: the schema pattern and resolveConfig agree on samples", (key) => {
    const pattern = new RegExp(prop(key).pattern ?? "");
    const samples = [
      "https://platform.claude.com/v1/oauth/token",
      "https://api.anthropic.com/v1/oauth/token",
      "http://127.0.0.1:8787/v1/oauth/token",
      "http://127.0.0.1/token",
      "http://localhost:9000/t",
      "http://localhost",
      "http://example.com/t",
      "http://10.0.0.1/t",
      "http://127.0.0.1.evil.example/t",
      "ftp://127.0.0.1/t",
    ];
    for (const sample of samples) {
      expect(accepts({ [key]: sample }), sample).toBe(pattern.test(sample));
    }
  });
  it("tokenUrl: the schema pattern and resolveConfig agree on IPv6 loopback", () => {
    const pattern = new RegExp(prop("tokenUrl").pattern ?? "");
    const sample = "http://[::1]:8787/v1/oauth/token";
    expect(accepts({ tokenUrl: sample })).toBe(pattern.test(sample));
  });
});

describe("profileId and the accounts' own profiles (issue 16, item 6)", () => {
  it("a profileId that is another account's profile is refused, naming the account and the fix", () => {
    const bad = () => resolveConfig({ profileId: "anthropic:subscription-work" }, { ...env, accounts: ["default", "work"] });
    expect(bad).toThrow(PluginError);
    expect(bad).toThrow(/profileId: anthropic:subscription-work is the OpenClaw profile of the account "work" .*Fix it with: openclaw config set/);
    // No such account: the same id is fine.
    expect(resolveConfig({ profileId: "anthropic:subscription-work" }, { ...env, accounts: ["default", "home"] }).profileId).toBe("anthropic:subscription-work");
    expect(resolveConfig({}, { ...env, accounts: ["default", "work"] }).profileId).toBe("anthropic:subscription");
  });
});

describe("alertCommandEnv", () => {
  it("a list of environment variable names; anything else refused with the fix", () => {
    expect(resolveConfig({ alertCommandEnv: ["NTFY_TOKEN", "_X1"] }, env).alertCommandEnv).toEqual(["NTFY_TOKEN", "_X1"]);
    expect(resolveConfig({}, env).alertCommandEnv).toBeUndefined();
    for (const bad of ["NTFY_TOKEN", ["A B"], ["1X"], [3]]) expect(() => resolveConfig({ alertCommandEnv: bad }, env)).toThrow(/alertCommandEnv.*Fix it with/);
  });
});

describe("alertTargets", () => {
  it("accepts channel:id strings, kept as given", () => {
    expect(resolveConfig({ alertTargets: ["telegram:123456", "discord:98765"] }, env).alertTargets).toEqual(["telegram:123456", "discord:98765"]);
    expect(resolveConfig({ alertTargets: [] }, env).alertTargets).toEqual([]);
    expect(resolveConfig({}, env).alertTargets).toBeUndefined();
  });

  it("refuses anything else, naming the key and the expected shape", () => {
    for (const bad of ["telegram:1", 5, {}, [5], ["telegram"], ["telegram:"], [":123"], ["Telegram:1"], ["telegram:*"], ["telegram: 1"]]) {
      const err = expectRefused("alertTargets", bad);
      expect(err.message).toMatch(/channel:id|"channel:id"/);
    }
  });

  it("the schema's item pattern and resolveConfig agree on samples", () => {
    const items = prop("alertTargets").items;
    expect(prop("alertTargets").type).toBe("array");
    const pattern = new RegExp(items?.pattern ?? "");
    for (const sample of ["telegram:123", "whatsapp:+15551234567", "discord:1-2", "telegram:", ":1", "Telegram:1", "telegram:*", "telegram: 1", " telegram:1", "matrix:@me:example.org"]) {
      expect(accepts({ alertTargets: [sample] }), sample).toBe(pattern.test(sample));
    }
  });
});

describe("usageAlertPercents and usageDigestAt", () => {
  it("usageAlertPercents: default [80, 95]; [] turns it off; sorted, duplicates dropped", () => {
    expect(resolveConfig({}, env).usageAlertPercents).toEqual([80, 95]);
    expect(resolveConfig({ usageAlertPercents: [] }, env).usageAlertPercents).toEqual([]);
    expect(resolveConfig({ usageAlertPercents: [90, 50, 90] }, env).usageAlertPercents).toEqual([50, 90]);
  });

  it("usageAlertPercents: the schema and resolveConfig agree on the range", () => {
    const items = prop("usageAlertPercents").items;
    expect(prop("usageAlertPercents").type).toBe("array");
    expect(items?.type).toBe("integer");
    for (const sample of [[1], [100], [0], [101], [50.5]]) {
      const v = sample[0] as number;
      const schemaOk = Number.isInteger(v) && v >= (items?.minimum ?? Number.NaN) && v <= (items?.maximum ?? Number.NaN);
      expect(accepts({ usageAlertPercents: sample }), String(v)).toBe(schemaOk);
    }
    for (const bad of ["80", 80, [80, "95"], {}]) expectRefused("usageAlertPercents", bad);
  });

  it("usageDigestAt: HH:MM, 24-hour; unset means no summary; the schema pattern agrees", () => {
    expect(resolveConfig({}, env).usageDigestAt).toBeUndefined();
    expect(resolveConfig({ usageDigestAt: "08:30" }, env).usageDigestAt).toBe("08:30");
    const pattern = new RegExp(prop("usageDigestAt").pattern ?? "");
    for (const sample of ["00:00", "08:30", "23:59", "24:00", "8:30", "08:60", "08:30:00", " 08:30", "noon"]) {
      expect(accepts({ usageDigestAt: sample }), sample).toBe(pattern.test(sample));
    }
    expect(expectRefused("usageDigestAt", "8am").message).toMatch(/HH:MM/);
  });
});
