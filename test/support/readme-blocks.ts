// The README's examples as data: every fenced block, and the name given to it by a
// `<!-- runnable: NAME -->` comment on the line before its fence (blank lines may sit between).
// test/readme-examples.test.ts checks every shell block is named; test/e2e/readme.e2e.test.ts
// runs them by name against a test gateway.

export interface FencedBlock {
  /** The fence's info string's first word ("bash", "sh", "" ...). */
  lang: string;
  /** The block's text, without the fences, ending with a newline. */
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** From `<!-- runnable: NAME -->` just before the fence. */
  runnable?: string;
}

const MARKER = /^<!--\s*runnable:\s*([a-z0-9-]+)\s*-->$/;
const FENCE = /^(`{3,}|~{3,})\s*([^\s`]*)/;

/** Pure: every fenced block of a Markdown text, in order. */
export function fencedBlocks(markdown: string): FencedBlock[] {
  const lines = markdown.split("\n");
  const blocks: FencedBlock[] = [];
  let pendingMarker: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i] ?? "";
    const marker = MARKER.exec(text.trim());
    if (marker) {
      pendingMarker = marker[1];
      continue;
    }
    const fence = FENCE.exec(text);
    if (!fence) {
      if (text.trim() !== "") pendingMarker = undefined; // a marker names only the next block
      continue;
    }
    const close = fence[1] ?? "```";
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !(lines[j] ?? "").startsWith(close)) body.push(lines[j++] ?? "");
    blocks.push({ lang: fence[2] ?? "", code: body.length ? `${body.join("\n")}\n` : "", line: i + 1, ...(pendingMarker ? { runnable: pendingMarker } : {}) });
    pendingMarker = undefined;
    i = j;
  }
  return blocks;
}

/** Shell blocks: the ones a reader pastes into a terminal. */
export function isShellBlock(block: FencedBlock): boolean {
  return ["bash", "sh", "shell", "console", "zsh"].includes(block.lang);
}

/** The runnable block called `name`; throws when there is none or more than one. */
export function runnableBlock(blocks: readonly FencedBlock[], name: string): FencedBlock {
  const found = blocks.filter((b) => b.runnable === name);
  if (found.length !== 1) throw new Error(`README has ${found.length} blocks marked runnable: ${name}`);
  return found[0] as FencedBlock;
}
