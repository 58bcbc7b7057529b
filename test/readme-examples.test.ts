// Every shell example in the README is run by a test (issue 18). This unit test holds the list:
// a shell block without a `<!-- runnable: NAME -->` marker, or with a name the e2e suite does not
// run, fails here at once (the e2e suite then runs each named block against a test gateway).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { README_EXAMPLES } from "./e2e/readme-examples.js";
import { fencedBlocks, isShellBlock, runnableBlock } from "./support/readme-blocks.js";

const README = readFileSync(join(import.meta.dirname, "..", "README.md"), "utf8");

describe("fencedBlocks", () => {
  it("names a block by the marker on the line before it (blank lines allowed), and only that block", () => {
    const md = ["<!-- runnable: one -->", "", "```bash", "echo 1", "```", "text", "```sh", "echo 2", "```", "<!-- runnable: x -->", "prose", "```", "out", "```"].join("\n");
    expect(fencedBlocks(md)).toEqual([
      { lang: "bash", code: "echo 1\n", line: 3, runnable: "one" },
      { lang: "sh", code: "echo 2\n", line: 7 },
      { lang: "", code: "out\n", line: 12 },
    ]);
  });

  it("keeps a block's inner lines exactly, and a longer fence closes only with its own length", () => {
    const md = ["````md", "```bash", "inner", "```", "````"].join("\n");
    expect(fencedBlocks(md)).toEqual([{ lang: "md", code: "```bash\ninner\n```\n", line: 1 }]);
  });
});

describe("README examples", () => {
  const blocks = fencedBlocks(README);

  it("every shell block is marked runnable", () => {
    const unmarked = blocks.filter((b) => isShellBlock(b) && !b.runnable).map((b) => `line ${b.line}: ${b.code.split("\n")[0]}`);
    expect(unmarked).toEqual([]);
  });

  it("every runnable name is run by test/e2e/readme.e2e.test.ts, and every name it runs is in the README once", () => {
    const names = blocks.flatMap((b) => (b.runnable ? [b.runnable] : []));
    expect([...names].sort()).toEqual([...README_EXAMPLES].sort());
    for (const name of README_EXAMPLES) expect(() => runnableBlock(blocks, name)).not.toThrow();
  });

  it("the quick start comes first, in the order a reader follows it", () => {
    const order = blocks.flatMap((b) => (b.runnable ? [b.runnable] : [])).slice(0, 5);
    expect(order).toEqual(["install", "login", "import-ssh", "import-macos", "owner"]);
    expect(blocks.find((b) => b.runnable === "check")?.line ?? Infinity).toBeLessThan(100);
  });
});
