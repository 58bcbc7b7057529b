import { defineConfig } from "vitest/config";

// Two projects:
// - "unit": test/**/*.test.ts and src/**/*.test.ts except *.e2e.test.ts, files in parallel.
// - "e2e":  *.e2e.test.ts, one file at a time (each starts a real OpenClaw gateway: ~1.1 GB, and
//           the box has 2 cores), long timeouts, and only after the unit project has finished
//           (sequence.groupOrder) so unit tests never compete with a gateway for CPU.
// `npm test` runs scripts/setup.mjs first (deps, Node 24, build, .cache/env.json), so there is no
// globalSetup here; run `node scripts/setup.mjs` yourself before `npx vitest`.
const E2E = "**/*.e2e.test.ts";

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
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 300_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
