/**
 * The dashboard page re-renders each poll with the same view code the gateway used for the first
 * paint. The page cannot fetch more files (a browser that blocks the tab's cross-site cookie lets
 * the frame load once), so the compiled dashboard-view.js and the browser-safe modules it imports
 * (status/durations, status/advice, …) are joined into one module script: each module once,
 * dependencies first, their `import` lines dropped. That needs every runtime import to be relative
 * and unrenamed, and no two modules to declare the same top-level name; both are checked (here and
 * by a unit test that runs the joined script).
 */

const RELATIVE_IMPORT = /^import\s*\{([^}]*)\}\s*from\s*"(\.{1,2}\/[^"]+)";[ \t]*$/gm;

export async function joinModules(entry: URL, read: (url: URL) => Promise<string>): Promise<string> {
  const seen = new Set<string>();
  const parts: string[] = [];
  const visit = async (url: URL): Promise<void> => {
    if (seen.has(url.href)) return;
    seen.add(url.href);
    const source = (await read(url)).replace(/^\/\/# sourceMappingURL=.*$/m, "");
    for (const [line, names = "", from = ""] of source.matchAll(RELATIVE_IMPORT)) {
      if (/\bas\b/.test(names)) throw new Error(`${url.pathname}: a renamed import cannot be joined (${line.trim()})`);
      await visit(new URL(from, url));
    }
    const body = source.replace(RELATIVE_IMPORT, "");
    if (/^\s*(import[\s{"'*]|export\s*(\*|\{[^}]*\})\s*from\s)/m.test(body)) throw new Error(`${url.pathname}: only relative imports can be joined into the page`);
    parts.push(body.trim());
  };
  await visit(entry);
  // Inside <script>: "</script" in a string would end the element early.
  return parts.join("\n\n").replace(/<\/script/gi, "<\\/script");
}
