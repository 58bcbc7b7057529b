import { defineConfig } from "vitest/config";

// `npm run test:compat`: the core end-to-end check on each supported OpenClaw release
// (test/compat/), one real gateway at a time. Kept out of `npm test`'s projects (vitest.config.ts),
// which run the full suites on the newest release only.
export default defineConfig({
  test: {
    pool: "forks",
    include: ["test/compat/**/*.compat.test.ts"],
    exclude: ["**/node_modules/**", "dist/**", "build/**", ".cache/**"],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
