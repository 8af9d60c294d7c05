import * as assert from 'node:assert/strict';
import {
  budgetSignatures,
  declarationAt,
  importCandidates,
  importSourceOf,
  localDeclarationLine,
  signatureOf,
  typeReferencesIn,
} from '../../../src/assist/testGenSignatures';

describe('testGenSignatures', () => {
  describe('typeReferencesIn', () => {
    it('finds the project types a function uses, once each, at their first use', () => {
      const code = [
        'export function applyDiscount(total: Money, rule: DiscountRule): Money {',
        "  if (rule.percent > 100) throw new RangeError('Money is not DiscountRule');",
        '  return money(total.cents - Math.round(total.cents * rule.percent), total.currency);',
        '}',
      ].join('\n');
      const refs = typeReferencesIn(code);
      assert.deepEqual(
        refs.map((r) => r.name),
        ['Money', 'DiscountRule'],
      );
      assert.equal(code.slice(refs[0]?.offset, (refs[0]?.offset ?? 0) + 5), 'Money');
    });

    it('skips names declared by the code itself, constants and names in comments', () => {
      const code = [
        '// Uses Hidden only in a comment',
        'class Cart<T> { items: T[] = []; max = MAX_ITEMS; add(item: Item): Cart<T> { return this; } }',
      ].join('\n');
      assert.deepEqual(
        typeReferencesIn(code).map((r) => r.name),
        ['Item'],
      );
    });

    it('stops at the limit', () => {
      assert.equal(typeReferencesIn('Aa Bb Cc Dd Ee', 3).length, 3);
    });
  });

  describe('declarationAt', () => {
    const text = [
      "import { x } from './x';",
      '',
      '/** Money in cents. */',
      'export interface Money {',
      '  cents: number;',
      "  currency: 'EUR' | 'USD';",
      '}',
      '',
      "export type Currency = Money['currency'];",
      'export const other = 1;',
    ].join('\n');

    it('takes an interface with its doc comment, up to its closing brace', () => {
      assert.equal(
        declarationAt(text, 3),
        "/** Money in cents. */\nexport interface Money {\n  cents: number;\n  currency: 'EUR' | 'USD';\n}",
      );
    });

    it('takes a type alias up to its semicolon', () => {
      assert.equal(declarationAt(text, 8), "export type Currency = Money['currency'];");
    });

    it('is undefined outside the text', () => {
      assert.equal(declarationAt(text, 99), undefined);
    });
  });

  describe('signatureOf', () => {
    it('drops a function body, keeping parameters and return type', () => {
      const decl = [
        'export function money(cents: number, currency: Currency = "EUR"): Money {',
        '  return { cents: Math.round(cents), currency };',
        '}',
      ].join('\n');
      assert.equal(
        signatureOf(decl),
        'export function money(cents: number, currency: Currency = "EUR"): Money;',
      );
    });

    it('keeps an object return type of a function', () => {
      const decl = 'function f(a: number): { b: number } {\n  return { b: a };\n}';
      assert.equal(signatureOf(decl), 'function f(a: number): { b: number };');
    });

    it('outlines a class: fields and member signatures stay, bodies go', () => {
      const decl = [
        'export class Ledger {',
        '  private entries: Entry[] = [];',
        '  constructor(readonly owner: string) {',
        '    this.entries = [];',
        '  }',
        '  add(entry: Entry): void {',
        '    if (entry) { this.entries.push(entry); }',
        '  }',
        '}',
      ].join('\n');
      assert.equal(
        signatureOf(decl),
        [
          'export class Ledger {',
          '  private entries: Entry[] = [];',
          '  constructor(readonly owner: string);',
          '  add(entry: Entry): void;',
          '}',
        ].join('\n'),
      );
    });

    it('leaves interfaces whole', () => {
      const decl = 'interface A {\n  b(): void;\n}';
      assert.equal(signatureOf(decl), decl);
    });
  });

  it('finds a local declaration by name', () => {
    const text = 'const a = 1;\nexport interface Rule {\n  x: number;\n}\n';
    assert.equal(localDeclarationLine(text, 'Rule'), 1);
    assert.equal(localDeclarationLine(text, 'Missing'), undefined);
  });

  it('keeps signatures within the budget, each once', () => {
    assert.deepEqual(budgetSignatures(['aaaa', 'aaaa', 'bbbbbbbb', 'cc'], 7), ['aaaa', 'cc']);
  });
});

describe('testGenSignatures imports', () => {
  const text = [
    "import { money } from './money';",
    "import type { DiscountRule, Money as Cash } from './money.js';",
    "import Ledger, { type Entry } from '../ledger';",
    "import * as fs from 'node:fs';",
  ].join('\n');

  it('finds the module and original name of an imported type', () => {
    assert.deepEqual(importSourceOf(text, 'DiscountRule'), {
      specifier: './money.js',
      importedName: 'DiscountRule',
    });
    assert.deepEqual(importSourceOf(text, 'Cash'), { specifier: './money.js', importedName: 'Money' });
    assert.deepEqual(importSourceOf(text, 'Entry'), { specifier: '../ledger', importedName: 'Entry' });
    assert.deepEqual(importSourceOf(text, 'Ledger'), { specifier: '../ledger', importedName: 'default' });
    assert.equal(importSourceOf(text, 'Missing'), undefined);
  });

  it('lists the files a relative import may name', () => {
    assert.deepEqual(importCandidates('./money.js').slice(0, 3), ['./money.ts', './money.tsx', './money.js']);
    assert.deepEqual(importCandidates('./money').slice(0, 2), ['./money.ts', './money.tsx']);
    assert.deepEqual(importCandidates('node:fs'), []);
  });
});
