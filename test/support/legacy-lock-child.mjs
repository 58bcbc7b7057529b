// Runs two refreshes of a Claude Code credentials file through the plugin's built code (build/, tsc output),
// inside a mount namespace where the folder above Claude Code's config folder is read-only (see
// test/hardening/legacy-lock-readonly.test.ts). Prints one JSON line: the reports, the status, the
// log lines. Plain JS on the machine's Node, like refresh-child.mjs.
import { resolveConfig } from "../../build/core/config.js";
import { RefreshService } from "../../build/service.js";

const args = JSON.parse(process.argv[2]);
const lines = [];
const logger = { info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) };
const config = resolveConfig({ credentialsPath: args.credentialsPath, tokenUrl: args.tokenUrl, usageCheckMinutes: 0 }, { stateDir: args.stateDir });
const publisher = { publish: async () => undefined, unpublish: async () => undefined };
const service = new RefreshService({ config, logger, publisher });
const reports = [];
for (let i = 0; i < 2; i++) {
  const r = await service.refreshNow({ force: true });
  reports.push({ kind: r.kind, refreshed: r.refreshed, message: r.message });
}
process.stdout.write(`${JSON.stringify({ reports, status: service.status(), lines })}\n`);
