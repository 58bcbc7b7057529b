// Child process of bench/parts/transaction.ts: runs N forced refreshes through the plugin's built
// RefreshService (build/), the way the gateway method and the CLI do, against the parent's fake
// token endpoint on loopback, and times each phase with RefreshDeps overrides wrapping the real
// functions. Separate process so that `strace -c -f` can count its system calls alone.
// argv[2]: JSON { credentialsPath, tokenUrl, stateDir, warmup, n, publisher: "noop" | "sdk" }
// stdout: one JSON line { phases: PhaseSample[] }.
import type { Logger } from "../src/core/logger.js";
import type { PublishedToken, Publisher } from "../src/openclaw/publish.js";
import type { RawAnswer, TokenRequest } from "../src/login/token-endpoint.js";
import { importBuilt } from "./lib/env.js";

interface Args {
  credentialsPath: string;
  tokenUrl: string;
  stateDir: string;
  warmup: number;
  n: number;
  publisher: "noop" | "sdk";
}

export interface PhaseSample {
  totalMs: number;
  lockAcquireMs: number;
  readMs: number;
  reads: number;
  recoveryScanMs: number;
  postMs: number;
  persistMs: number;
  releaseAndBookkeepingMs: number;
  publishMs: number;
  /** The rest: deciding, parsing the answer, merging, the service's own bookkeeping after publish. */
  otherMs: number;
}

interface Marks {
  t0: number;
  reads: Array<[number, number]>;
  post?: [number, number];
  write?: [number, number];
  publish?: [number, number];
  end?: number;
}

const args = JSON.parse(process.argv[2] ?? "{}") as Args;
const [{ RefreshService }, { resolveConfig }, credentials, tokenEndpoint, publish] = await Promise.all([
  importBuilt<typeof import("../src/service.js")>("service.js"),
  importBuilt<typeof import("../src/core/config.js")>("core/config.js"),
  importBuilt<typeof import("../src/login/credentials.js")>("login/credentials.js"),
  importBuilt<typeof import("../src/login/token-endpoint.js")>("login/token-endpoint.js"),
  importBuilt<typeof import("../src/openclaw/publish.js")>("openclaw/publish.js"),
]);

let cur: Marks = { t0: 0, reads: [] };
const now = () => performance.now();

async function timed<T>(fn: () => Promise<T>, record: (span: [number, number]) => void): Promise<T> {
  const start = now();
  try {
    return await fn();
  } finally {
    record([start, now()]);
  }
}

const config = resolveConfig({ credentialsPath: args.credentialsPath, tokenUrl: args.tokenUrl, usageCheckMinutes: 0 }, { stateDir: args.stateDir });
const sdk = args.publisher === "sdk" ? publish.createOpenClawPublisher({ profileId: config.profileId }) : undefined;
const publisher: Publisher = {
  publish: (t: PublishedToken) => timed(() => (sdk ? sdk.publish(t) : Promise.resolve()), (s) => (cur.publish = s)),
  unpublish: async () => undefined,
};
const quiet: Logger = { info: () => undefined, warn: () => undefined, error: (m) => process.stderr.write(`${m}\n`) };
const service = new RefreshService({
  config,
  logger: quiet,
  publisher,
  refresh: {
    read: (p: string) => timed(() => credentials.readCredentialsFile(p), (s) => cur.reads.push(s)),
    post: (r: TokenRequest): Promise<RawAnswer> => timed(() => tokenEndpoint.postToken(r), (s) => (cur.post = s)),
    write: (p: string, d: Record<string, unknown>, i: string) => timed(() => credentials.writeCredentialsFile(p, d, i), (s) => (cur.write = s)),
  },
});

const phases: PhaseSample[] = [];
for (let i = 0; i < args.warmup + args.n; i++) {
  cur = { t0: now(), reads: [] };
  const report = await service.refreshNow({ force: true });
  cur.end = now();
  if (report.kind !== "refreshed") throw new Error(`refresh ${i}: ${report.kind}: ${report.message}`);
  if (i < args.warmup) continue;
  const { t0, reads, post, write, publish: pub, end } = cur;
  const firstRead = reads[0];
  const lastRead = reads.at(-1);
  if (!firstRead || !lastRead || !post || !write || !pub || end === undefined) throw new Error(`refresh ${i}: a phase was not seen`);
  const sample = {
    totalMs: end - t0,
    lockAcquireMs: firstRead[0] - t0,
    readMs: reads.reduce((a, [s, e]) => a + (e - s), 0),
    reads: reads.length,
    recoveryScanMs: reads.length > 1 ? (reads[1]?.[0] ?? 0) - firstRead[1] : 0,
    postMs: post[1] - post[0],
    persistMs: write[1] - write[0],
    releaseAndBookkeepingMs: pub[0] - write[1],
    publishMs: pub[1] - pub[0],
  };
  const known = sample.lockAcquireMs + sample.readMs + sample.recoveryScanMs + sample.postMs + sample.persistMs + sample.releaseAndBookkeepingMs + sample.publishMs;
  phases.push({ ...sample, otherMs: sample.totalMs - known });
}
process.stdout.write(`${JSON.stringify({ phases })}\n`);
