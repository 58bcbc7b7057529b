import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseCredentials } from "./credentials.js";
import { recoverInterruptedWrite } from "./write-recovery.js";

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "cor-recovery-"));
  file = path.join(dir, "claude-credentials.json");
});
afterEach(() => fs.rm(dir, { recursive: true, force: true }));

const doc = (label: string, expiresAt: number) => JSON.stringify({ claudeAiOauth: { accessToken: `sk-ant-oat01-FAKE-${label}`, refreshToken: `sk-ant-ort01-FAKE-${label}`, expiresAt }, other: label });
const T = 1_767_225_600_000;

async function current() {
  return parseCredentials(await fs.readFile(file, "utf8"), file).oauth;
}

describe("recoverInterruptedWrite", () => {
  it("adopts a complete, newer temp file left by write-file-atomic and removes the rest", async () => {
    await fs.writeFile(file, doc("old", T), { mode: 0o600 });
    await fs.writeFile(`${file}.123456`, doc("new", T + 8 * 3600_000), { mode: 0o644 });
    await fs.writeFile(`${file}.999`, '{"claudeAiOauth": {"accessTo', { mode: 0o600 }); // cut short
    const outcome = await recoverInterruptedWrite(file, await current());
    expect(outcome.adopted).toBe(`${file}.123456`);
    expect(outcome.removed).toEqual([`${file}.999`]);
    expect((await current()).refreshToken).toBe("sk-ant-ort01-FAKE-new");
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect((await fs.readdir(dir)).sort()).toEqual(["claude-credentials.json"]);
  });

  it("also knows Claude Code's temp names", async () => {
    await fs.writeFile(file, doc("old", T));
    await fs.writeFile(`${file}.tmp.a1b2c3`, doc("cc", T + 1000));
    expect((await recoverInterruptedWrite(file, await current())).adopted).toBe(`${file}.tmp.a1b2c3`);
  });

  it("an older or identical temp file is removed, never adopted", async () => {
    await fs.writeFile(file, doc("cur", T + 1000));
    await fs.writeFile(`${file}.1`, doc("older", T));
    await fs.writeFile(`${file}.2`, doc("cur", T + 2000)); // same refresh token: not a newer login
    const outcome = await recoverInterruptedWrite(file, await current());
    expect(outcome.adopted).toBeUndefined();
    expect(outcome.removed.sort()).toEqual([`${file}.1`, `${file}.2`]);
    expect((await current()).refreshToken).toBe("sk-ant-ort01-FAKE-cur");
  });

  it("leaves unrelated files alone", async () => {
    await fs.writeFile(file, doc("cur", T));
    await fs.writeFile(`${file}.bak`, "keep");
    await fs.writeFile(path.join(dir, "claude-credentials.json.lock.holder.json"), "{}");
    const outcome = await recoverInterruptedWrite(file, await current());
    expect(outcome).toEqual({ removed: [] });
    expect((await fs.readdir(dir)).sort()).toEqual(["claude-credentials.json", "claude-credentials.json.bak", "claude-credentials.json.lock.holder.json"]);
  });
});
