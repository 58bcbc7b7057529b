import { defineConfig } from "vitest/config";

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

export default defineConfig({
  test: {
    pool: "forks",
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts", "src/**/*.test.ts"],
          exclude: [E2E, "**/*.compat.test.ts", "**/node_modules/**", "dist/**", ".cache/**"],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/**/*.e2e.test.ts", "src/**/*.e2e.test.ts"],
          exclude: ["**/node_modules/**", "dist/**", ".cache/**"],
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
