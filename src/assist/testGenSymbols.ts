// What the "Generate tests" CodeLens needs to know about a document: its functions, methods and classes with
// their line ranges. The extension answers it from the language servers' document symbols today; the
// tree-sitter index of src/completion/ can answer it later without the CodeLens changing.

export type TestableKind = 'function' | 'method' | 'class';

export interface TestableSymbol {
  kind: TestableKind;
  name: string;
  /** 0-based, inclusive lines of the whole declaration. */
  startLine: number;
  endLine: number;
}

export interface SymbolDocument {
  uri: string;
  languageId: string;
  text: string;
}

export interface SymbolLocator {
  symbolsAt(document: SymbolDocument): Promise<TestableSymbol[]>;
}

/** The innermost symbol containing the line, for "Generate tests" invoked without a selection. */
export function enclosingSymbol(
  symbols: readonly TestableSymbol[],
  line: number,
): TestableSymbol | undefined {
  let best: TestableSymbol | undefined;
  for (const s of symbols) {
    if (
      s.startLine <= line &&
      line <= s.endLine &&
      (!best || s.endLine - s.startLine < best.endLine - best.startLine)
    )
      best = s;
  }
  return best;
}

/** The import lines at the head of a source file, as written (the prompt shows the model what is in scope). */
export function leadingImports(text: string): string {
  const out: string[] = [];
  // The bracket an import left open (`import {`, `from x import (`, Go's `import (`), so that its continuation
  // lines are taken, and only those: a lone `}` further down belongs to code, not to an import.
  let closer: string | undefined;
  for (const line of text.split(/\r?\n/).slice(0, 200)) {
    if (closer !== undefined) {
      out.push(line);
      if (line.includes(closer)) closer = undefined;
      continue;
    }
    if (
      /^\s*(import\b|from\s+\S+\s+import\b|use\s|package\s|#include\b|using\s|(const|let|var)\s+.*=\s*require\()/.test(
        line,
      )
    ) {
      out.push(line);
      const opened = /[{(]\s*$/.exec(line.replace(/\s*\/\/.*$/, ''))?.[0]?.trim();
      if (opened === '{' && !line.includes('}')) closer = '}';
      else if (opened === '(' && !line.includes(')')) closer = ')';
      else if (/^\s*use\s.*\{[^}]*$/.test(line)) closer = '}';
    }
  }
  return out.join('\n');
}
