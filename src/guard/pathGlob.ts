// Path globs for path rules and path allowlists (`**/.env`, `*.pem`, `secrets/**`), compiled to RE2.
// A glob may match at any folder depth and ignores case: for a rule that refuses files, matching too much
// is the safe mistake, and the same file has one name on every operating system the team uses.
import { compileSafeRegex } from './safeRegex';
import type { SafeRegex } from './safeRegex';

/** A compiled glob. */
export interface PathGlob {
  readonly glob: string;
  matches(filePath: string): boolean;
}

/** Compiles a glob: `**` any number of folders, `*` any characters but `/`, `?` one such character, `{a,b}` either. */
export function compilePathGlob(glob: string): PathGlob {
  const regex: SafeRegex = compileSafeRegex(`^(?:.*/)?${globBody(trimGlob(glob))}$`, {
    caseSensitive: false,
  });
  return {
    glob,
    matches(filePath: string): boolean {
      return regex.test(normalisePath(filePath));
    },
  };
}

/** Forward slashes, no leading `./` or drive letter, so that Windows and POSIX paths compare alike. */
export function normalisePath(filePath: string): string {
  return filePath
    .replace(/\\/g, '/')
    .replace(/^[a-zA-Z]:\//, '/')
    .replace(/^(\.\/)+/, '');
}

function trimGlob(glob: string): string {
  return normalisePath(glob).replace(/^\/+/, '');
}

function globBody(glob: string): string {
  let out = '';
  let i = 0;
  let braceDepth = 0;
  while (i < glob.length) {
    const c = glob.charAt(i);
    if (c === '*' && glob.charAt(i + 1) === '*') {
      // `**/` is zero or more folders; a trailing `**` is everything below.
      if (glob.charAt(i + 2) === '/') {
        out += '(?:[^/]*/)*';
        i += 3;
      } else {
        out += '.*';
        i += 2;
      }
      continue;
    }
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '{') {
      out += '(?:';
      braceDepth++;
    } else if (c === '}' && braceDepth > 0) {
      out += ')';
      braceDepth--;
    } else if (c === ',' && braceDepth > 0) out += '|';
    else out += c.replace(/[\\^$.+()[\]{}|]/g, '\\$&');
    i++;
  }
  return out + ')'.repeat(braceDepth);
}
