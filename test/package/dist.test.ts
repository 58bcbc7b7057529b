// What `npm run build` ships in dist/ (scripts/build.mjs), checked on the built folders: the
// package needs nothing installed beside it, and bundling hides nothing from OpenClaw's own
// code-safety scan (`openclaw security audit --deep` runs it on installed plugins).

import { readdirSync, readFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const REPO = path.join(import.meta.dirname, "..", "..");
const DIST = path.join(REPO, "dist");
const BUILD = path.join(REPO, "build");
const OPENCLAW_DIST = path.join(REPO, "node_modules", "openclaw", "dist");

interface Finding {
  ruleId: string;
  severity: string;
  file: string;
}
type ScanDirectory = (dir: string, opts: Record<string, never>) => Promise<{ findings: Finding[] }>;

/** OpenClaw's scanner: the dist chunk that exports scanDirectoryWithSummary by name (its file name carries a hash). */
async function openClawScanner(): Promise<ScanDirectory> {
  for (const name of readdirSync(OPENCLAW_DIST).filter((n) => /^scanner-.*\.mjs$/.test(n))) {
    const mod = (await import(pathToFileURL(path.join(OPENCLAW_DIST, name)).href)) as { scanDirectoryWithSummary?: ScanDirectory };
    if (mod.scanDirectoryWithSummary) return mod.scanDirectoryWithSummary;
  }
  throw new Error(`no scanner-*.mjs in ${OPENCLAW_DIST} exports scanDirectoryWithSummary: OpenClaw moved its code-safety scanner`);
}

const jsFiles = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".js"));

describe("the shipped package (dist/)", () => {
  it("declares no dependencies and imports only OpenClaw's SDK and Node's built-ins", () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
    expect(pkg.dependencies ?? {}).toEqual({});
    const bare = new Set<string>();
    for (const file of jsFiles(DIST)) {
      const code = readFileSync(path.join(DIST, file), "utf8");
      for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\b(?:__)?require\s*\(\s*)["']([@a-zA-Z][\w.@/:-]*)["']/g)) if (m[1]) bare.add(m[1]);
    }
    expect([...bare].filter((s) => !isBuiltin(s) && !/^openclaw(\/|$)/.test(s))).toEqual([]);
    expect(bare).toContain("fs"); // the bundled CommonJS libraries' require calls are seen
    expect(jsFiles(DIST)).toEqual(expect.arrayContaining(["index.js", "dashboard-view.js"]));
    const notices = readFileSync(path.join(DIST, "THIRD-PARTY-NOTICES.md"), "utf8");
    expect(notices).toMatch(/^## proper-lockfile \d/m);
    expect(notices).toMatch(/^## write-file-atomic \d/m);
  });

  it("the entry loads only what registering needs: the lazy imports stay lazy", () => {
    const staticImports = (file: string): string[] =>
      [...readFileSync(path.join(DIST, file), "utf8").matchAll(/^(?:import|export)\b[^;]*?["']\.\/([\w.-]+\.js)["']/gm)].map((m) => m[1] ?? "");
    const loaded = new Set<string>();
    const visit = (file: string): void => {
      if (loaded.has(file)) return;
      loaded.add(file);
      staticImports(file).forEach(visit);
    };
    visit("index.js");
    const everything = jsFiles(DIST);
    const defining = (fn: string) => everything.filter((f) => new RegExp(`\\bfunction ${fn}\\(`).test(readFileSync(path.join(DIST, f), "utf8")));
    // The accounts' code (started on gateway_start), the CLI commands, the token POST, the dashboard page.
    for (const fn of ["startAccounts", "statusCommand", "postToken", "runRefresh", "renderDashboardPage"]) {
      const files = defining(fn);
      expect(files, fn).toHaveLength(1);
      expect(loaded.has(files[0] ?? ""), `${fn} is in ${files[0]}, which dist/index.js loads at once`).toBe(false);
    }
    expect(loaded.size).toBeLessThan(everything.length / 2);
  });

  it("OpenClaw's code-safety scan finds in dist/ exactly what it finds in the modules dist/ is built from", async () => {
    const scan = await openClawScanner();
    const summary = async (dir: string): Promise<string[]> => (await scan(dir, {})).findings.map((f) => `${f.severity} ${f.ruleId}`).sort();
    const built = await summary(BUILD);
    // The one finding: the owner's alertCommand is run with spawn (src/alerts/alerts.ts).
    expect(built).toEqual(["critical dangerous-exec"]);
    expect(await summary(DIST)).toEqual(built);
  });
});
