import { execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  howToLogInAgain,
  howToProvideCredentials,
  IMPORT_FROM_PC_COMMAND,
  MAX_CREDENTIALS_BYTES,
  parseCredentials,
  readCredentialsFile,
  serializeCredentials,
  tightenMode,
  withTokens,
  writeCredentialsFile,
  type TokenSet,
} from "./credentials.js";
import { PluginError } from "../core/errors.js";
import { redact } from "../core/redact.js";

const ACCESS = "sk-ant-oat01-FAKE-access-token-for-tests-0000000000";
const REFRESH = "sk-ant-ort01-FAKE-refresh-token-for-tests-000000000";
const NEW_ACCESS = "sk-ant-oat01-FAKE-new-access-token-1111111111111111";
const NEW_REFRESH = "sk-ant-ort01-FAKE-new-refresh-token-111111111111111";
const EXPIRES_AT = 1_767_225_600_000;
const FILE = "/home/tester/.claude/.credentials.json";

function goodDocument(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    claudeAiOauth: {
      accessToken: ACCESS,
      refreshToken: REFRESH,
      expiresAt: EXPIRES_AT,
      refreshTokenExpiresAt: EXPIRES_AT + 29 * 24 * 3600 * 1000,
      scopes: ["user:inference", "user:profile"],
      subscriptionType: "max",
      rateLimitTier: "default_claude_max_20x",
    },
    mcpOAuth: { "some-server": { accessToken: "mcp-FAKE" } },
    ...extra,
  };
}

function oauthWith(fields: Record<string, unknown>): string {
  return JSON.stringify({ claudeAiOauth: { accessToken: ACCESS, refreshToken: REFRESH, expiresAt: EXPIRES_AT, ...fields } });
}

function oauthWithout(field: string): string {
  const o: Record<string, unknown> = { accessToken: ACCESS, refreshToken: REFRESH, expiresAt: EXPIRES_AT };
  delete o[field];
  return JSON.stringify({ claudeAiOauth: o });
}

function catchError(fn: () => unknown): PluginError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PluginError);
    return err as PluginError;
  }
  throw new Error("expected a PluginError, nothing was thrown");
}

async function catchAsync(p: Promise<unknown>): Promise<PluginError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(PluginError);
    return err as PluginError;
  }
  throw new Error("expected a PluginError, nothing was thrown");
}

function expectNoSecrets(text: string): void {
  for (const secret of [ACCESS, REFRESH, NEW_ACCESS, NEW_REFRESH, "FAKE-access", "FAKE-refresh", "FAKE-new"]) {
    expect(text).not.toContain(secret);
  }
}

describe("parseCredentials: bad inputs", () => {
  const cases: Array<[string, string, RegExp]> = [
    ["empty", "", /empty/],
    ["whitespace only", "  \n\t ", /empty/],
    ["not JSON", "{ claudeAiOauth: ", /not valid JSON/],
    ["truncated JSON holding a token", `{"claudeAiOauth":{"accessToken":"${ACCESS}","refreshToken":"${REFRESH}"`, /not valid JSON/],
    ["a JSON array", "[]", /not a JSON object/],
    ["a JSON string", '"hello"', /not a JSON object/],
    ["JSON null", "null", /not a JSON object/],
    ["no claudeAiOauth", JSON.stringify({ mcpOAuth: {} }), /no "claudeAiOauth"/],
    ["claudeAiOauth is a string", JSON.stringify({ claudeAiOauth: ACCESS }), /"claudeAiOauth" is not an object/],
    ["claudeAiOauth is an array", JSON.stringify({ claudeAiOauth: [ACCESS, REFRESH] }), /"claudeAiOauth" is not an object/],
    ["claudeAiOauth is null", JSON.stringify({ claudeAiOauth: null }), /"claudeAiOauth" is not an object/],
    ["accessToken missing", oauthWithout("accessToken"), /accessToken/],
    ["accessToken a number", oauthWith({ accessToken: 12345 }), /accessToken/],
    ["accessToken blank", oauthWith({ accessToken: "   " }), /accessToken/],
    ["accessToken empty but refreshToken set", oauthWith({ accessToken: "" }), /accessToken/],
    ["refreshToken missing", oauthWithout("refreshToken"), /refreshToken/],
    ["refreshToken null", oauthWith({ refreshToken: null }), /refreshToken/],
    ["refreshToken an object", oauthWith({ refreshToken: { value: REFRESH } }), /refreshToken/],
    ["refreshToken empty but accessToken set", oauthWith({ refreshToken: "" }), /refreshToken/],
    ["expiresAt missing", oauthWithout("expiresAt"), /expiresAt is missing/],
    ["expiresAt null", oauthWith({ expiresAt: null }), /expiresAt is missing/],
    ["expiresAt a string", oauthWith({ expiresAt: String(EXPIRES_AT) }), /expiresAt must be a positive number/],
    ["expiresAt in seconds", oauthWith({ expiresAt: 1_767_225_600 }), /looks like seconds/],
    ["expiresAt negative", oauthWith({ expiresAt: -EXPIRES_AT }), /expiresAt must be a positive number/],
    ["expiresAt zero with tokens present", oauthWith({ expiresAt: 0 }), /expiresAt must be a positive number/],
    ["expiresAt overflowing to Infinity", `{"claudeAiOauth":{"accessToken":"${ACCESS}","refreshToken":"${REFRESH}","expiresAt":1e400}}`, /expiresAt must be a positive number/],
    ["refreshTokenExpiresAt in seconds", oauthWith({ refreshTokenExpiresAt: 1_769_817_600 }), /refreshTokenExpiresAt looks like seconds/],
    ["scopes a string", oauthWith({ scopes: "user:inference user:profile" }), /scopes must be a list of strings/],
    ["scopes not all strings", oauthWith({ scopes: ["user:inference", 7] }), /scopes must be a list of strings/],
  ];

  it.each(cases)("%s -> credentials_invalid naming the file, no token in the message", (_name, text, problem) => {
    const err = catchError(() => parseCredentials(text, FILE));
    expect(err.code).toBe("credentials_invalid");
    expect(err.message).toContain(FILE);
    expect(err.message).toMatch(problem);
    expect(err.message).toContain("The file was left as it is.");
    expectNoSecrets(err.message);
  });

  it("Claude Code's blanked file (tokens emptied after invalid_grant) -> needs_login, not corruption", () => {
    const err = catchError(() => parseCredentials(JSON.stringify({ claudeAiOauth: { accessToken: "", refreshToken: "", expiresAt: 0, scopes: [] }, mcpOAuth: {} }), FILE));
    expect(err.code).toBe("needs_login");
    expect(err.message).toContain(FILE);
    expect(err.message).toMatch(/log in again/i);
  });
});

describe("parseCredentials: good input", () => {
  it("returns the typed OAuth part and the whole document", () => {
    const doc = goodDocument();
    const parsed = parseCredentials(JSON.stringify(doc, null, 2), FILE);
    expect(parsed.oauth).toEqual({
      accessToken: ACCESS,
      refreshToken: REFRESH,
      expiresAt: EXPIRES_AT,
      refreshTokenExpiresAt: EXPIRES_AT + 29 * 24 * 3600 * 1000,
      scopes: ["user:inference", "user:profile"],
      subscriptionType: "max",
    });
    expect(parsed.document).toEqual(doc);
    expect(parsed.indent).toBe("  ");
  });

  it("trims whitespace around tokens", () => {
    const parsed = parseCredentials(oauthWith({ accessToken: ` ${ACCESS}\n`, refreshToken: `\t${REFRESH} ` }), FILE);
    expect(parsed.oauth.accessToken).toBe(ACCESS);
    expect(parsed.oauth.refreshToken).toBe(REFRESH);
  });

  it("detects the indentation of the file", () => {
    const doc = goodDocument();
    expect(parseCredentials(JSON.stringify(doc), FILE).indent).toBe("");
    expect(parseCredentials(JSON.stringify(doc, null, 2), FILE).indent).toBe("  ");
    expect(parseCredentials(JSON.stringify(doc, null, 4), FILE).indent).toBe("    ");
    expect(parseCredentials(JSON.stringify(doc, null, 2).replace(/\n/g, "\r\n"), FILE).indent).toBe("  ");
  });

  it("remembers the tokens it read so redact() masks them even when not token-shaped", () => {
    const oddAccess = "FAKE_opaque_access_value_9f8e7d6c";
    const oddRefresh = "FAKE_opaque_refresh_value_1a2b3c4d";
    parseCredentials(oauthWith({ accessToken: oddAccess, refreshToken: oddRefresh }), FILE);
    const masked = redact(`server said ${oddAccess} and ${oddRefresh}`);
    expect(masked).not.toContain(oddAccess);
    expect(masked).not.toContain(oddRefresh);
  });
});

describe("withTokens", () => {
  const tokens: TokenSet = { accessToken: NEW_ACCESS, refreshToken: NEW_REFRESH, expiresAt: EXPIRES_AT + 8 * 3600 * 1000 };

  it("replaces the tokens and keeps every other key, top level and inside claudeAiOauth", () => {
    const doc = goodDocument({ someOtherTool: { keep: true } });
    const before = structuredClone(doc);
    const next = withTokens(doc, tokens);
    expect(next).toEqual({
      ...before,
      claudeAiOauth: { ...(before.claudeAiOauth as Record<string, unknown>), accessToken: NEW_ACCESS, refreshToken: NEW_REFRESH, expiresAt: tokens.expiresAt },
    });
    // the input is not mutated
    expect(doc).toEqual(before);
  });

  it("sets optional fields only when the token set has them", () => {
    const doc = goodDocument();
    const withExtras = withTokens(doc, { ...tokens, scopes: ["user:inference"], accountEmail: "someone@example.com", refreshTokenExpiresAt: 1_800_000_000_000, subscriptionType: "pro" });
    const o = withExtras.claudeAiOauth as Record<string, unknown>;
    expect(o.scopes).toEqual(["user:inference"]);
    expect(o.accountEmail).toBe("someone@example.com");
    expect(o.refreshTokenExpiresAt).toBe(1_800_000_000_000);
    expect(o.subscriptionType).toBe("pro");
    const plain = withTokens(doc, tokens).claudeAiOauth as Record<string, unknown>;
    expect(plain.scopes).toEqual(["user:inference", "user:profile"]);
    expect(plain).not.toHaveProperty("accountEmail");
  });

  it("creates claudeAiOauth when the document has none", () => {
    expect(withTokens({ other: 1 }, tokens)).toEqual({ other: 1, claudeAiOauth: { accessToken: NEW_ACCESS, refreshToken: NEW_REFRESH, expiresAt: tokens.expiresAt } });
  });
});

describe("serializeCredentials", () => {
  it("keeps the indentation: pretty files stay pretty (with a final newline), compact stay compact", () => {
    const doc = goodDocument();
    expect(serializeCredentials(doc, "  ")).toBe(`${JSON.stringify(doc, null, 2)}\n`);
    expect(serializeCredentials(doc, "    ")).toBe(`${JSON.stringify(doc, null, 4)}\n`);
    expect(serializeCredentials(doc, "")).toBe(JSON.stringify(doc));
    for (const indent of ["", "  ", "    "]) {
      expect(parseCredentials(serializeCredentials(doc, indent), FILE).indent).toBe(indent);
    }
  });
  it("keeps a tab-indented file tab-indented across parse -> withTokens -> serialize", () => {
    const text = `${JSON.stringify(goodDocument(), null, "\t")}\n`;
    const parsed = parseCredentials(text, FILE);
    const out = serializeCredentials(withTokens(parsed.document, { accessToken: NEW_ACCESS, refreshToken: NEW_REFRESH, expiresAt: EXPIRES_AT }), parsed.indent);
    expect(out).toMatch(/^\{\n\t"claudeAiOauth"/);
  });
});

// ---- real file system ------------------------------------------------------------------------

let dir: string;
const cleanups: Array<() => void> = [];

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "cor-cred-"));
});

afterEach(async () => {
  for (const undo of cleanups.splice(0)) undo();
  await fs.chmod(dir, 0o700).catch(() => undefined);
  await fs.rm(dir, { recursive: true, force: true });
});

async function writeRaw(file: string, doc: Record<string, unknown>, mode = 0o600): Promise<void> {
  await fs.writeFile(file, `${JSON.stringify(doc, null, 2)}\n`, { mode });
  await fs.chmod(file, mode);
}

describe("readCredentialsFile", () => {
  it("reads a good file and reports its mode", async () => {
    const file = path.join(dir, "creds.json");
    await writeRaw(file, goodDocument(), 0o640);
    const read = await readCredentialsFile(file);
    expect(read.oauth.accessToken).toBe(ACCESS);
    expect(read.mode).toBe(0o640);
    expect(read.indent).toBe("  ");
  });

  it("missing file -> credentials_missing, message starts with the path and says how to fix it", async () => {
    const file = path.join(dir, "nope.json");
    const err = await catchAsync(readCredentialsFile(file));
    expect(err.code).toBe("credentials_missing");
    expect(err.message.startsWith(`Credentials file not found: ${file}`)).toBe(true);
    expect(err.message).toContain("openclaw claude-oauth");
  });

  it("a directory -> credentials_invalid", async () => {
    const sub = path.join(dir, "a-dir");
    await fs.mkdir(sub);
    const err = await catchAsync(readCredentialsFile(sub));
    expect(err.code).toBe("credentials_invalid");
    expect(err.message).toContain(sub);
    expect(err.message).toContain("directory");
  });

  it("a file over MAX_CREDENTIALS_BYTES -> credentials_invalid without reading it", async () => {
    const file = path.join(dir, "big.json");
    const doc = goodDocument({ padding: "x".repeat(MAX_CREDENTIALS_BYTES) });
    await writeRaw(file, doc);
    const err = await catchAsync(readCredentialsFile(file));
    expect(err.code).toBe("credentials_invalid");
    expect(err.message).toContain(String(MAX_CREDENTIALS_BYTES));
    expectNoSecrets(err.message);
  });

  it("a file of exactly MAX_CREDENTIALS_BYTES is still read", async () => {
    const file = path.join(dir, "edge.json");
    const base = `${JSON.stringify(goodDocument({ padding: "" }), null, 2)}\n`;
    const text = base.replace('"padding": ""', `"padding": "${"x".repeat(MAX_CREDENTIALS_BYTES - Buffer.byteLength(base))}"`);
    expect(Buffer.byteLength(text)).toBe(MAX_CREDENTIALS_BYTES);
    await fs.writeFile(file, text, { mode: 0o600 });
    await expect(readCredentialsFile(file)).resolves.toMatchObject({ oauth: { refreshToken: REFRESH } });
  });

  it("follows a symlink", async () => {
    const target = path.join(dir, "target.json");
    const link = path.join(dir, "link.json");
    await writeRaw(target, goodDocument());
    await fs.symlink(target, link);
    expect((await readCredentialsFile(link)).oauth.refreshToken).toBe(REFRESH);
  });

  it("a corrupt file -> credentials_invalid with the path", async () => {
    const file = path.join(dir, "bad.json");
    await fs.writeFile(file, "{ oops");
    const err = await catchAsync(readCredentialsFile(file));
    expect(err.code).toBe("credentials_invalid");
    expect(err.message).toContain(file);
  });
});

describe("writeCredentialsFile", () => {
  const next = () => withTokens(goodDocument(), { accessToken: NEW_ACCESS, refreshToken: NEW_REFRESH, expiresAt: EXPIRES_AT + 1000 });

  it("writes mode 0600 even over a 0644 file, keeps other keys, leaves no temp files", async () => {
    const file = path.join(dir, "creds.json");
    await writeRaw(file, goodDocument(), 0o644);
    await writeCredentialsFile(file, next(), "  ");
    const st = await fs.stat(file);
    expect(st.mode & 0o777).toBe(0o600);
    const read = await readCredentialsFile(file);
    expect(read.oauth.accessToken).toBe(NEW_ACCESS);
    expect(read.oauth.refreshToken).toBe(NEW_REFRESH);
    expect(read.document.mcpOAuth).toEqual({ "some-server": { accessToken: "mcp-FAKE" } });
    expect((read.document.claudeAiOauth as Record<string, unknown>).rateLimitTier).toBe("default_claude_max_20x");
    expect(await fs.readdir(dir)).toEqual(["creds.json"]);
  });

  it("creates a new file 0600 and its missing parent directory", async () => {
    const file = path.join(dir, "state", "nested", "creds.json");
    await writeCredentialsFile(file, next());
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect(await fs.readFile(file, "utf8")).toBe(`${JSON.stringify(next(), null, 2)}\n`);
  });

  it("uses the indentation it is given", async () => {
    const file = path.join(dir, "compact.json");
    await writeCredentialsFile(file, next(), "");
    expect(await fs.readFile(file, "utf8")).toBe(JSON.stringify(next()));
  });

  it("writes through a symlink to its target and keeps the link", async () => {
    const realDir = path.join(dir, "real");
    await fs.mkdir(realDir);
    const target = path.join(realDir, "target.json");
    const link = path.join(dir, "link.json");
    await writeRaw(target, goodDocument(), 0o644);
    await fs.symlink(target, link);
    await writeCredentialsFile(link, next(), "  ");
    expect((await fs.lstat(link)).isSymbolicLink()).toBe(true);
    expect(await fs.readlink(link)).toBe(target);
    expect((await readCredentialsFile(target)).oauth.refreshToken).toBe(NEW_REFRESH);
    expect((await fs.stat(target)).mode & 0o777).toBe(0o600);
    expect(await fs.readdir(realDir)).toEqual(["target.json"]);
    expect((await fs.readdir(dir)).sort()).toEqual(["link.json", "real"]);
  });

  it("concurrent writes leave one complete document and no temp files", async () => {
    const file = path.join(dir, "creds.json");
    await writeRaw(file, goodDocument());
    const docs = Array.from({ length: 8 }, (_, i) => withTokens(goodDocument(), { accessToken: `${NEW_ACCESS}-${i}`, refreshToken: `${NEW_REFRESH}-${i}`, expiresAt: EXPIRES_AT + i }));
    await Promise.all(docs.map((d) => writeCredentialsFile(file, d, "  ")));
    const read = await readCredentialsFile(file);
    expect(docs.map((d) => JSON.stringify(d))).toContain(JSON.stringify(read.document));
    expect(await fs.readdir(dir)).toEqual(["creds.json"]);
  });

  it("a parent that is a regular file (ENOTDIR) -> persist_failed naming the file, no token in the message", async () => {
    const blocker = path.join(dir, "not-a-dir");
    await fs.writeFile(blocker, "x");
    const file = path.join(blocker, "creds.json");
    const err = await catchAsync(writeCredentialsFile(file, next()));
    expect(err.code).toBe("persist_failed");
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/ENOTDIR|EEXIST/);
    expectNoSecrets(err.message);
    expect(await fs.readFile(blocker, "utf8")).toBe("x");
  });

  it("a directory that refuses new files -> persist_failed, old file untouched, no temp files", async (ctx) => {
    const sub = path.join(dir, "locked");
    await fs.mkdir(sub);
    const file = path.join(sub, "creds.json");
    await writeRaw(file, goodDocument(), 0o600);
    const before = await fs.readFile(file, "utf8");
    // Root ignores directory permissions, so as root make the directory immutable instead.
    if (process.getuid?.() === 0) {
      try {
        execFileSync("chattr", ["+i", sub], { stdio: "ignore" });
      } catch {
        ctx.skip("running as root without chattr +i support: cannot make a directory refuse writes");
        return;
      }
      cleanups.push(() => execFileSync("chattr", ["-i", sub], { stdio: "ignore" }));
    } else {
      await fs.chmod(sub, 0o500);
      cleanups.push(() => execFileSync("chmod", ["700", sub], { stdio: "ignore" }));
    }
    const err = await catchAsync(writeCredentialsFile(file, next()));
    expect(err.code).toBe("persist_failed");
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/EACCES|EPERM/);
    expectNoSecrets(err.message);
    expect(await fs.readFile(file, "utf8")).toBe(before);
    expect(await fs.readdir(sub)).toEqual(["creds.json"]);
  });
});

describe("tightenMode", () => {
  it("chmods a group/world-readable file to 0600 and says so; leaves 0600 alone", async () => {
    const file = path.join(dir, "creds.json");
    await writeRaw(file, goodDocument(), 0o644);
    expect(await tightenMode(file, 0o644)).toBe(true);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect(await tightenMode(file, 0o600)).toBe(false);
    expect(await tightenMode(file, 0o400)).toBe(false);
  });
});

describe("the import-from-a-PC hint (issue 18: pasted, it must read the PC's file)", () => {
  it("leaves ~ for the PC's shell: the server's shell passes the remote command unexpanded", () => {
    const hints = [IMPORT_FROM_PC_COMMAND, howToProvideCredentials("/srv/creds.json"), howToLogInAgain("/srv/creds.json")];
    for (const hint of hints) {
      const command = /ssh pc .*? \| openclaw claude-oauth import -/.exec(hint)?.[0];
      expect(command, hint).toBeDefined();
      // Run the hint's ssh part in a real shell with a stand-in `ssh` that prints the remote command.
      const sshPart = String(command).split(" | ")[0];
      const remote = execFileSync("sh", ["-c", `ssh() { shift; printf '%s' "$*"; }; ${sshPart}`], { encoding: "utf8", env: { PATH: process.env.PATH, HOME: "/home/server-user" } });
      expect(remote).toBe("cat ~/.claude/.credentials.json");
    }
  });
});
