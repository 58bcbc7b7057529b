// A separate process that runs one refresh through the plugin's own built code (build/, tsc output), for the
// crash and race tests: it can be told to SIGKILL itself at a chosen step. Plain JS on purpose:
// it runs on the machine's Node without a TypeScript loader, as the shipped code does.
//
// argv[2] is JSON: { credentialsPath, tokenUrl, stateDir, publishedPath, mode: "cli"|"service",
//                    crashAt?: "before-post"|"after-post"|"before-rename"|"after-persist"|"during-publish",
//                    force?: boolean, startGate?: string }
import { promises as fs, openSync, fsyncSync, writeSync, closeSync, existsSync } from "node:fs";
import path from "node:path";
import { resolveConfig } from "../../build/core/config.js";
import { writeCredentialsFile, serializeCredentials } from "../../build/login/credentials.js";
import { RefreshService } from "../../build/service.js";

const args = JSON.parse(process.argv[2]);
const die = () => process.kill(process.pid, "SIGKILL");
const marks = {};
const mark = (name) => (marks[name] = Date.now());

const config = resolveConfig({ credentialsPath: args.credentialsPath, tokenUrl: args.tokenUrl, refreshBeforeExpiryMinutes: 60, usageCheckMinutes: 0 }, { stateDir: args.stateDir });

/** Leaves exactly what write-file-atomic leaves when killed before its rename: a complete, fsynced temp file. */
async function writeThenDieBeforeRename(file, document, indent) {
  const tmp = `${await fs.realpath(file).catch(() => file)}.${Math.floor(Math.random() * 2 ** 32)}`;
  const fd = openSync(tmp, "w", 0o600);
  writeSync(fd, serializeCredentials(document, indent));
  fsyncSync(fd);
  closeSync(fd);
  die();
}

const publisher = {
  async publish(token) {
    if (args.crashAt === "during-publish") {
      await fs.writeFile(`${args.publishedPath}.partial`, "{");
      die();
    }
    await fs.writeFile(args.publishedPath, JSON.stringify({ token: token.accessToken, expires: token.expiresAt }), { mode: 0o600 });
    mark("published");
  },
  async unpublish() {},
};

const lines = [];
const logger = { info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };
const service = new RefreshService({
  config,
  logger,
  publisher,
  refresh: {
    at: (point) => {
      mark(point);
      if (point === args.crashAt) die();
    },
    write: args.crashAt === "before-rename" ? writeThenDieBeforeRename : writeCredentialsFile,
  },
});

// A start gate lets a test release many processes at the same instant.
if (args.startGate) while (!existsSync(args.startGate)) await new Promise((r) => setTimeout(r, 5));

let report;
if (args.mode === "service") {
  // The started service refreshes a due token by itself; refreshNow joins that refresh.
  await service.start();
  report = await service.refreshNow();
  await service.stop();
} else {
  report = await service.refreshNow({ force: args.force === true });
}
const status = service.status();
process.stdout.write(JSON.stringify({ kind: report.kind, state: status.state, lockProtocol: status.lockProtocol, marks, lines }) + "\n");
