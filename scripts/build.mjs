#!/usr/bin/env node
// `npm run build`: what the package ships (dist/) and what the tests and the bench import (build/).
//
//   1. tsc compiles src/ into build/, one module per source file. The child processes of the
//      crash and race tests and the bench import single modules from there (build/service.js, ...).
//   2. rolldown bundles build/index.js with proper-lockfile and write-file-atomic into dist/, in
//      its own chunks: modules go together when the same imports load them, so what the entry
//      imports lazily (the accounts' code, the CLI commands, the dashboard page) still loads only
//      when it is used. One rule on top: a module that sends over the network (the token POST,
//      the dashboard page's fetch) gets a file of its own. OpenClaw's code-safety scan
//      (`openclaw security audit --deep`) judges each file as a whole and reports a file read
//      next to a network send as "potential exfiltration": the unbundled modules never do that,
//      and a chunk that put maybe-spent's file read beside the token POST did.
//   3. dist/dashboard-view.js: the dashboard's view code joined into one browser module, the text
//      the route would otherwise join at its first request (src/surfaces/dashboard-script.ts).
//   4. dist/THIRD-PARTY-NOTICES.md: the licences of the bundled packages.
//
// Why bundle: OpenClaw (2026.9.6) copies and hashes a plugin's package, and every package it
// depends on, and parses each file, each time it loads the plugin: twice per gateway start and once
// per `openclaw` command, at about a millisecond a file. Side by side in one gateway home,
// OpenClaw's trace gave this plugin's load 148 ms with its two libraries in node_modules, 99 ms
// bundled one file per module (85 files) and 58 ms in these chunks (27 files; docs/performance.md).
// The libraries are the same, pinned by package-lock.json.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "rolldown";

const repo = join(import.meta.dirname, "..");
const buildDir = join(repo, "build");
const distDir = join(repo, "dist");

/**
 * OpenClaw's scan counts a file as sending when a line matches this pattern (its
 * NETWORK_SEND_CONTEXT_PATTERN in 2026.9.6, which also matches our injected `deps.post(...)`).
 */
const NETWORK_SEND = /\bfetch\s*\(|\bpost\s*\(|\.\s*post\s*\(|http\.request\s*\(/i;

/** build/login/refresh.js sends, so it is a chunk of its own, "login-refresh"; a module that does not send is left to rolldown. */
function senderChunkName(id) {
  if (!id.startsWith(buildDir + sep) || id === join(buildDir, "index.js")) return null;
  if (!NETWORK_SEND.test(readFileSync(id, "utf8"))) return null;
  return relative(buildDir, id).replace(/\.js$/, "").split(sep).join("-");
}

rmSync(buildDir, { recursive: true, force: true });
rmSync(distDir, { recursive: true, force: true });

const tsc = spawnSync(process.execPath, [join(repo, "node_modules", "typescript", "bin", "tsc"), "-p", join(repo, "tsconfig.build.json")], { cwd: repo, stdio: "inherit" });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

const result = await build({
  input: join(buildDir, "index.js"),
  platform: "node",
  // OpenClaw provides its SDK to the plugin at run time (a peer dependency); Node its built-ins.
  external: [/^openclaw(\/|$)/, /^node:/],
  logLevel: "warn",
  // write-file-atomic (CommonJS) seeds its temporary names with __filename, which ES modules lack.
  transform: { define: { __filename: "import.meta.filename" } },
  // The entry keeps its default export; the per-module chunks need room for more.
  preserveEntrySignatures: "allow-extension",
  output: {
    dir: distDir,
    format: "esm",
    entryFileNames: "index.js",
    // Flat: the dashboard route finds dashboard-view.js beside the chunk that serves it.
    chunkFileNames: "[name].js",
    codeSplitting: { includeDependenciesRecursively: false, groups: [{ name: senderChunkName, debugName: "network senders alone" }] },
  },
});

/** The npm package a bundled module belongs to (its folder and name from the path), or undefined. */
function packageOf(id) {
  const parts = id.split(sep);
  const at = parts.lastIndexOf("node_modules");
  if (at < 0 || !parts[at + 1]) return undefined;
  const depth = parts[at + 1].startsWith("@") ? 2 : 1;
  return { root: parts.slice(0, at + 1 + depth).join(sep), name: parts.slice(at + 1, at + 1 + depth).join("/") };
}

// A CommonJS-only name left in an ES module chunk fails only when that code runs (a write, a lock).
for (const chunk of result.output) {
  const left = chunk.type === "chunk" ? /\b(__filename|__dirname|require\.main)\b/.exec(chunk.code) : null;
  if (left) throw new Error(`dist/${chunk.fileName} uses ${left[1]}, which an ES module does not have: add it to transform.define`);
}

const dashboard = await import(pathToFileURL(join(buildDir, "surfaces", "dashboard-script.js")).href);
const view = await dashboard.joinModules(pathToFileURL(join(buildDir, "surfaces", "dashboard-view.js")), (url) => Promise.resolve(readFileSync(url, "utf8")));
writeFileSync(join(distDir, "dashboard-view.js"), `${view}\n`);

writeFileSync(join(distDir, "THIRD-PARTY-NOTICES.md"), notices(result.output.flatMap((chunk) => (chunk.type === "chunk" ? chunk.moduleIds : []))));

/** One section per bundled npm package (name, version, licence text), sorted by name. */
function notices(moduleIds) {
  const roots = new Set(moduleIds.map((id) => packageOf(id)?.root).filter((root) => root !== undefined));
  const sections = [...roots]
    .map((root) => {
      const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
      const name = readdirSync(root).find((n) => /^licen[cs]e(\.(md|txt))?$/i.test(n));
      const file = name && join(root, name);
      if (!file) throw new Error(`${pkg.name}: no licence file to include in THIRD-PARTY-NOTICES.md`);
      return { name: pkg.name, text: `## ${pkg.name} ${pkg.version} (${pkg.license})\n\n\`\`\`\n${readFileSync(file, "utf8").trim()}\n\`\`\`\n` };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  return `# Bundled third-party packages\n\ndist/ bundles these npm packages (see scripts/build.mjs).\n\n${sections.map((s) => s.text).join("\n")}`;
}

