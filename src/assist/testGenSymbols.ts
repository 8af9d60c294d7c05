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
  for (const line of text.split(/\r?\n/).slice(0, 200)) {
    if (
      /^\s*(import\b|from\s+\S+\s+import\b|use\s|package\s|#include\b|using\s|(const|let|var)\s+.*=\s*require\()/.test(
        line,
      )
    )
      out.push(line);
    else if (out.length > 0 && /^\s*[\w"'{},*\s]+[)};]?\s*$/.test(line) && /^\s/.test(line)) out.push(line);
  }
  return out.join('\n');
}
