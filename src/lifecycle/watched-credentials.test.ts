import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PluginError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { WatchedCredentials, fileSignature } from "./watched-credentials.js";

// On the real file system: the signature is what stat says, and the reads are real reads.
let dir: string;
let file: string;
const warnings: string[] = [];
const log: Logger = { info: () => undefined, warn: (m) => warnings.push(m), error: () => undefined };

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "cor-watched-"));
  file = path.join(dir, "claude-credentials.json");
  warnings.length = 0;
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** A login written the way others write it (temp file + rename: a new inode). */
async function writeLogin(label: string, mode = 0o600): Promise<void> {
  const doc = { claudeAiOauth: { accessToken: `FAKE-access-${label}`, refreshToken: `FAKE-refresh-${label}`, expiresAt: 1_767_225_600_000, scopes: ["user:inference"] } };
  await fs.writeFile(`${file}.tmp`, JSON.stringify(doc), { mode });
  await fs.chmod(`${file}.tmp`, mode);
  await fs.rename(`${file}.tmp`, file);
}

describe("fileSignature", () => {
  it("is 'absent' for no file and changes when the file is replaced", async () => {
    expect(await fileSignature(file)).toBe("absent");
    await writeLogin("a");
    const first = await fileSignature(file);
    expect(first).not.toBe("absent");
    await writeLogin("b");
    expect(await fileSignature(file)).not.toBe(first);
  });
});

describe("WatchedCredentials", () => {
  it("a version read is not news; another writer's version is; the service's own write is not; forget makes it news again", async () => {
    const watched = new WatchedCredentials(file, log);
    expect(await watched.changed()).toBe(true);
    await writeLogin("a");
    expect((await watched.read()).refreshToken).toBe("FAKE-refresh-a");
    expect(await watched.changed()).toBe(false);
    await writeLogin("b");
    expect(await watched.changed()).toBe(true);
    await watched.wroteIt();
    expect(await watched.changed()).toBe(false);
    watched.forget();
    expect(await watched.changed()).toBe(true);
  });

  it("an unreadable version throws its PluginError and still counts as seen (not read again at every wake-up)", async () => {
    const watched = new WatchedCredentials(file, log);
    await fs.writeFile(file, "{ not json", { mode: 0o600 });
    await expect(watched.read()).rejects.toBeInstanceOf(PluginError);
    expect(await watched.changed()).toBe(false);
    await expect(watched.read()).rejects.toMatchObject({ code: "credentials_invalid" });
    await fs.rm(file);
    expect(await watched.changed()).toBe(true);
    await expect(watched.read()).rejects.toMatchObject({ code: "credentials_missing" });
  });

  it("a file other users can read is made 0600, with one warning that says so", async () => {
    const watched = new WatchedCredentials(file, log);
    await writeLogin("a", 0o644);
    await watched.read();
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect(warnings).toEqual([`Credentials file ${file} was readable by other users (mode 644); changed it to 600.`]);
    await watched.read();
    expect(warnings).toHaveLength(1);
  });
});
