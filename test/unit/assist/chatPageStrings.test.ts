// The chat page holds no English of its own: every text it shows comes translated from the extension in the
// init message. This reads the page's source with the TypeScript parser and refuses any string literal that
// reads like words, and checks that the extension's table of page texts names every key.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import { CHAT_STRING_KEYS } from '../../../src/assist/chatProtocol';

const root = join(__dirname, '..', '..', '..');

/** Key names, event names and such: words, but never shown to a person. */
const NOT_SHOWN = new Set(['Enter', 'Escape', 'ArrowDown', 'ArrowUp', 'Tab']);

function literals(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) return;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) found.push(node.text);
    else if (ts.isTemplateExpression(node)) {
      found.push(node.head.text, ...node.templateSpans.map((span) => span.literal.text));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('chat page texts', () => {
  it('has no hard-coded English in the page', () => {
    const page = join(root, 'media', 'chat', 'main.ts');
    // A capitalised word, or two words with a space, is text a person would read.
    const prose = literals(page).filter(
      (text) => !NOT_SHOWN.has(text) && (/\b[A-Z][a-z]{2,}/.test(text) || /[a-z]{2,} [a-z]{2,}/i.test(text)),
    );
    // Class lists ("message message-user") are lower-case identifiers joined by spaces; they are not prose.
    const shown = prose.filter((text) => !/^[a-z][\w-]*( [a-z][\w-]*)*$/.test(text));
    assert.deepEqual(shown, []);
  });

  it('finds English when there is some (the check above can fail)', () => {
    const sample = ['Copy answer', 'message message-user', 'Enter'];
    const prose = sample.filter(
      (text) => !NOT_SHOWN.has(text) && (/\b[A-Z][a-z]{2,}/.test(text) || /[a-z]{2,} [a-z]{2,}/i.test(text)),
    );
    assert.deepEqual(
      prose.filter((text) => !/^[a-z][\w-]*( [a-z][\w-]*)*$/.test(text)),
      ['Copy answer'],
    );
  });

  it('translates every page text in the extension with vscode.l10n.t', () => {
    const provider = readFileSync(join(root, 'src', 'extension', 'chatViewProvider.ts'), 'utf8');
    for (const key of CHAT_STRING_KEYS) {
      assert.match(provider, new RegExp(`\\b${key}: vscode\\.l10n\\.t\\(`), `${key} is not translated`);
    }
  });
});
