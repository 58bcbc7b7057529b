/** The README blocks test/e2e/readme.e2e.test.ts runs (by their `<!-- runnable: NAME -->` names). */
export const README_EXAMPLES = ["install", "login", "import-ssh", "import-macos", "owner", "check", "config", "ntfy", "cron-check", "developer"] as const;
export type ReadmeExample = (typeof README_EXAMPLES)[number];
