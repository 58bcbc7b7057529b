// What the test suites need from the machine beyond npm packages, checked the same way by
// scripts/setup.mjs (to say so before the run) and by the suites (to skip with one clear line).

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/** The Chromium the dashboard suite drives (Debian's package; Playwright's download needs the internet). */
export const CHROMIUM = process.env.E2E_CHROMIUM ?? "/usr/bin/chromium";

/** Why the dashboard suite cannot run here, or undefined when it can. */
export function chromiumProblem() {
  if (existsSync(CHROMIUM)) return undefined;
  return `no Chromium at ${CHROMIUM}: install it with "sudo apt-get install -y --no-install-recommends chromium" (Debian/Ubuntu), or set E2E_CHROMIUM to a Chromium binary`;
}

/**
 * Why the Claude Code suite cannot run here, or undefined when it can. It runs the real Claude
 * Code inside a loopback-only network namespace (`unshare -rn`), which needs unprivileged user
 * namespaces: Ubuntu 24.04's AppArmor blocks them by default.
 */
export function userNamespaceProblem() {
  const probe = spawnSync("unshare", ["-rn", "sh", "-c", "ip link set lo up && ip -o link show lo"], { encoding: "utf8" });
  if (!probe.error && probe.status === 0 && /LOOPBACK,UP/.test(probe.stdout)) return undefined;
  const why = probe.error ? probe.error.message : probe.stderr.trim().split("\n")[0] || `exit ${probe.status}`;
  return (
    `"unshare -rn" (a loopback-only network namespace for Claude Code) failed here (${why}). ` +
    `Needs util-linux and iproute2 and unprivileged user namespaces: on Ubuntu 24.04 ` +
    `"sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0", on older Debian "sudo sysctl -w kernel.unprivileged_userns_clone=1"`
  );
}

/** E2E_REQUIRE_ALL=1 (CI): a missing peer fails the suite instead of skipping it. */
export const REQUIRE_ALL = process.env.E2E_REQUIRE_ALL === "1";
