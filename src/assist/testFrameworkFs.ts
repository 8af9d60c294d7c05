// The read-only view of a workspace that test-framework detection works on, and its implementation over the
// local disk. Detection only reads names and small text files, so it can run on fixture folders in tests and on
// `vscode.workspace.fs` (or the disk) in the extension.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface DirEntry {
  name: string;
  isDirectory: boolean;
}

/** Paths are '/'-separated and relative to the workspace root; '' is the root itself. */
export interface ProjectFileSystem {
  /** The file's text, or undefined when it does not exist or cannot be read. */
  readText(path: string): Promise<string | undefined>;
  /** The directory's entries, or undefined when it does not exist. */
  list(path: string): Promise<DirEntry[] | undefined>;
}

/** Files larger than this are not read: detection needs build files and a few test files, not data. */
const MAX_READ_BYTES = 512 * 1024;

export function createDiskFileSystem(root: string): ProjectFileSystem {
  return {
    async readText(path) {
      try {
        const buffer = await readFile(join(root, path));
        return buffer.length > MAX_READ_BYTES ? undefined : buffer.toString('utf8');
      } catch {
        return undefined;
      }
    },
    async list(path) {
      try {
        const entries = await readdir(join(root, path), { withFileTypes: true });
        return entries.map((e) => ({ name: e.name, isDirectory: e.isDirectory() }));
      } catch {
        return undefined;
      }
    },
  };
}
