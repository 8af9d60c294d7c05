// The "Types it uses" part of the test prompt, in plain Node: which names in the code under test look like
// types worth showing, and how a declaration found for one (by the language server, or in the same file) is
// cut down to its signature, so the model sees the shapes it must build without the bodies it must not test.

/** A name the code under test uses, with the offset of its first use in that code. */
export interface TypeReference {
  name: string;
  offset: number;
}

// Globals and standard-library types: the model knows them, and their declarations would only fill the prompt.
const WELL_KNOWN = new Set([
  'Array',
  'ReadonlyArray',
  'Promise',
  'PromiseLike',
  'Map',
  'ReadonlyMap',
  'Set',
  'ReadonlySet',
  'WeakMap',
  'WeakSet',
  'Record',
  'Partial',
  'Required',
  'Readonly',
  'Pick',
  'Omit',
  'Exclude',
  'Extract',
  'NonNullable',
  'ReturnType',
  'Parameters',
  'Awaited',
  'Error',
  'TypeError',
  'RangeError',
  'SyntaxError',
  'Math',
  'JSON',
  'Object',
  'String',
  'Number',
  'Boolean',
  'Symbol',
  'BigInt',
  'Date',
  'RegExp',
  'Intl',
  'Buffer',
  'Uint8Array',
  'ArrayBuffer',
  'Function',
  'Infinity',
  'NaN',
  'URL',
  'AbortSignal',
  'AbortController',
  'TextEncoder',
  'TextDecoder',
  'Iterable',
  'Iterator',
  'AsyncIterable',
  'Generator',
  'AsyncGenerator',
  'None',
  'True',
  'False',
  'Self',
  'Option',
  'Some',
  'Ok',
  'Err',
  'Result',
  'Vec',
  'String',
  'List',
  'Dict',
  'Optional',
  'Any',
]);

/** Declared by the code itself (its own class, its own type parameters): no need to look those up. */
function declaredInside(code: string): Set<string> {
  const names = new Set<string>();
  for (const m of code.matchAll(/\b(?:class|interface|type|enum|struct|trait)\s+([A-Za-z_]\w*)/g))
    if (m[1]) names.add(m[1]);
  for (const m of code.matchAll(/<\s*([A-Z]\w*)(?:\s+extends\b[^,>]*)?(?:\s*,\s*([A-Z]\w*))*\s*>\s*\(/g)) {
    if (m[1]) names.add(m[1]);
    if (m[2]) names.add(m[2]);
  }
  return names;
}

/**
 * Capitalised identifiers outside strings and comments: in the languages we generate tests for these are
 * types, classes and constants, which is what the prompt wants. First use of each, at most `max`.
 */
export function typeReferencesIn(code: string, max = 8): TypeReference[] {
  const masked = maskStringsAndComments(code);
  const own = declaredInside(code);
  const seen = new Set<string>();
  const out: TypeReference[] = [];
  for (const m of masked.matchAll(/(?<![\w$.])[A-Z][A-Za-z0-9_]*\b/g)) {
    const name = m[0];
    if (seen.has(name) || own.has(name) || WELL_KNOWN.has(name) || /^[A-Z0-9_]+$/.test(name)) continue;
    seen.add(name);
    out.push({ name, offset: m.index });
    if (out.length >= max) break;
  }
  return out;
}

/** Replaces string, template and comment contents with spaces, keeping every offset where it was. */
export function maskStringsAndComments(code: string): string {
  let out = '';
  let i = 0;
  while (i < code.length) {
    const c = code[i];
    const next = code[i + 1];
    if (c === '/' && next === '/') {
      const end = code.indexOf('\n', i);
      const stop = end === -1 ? code.length : end;
      out += ' '.repeat(stop - i);
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = code.indexOf('*/', i + 2);
      const stop = end === -1 ? code.length : end + 2;
      out += code.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < code.length && code[j] !== c && !(c !== '`' && code[j] === '\n'))
        j += code[j] === '\\' ? 2 : 1;
      const stop = Math.min(code.length, j + 1);
      out += c + code.slice(i + 1, stop - 1).replace(/[^\n]/g, ' ') + (stop - 1 > i ? code[stop - 1] : '');
      i = stop;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const MAX_DECLARATION_LINES = 80;

/**
 * The whole declaration that starts on `line` (0-based) of `text`: from that line to where its brackets
 * close (or its statement ends), with the doc comment just above it. Undefined when the line is out of range.
 */
export function declarationAt(text: string, line: number): string | undefined {
  const lines = text.split(/\r?\n/);
  if (line < 0 || line >= lines.length) return undefined;
  let start = line;
  // Decorators and a doc comment directly above belong to the declaration.
  while (start > 0 && /^\s*(\*|\/\*\*|\*\/|@\w|\/\/\/|#\[)/.test(lines[start - 1] ?? '')) start--;
  const masked = maskStringsAndComments(lines.slice(line, line + MAX_DECLARATION_LINES).join('\n'));
  let depth = 0;
  let opened = false;
  let end = masked.length;
  for (let i = 0; i < masked.length; i++) {
    const c = masked[i];
    if (c === '{' || c === '(' || c === '[') {
      depth++;
      if (c === '{') opened = true;
    } else if (c === '}' || c === ')' || c === ']') {
      depth--;
      if (depth <= 0 && opened && c === '}') {
        end = i + 1;
        break;
      }
    } else if (
      depth === 0 &&
      (c === ';' || (c === '\n' && !opened && i > 0 && !/[=|&,(<:]\s*$/.test(masked.slice(0, i))))
    ) {
      end = c === ';' ? i + 1 : i;
      break;
    }
  }
  const head = lines.slice(start, line).join('\n');
  const body = lines
    .slice(line, line + MAX_DECLARATION_LINES)
    .join('\n')
    .slice(0, end);
  return head ? `${head}\n${body}` : body;
}

/**
 * A declaration without implementation: functions keep their signature, classes their fields and member
 * signatures; interfaces, type aliases and enums stay whole (they are all signature).
 */
export function signatureOf(declaration: string): string {
  const masked = maskStringsAndComments(declaration);
  const code = masked.replace(/^(\s*(\/\*\*[\s\S]*?\*\/|\/\/.*|@.*)\s*\n)*/, '');
  if (/^\s*(export\s+)?(default\s+)?(declare\s+)?(async\s+)?function\b/.test(code)) {
    const body = bodyBraceOf(masked);
    return body === undefined ? declaration : `${declaration.slice(0, body).trimEnd()};`;
  }
  if (/^\s*(export\s+)?(default\s+)?(declare\s+)?(abstract\s+)?class\b/.test(code))
    return classOutline(declaration, masked);
  return declaration;
}

/** Offset of the `{` that opens a function's body: the first one after the parameter list closes. */
function bodyBraceOf(masked: string): number | undefined {
  let parens = 0;
  let sawParams = false;
  let angle = 0;
  for (let i = 0; i < masked.length; i++) {
    const c = masked[i];
    if (c === '(') {
      parens++;
      sawParams = true;
    } else if (c === ')') parens--;
    else if (c === '<') angle++;
    else if (c === '>' && masked[i - 1] !== '=') angle = Math.max(0, angle - 1);
    else if (c === '{' && parens === 0 && sawParams && angle === 0) {
      // `): { a: number } {`: an object return type is followed by another brace on the same line.
      const rest = masked.slice(i);
      const close = matchingBrace(rest);
      if (close !== undefined && /^\s*\{/.test(rest.slice(close + 1)) && /:\s*$/.test(masked.slice(0, i)))
        continue;
      return i;
    }
  }
  return undefined;
}

function matchingBrace(text: string): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return i;
  }
  return undefined;
}

/** Keeps what is at the class's own level; member bodies become `;`. */
function classOutline(declaration: string, masked: string): string {
  let out = '';
  let depth = 0;
  for (let i = 0; i < declaration.length; i++) {
    const c = masked[i];
    if (c === '{') {
      depth++;
      if (depth === 2) {
        out = `${out.trimEnd()};`;
        continue;
      }
    } else if (c === '}') {
      depth--;
      if (depth === 1) continue;
    }
    if (depth <= 1) out += declaration[i];
  }
  // Bodies removed leave empty lines behind.
  return out.replace(/\n[ \t]*(?=\n)/g, '').replace(/;\s*;/g, ';');
}

/** A type, interface, class or enum named `name` declared at the top level of `text`: its 0-based line. */
export function localDeclarationLine(text: string, name: string): number | undefined {
  const pattern = new RegExp(
    `^\\s*(export\\s+)?(declare\\s+)?(abstract\\s+)?(interface|type|class|enum|struct)\\s+${name}\\b`,
  );
  const index = text.split(/\r?\n/).findIndex((line) => pattern.test(line));
  return index === -1 ? undefined : index;
}

/** Signatures are context, not the subject: the whole section stays small. */
export const MAX_SIGNATURE_CHARS = 4_000;

/** Keeps signatures in order until the budget is spent; duplicates (the same text twice) once. */
export function budgetSignatures(signatures: readonly string[], maxChars = MAX_SIGNATURE_CHARS): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  let used = 0;
  for (const signature of signatures) {
    const text = signature.trim();
    if (text === '' || seen.has(text)) continue;
    if (used + text.length > maxChars) continue;
    seen.add(text);
    used += text.length;
    out.push(text);
  }
  return out;
}

/** Where an ES import brings `name` from: the module specifier and the name it has there. */
export function importSourceOf(
  text: string,
  name: string,
): { specifier: string; importedName: string } | undefined {
  const masked = text.replace(/\/\*[\s\S]*?\*\//g, '');
  for (const m of masked.matchAll(/\bimport\s+(?:type\s+)?([^;]*?)\s+from\s+['"]([^'"]+)['"]/g)) {
    const clause = m[1] ?? '';
    const specifier = m[2] ?? '';
    const named = /\{([^}]*)\}/.exec(clause)?.[1] ?? '';
    for (const part of named.split(',')) {
      const [imported, local] = part
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/);
      if ((local ?? imported)?.trim() === name && imported)
        return { specifier, importedName: imported.trim() };
    }
    const defaultName = /^\s*(?:type\s+)?([A-Za-z_$][\w$]*)\s*(?:,|$)/.exec(clause)?.[1];
    if (defaultName === name) return { specifier, importedName: 'default' };
  }
  return undefined;
}

/** Files a relative TypeScript/JavaScript import may name, most likely first (`./x.js` may be `./x.ts`). */
export function importCandidates(specifier: string): string[] {
  if (!specifier.startsWith('.')) return [];
  const stem = specifier.replace(/\.(m|c)?js$/, '');
  return [
    ...(stem === specifier ? [] : [`${stem}.ts`, `${stem}.tsx`, specifier]),
    `${stem}.ts`,
    `${stem}.tsx`,
    `${stem}.d.ts`,
    `${stem}.js`,
    `${stem}/index.ts`,
    `${stem}/index.js`,
  ].filter((path, index, all) => all.indexOf(path) === index);
}
