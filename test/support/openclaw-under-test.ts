// Which OpenClaw an e2e gateway runs. Default: the devDependency (.cache/env.json's openclaw.mjs).
// Another release: a version installed by `node scripts/openclaw-releases.mjs <version>` into
// .cache/openclaw-<version>/ (the compat suite does this itself), or a path to any openclaw.mjs.
// Chosen per gateway (`createGateway({ openclaw })`) or for a whole run with E2E_OPENCLAW, e.g.
// `E2E_OPENCLAW=2026.9.1 node node_modules/vitest/vitest.mjs run test/e2e/core.e2e.test.ts`.

import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";

export interface OpenClawUnderTest {
  /** openclaw.mjs to run with Node 24. */
  entry: string;
  /** The `version` of the package.json beside it. */
  version: string;
}

const VERSION_RE = /^\d{4}\.\d{1,2}\.\d{1,2}(?:-[0-9A-Za-z.-]+)?$/;

/** Where scripts/openclaw-releases.mjs installs a release (kept in step with that script). */
export function releaseEntry(repo: string, version: string): string {
  return join(repo, ".cache", `openclaw-${version}`, "node_modules", "openclaw", "openclaw.mjs");
}

export function packageVersionOf(entry: string): string {
  const pkg = JSON.parse(readFileSync(join(dirname(entry), "package.json"), "utf8")) as { version?: unknown };
  if (typeof pkg.version !== "string") throw new Error(`${join(dirname(entry), "package.json")} has no version`);
  return pkg.version;
}

/**
 * Resolves `choice` (a version, a path to openclaw.mjs, or nothing for the default) to an entry
 * that exists, or throws saying how to install it.
 */
export function resolveOpenClaw(repo: string, defaultEntry: string, choice: string | undefined): OpenClawUnderTest {
  const wanted = choice?.trim();
  let entry: string;
  if (!wanted) entry = defaultEntry;
  else if (VERSION_RE.test(wanted)) {
    const devEntry = defaultEntry;
    entry = existsSync(devEntry) && packageVersionOf(devEntry) === wanted ? devEntry : releaseEntry(repo, wanted);
    if (!existsSync(entry)) throw new Error(`OpenClaw ${wanted} is not installed (${entry} is missing): run \`node scripts/openclaw-releases.mjs ${wanted}\``);
  } else {
    entry = isAbsolute(wanted) ? wanted : resolve(repo, wanted);
    if (!existsSync(entry)) throw new Error(`E2E_OPENCLAW names ${entry}, which does not exist (give a version like 2026.9.1 or a path to openclaw.mjs)`);
  }
  return { entry, version: packageVersionOf(entry) };
}
