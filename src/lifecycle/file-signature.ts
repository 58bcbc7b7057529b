import { promises as fs } from "node:fs";

/**
 * What tells one version of the credentials file from another without reading it (inode, size,
 * mtime): a changed signature means someone wrote it (a login, an import, Claude Code's refresh).
 */
export async function fileSignature(filePath: string): Promise<string> {
  try {
    const st = await fs.stat(filePath);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return "absent";
  }
}
