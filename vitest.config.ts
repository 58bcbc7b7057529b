import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

// Two projects:
// - "unit": test/**/*.test.ts and src/**/*.test.ts except *.e2e.test.ts, files in parallel.
// - "e2e":  *.e2e.test.ts, two files at a time (each starts a real OpenClaw gateway: ~1.1 GB; the
//           box has 2 cores and 24 GB, and most of a suite's time is spent waiting for a timer or
//           a CLI call, so two suites side by side finish sooner than one after the other; set
//           E2E_WORKERS=1 for one at a time), long timeouts, and only after the unit project has
//           finished (sequence.groupOrder) so unit tests never compete with a gateway for CPU.
// `npm test` runs scripts/setup.mjs first (deps, Node 24, build, .cache/env.json), so there is no
// globalSetup here; run `node scripts/setup.mjs` yourself before `npx vitest`.
const E2E = "**/*.e2e.test.ts";
const E2E_WORKERS = Number(process.env.E2E_WORKERS ?? 2) || 1;

// Minutes each e2e suite took alone on the 2-core box (2026-12-06). Two workers finish soonest when
// the longest suites start first: a long suite picked up last would run on alone at the end. Vitest
// orders by the durations it cached on earlier runs, but CI starts from a fresh clone (no cache),
// where it would go by file size. A suite missing here counts as long, so it starts early.
const E2E_MINUTES: Record<string, number> = {
  cli: 9,
  "claude-cli-runtime": 8.5, // 518 s in its first full pass (docs/claude-cli-runtime.md)
  accounts: 8,
  monitoring: 6,
  core: 4.5,
  readme: 3.7,
  "claude-code-shared-file": 3,
  chat: 2,
  dashboard: 1.9,
};
const UNLISTED_E2E_MINUTES = 10;

function e2eMinutes(spec: TestSpecification): number {
  const name = /([^/]+)\.e2e\.test\.ts$/.exec(spec.moduleId)?.[1];
  return name === undefined ? 0 : (E2E_MINUTES[name] ?? UNLISTED_E2E_MINUTES);
}

class LongestE2eFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    // Array.prototype.sort is stable: unit files (0 minutes) keep vitest's own order.
    return (await super.sort(files)).sort((a, b) => e2eMinutes(b) - e2eMinutes(a));
  }
}

export default defineConfig({
  test: {
    pool: "forks",
    sequence: { sequencer: LongestE2eFirst },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts", "src/**/*.test.ts"],
          exclude: [E2E, "**/*.compat.test.ts", "**/node_modules/**", "dist/**", "build/**", ".cache/**"],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/**/*.e2e.test.ts", "src/**/*.e2e.test.ts"],
          exclude: ["**/node_modules/**", "dist/**", "build/**", ".cache/**"],
          fileParallelism: E2E_WORKERS > 1,
          maxWorkers: E2E_WORKERS,
          testTimeout: 300_000,
          hookTimeout: 300_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
