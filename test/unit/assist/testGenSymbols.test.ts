import * as assert from 'node:assert/strict';
import { enclosingSymbol, leadingImports } from '../../../src/assist/testGenSymbols';

describe('testGenSymbols', () => {
  describe('leadingImports', () => {
    it('keeps import lines and not the closing braces of code further down', () => {
      const text = [
        '// Prices a basket.',
        "import { money } from './money';",
        "import type { DiscountRule, Money } from './money';",
        '',
        'export function total(prices: Money[]): Money {',
        '  for (const p of prices) {',
        '    check(p);',
        '  }',
        '  return money(0);',
        '}',
      ].join('\n');
      assert.equal(
        leadingImports(text),
        "import { money } from './money';\nimport type { DiscountRule, Money } from './money';",
      );
    });

    it('keeps the continuation lines of a multi-line import', () => {
      const text = ['import {', '  a,', '  b,', "} from './x';", 'const c = 1;', '  }'].join('\n');
      assert.equal(leadingImports(text), "import {\n  a,\n  b,\n} from './x';");
    });

    it('keeps a parenthesised Python import and a Go import block', () => {
      assert.equal(
        leadingImports('from a import (\n    b,\n    c,\n)\n\ndef f():\n    pass'),
        'from a import (\n    b,\n    c,\n)',
      );
      assert.equal(
        leadingImports('package main\n\nimport (\n\t"fmt"\n)\n\nfunc main() {\n}'),
        'package main\nimport (\n\t"fmt"\n)',
      );
    });

    it('keeps require calls', () => {
      assert.equal(leadingImports("const fs = require('fs');\nfs.x();"), "const fs = require('fs');");
    });
  });

  it('picks the innermost symbol around a line', () => {
    const symbols = [
      { kind: 'class' as const, name: 'Cart', startLine: 0, endLine: 20 },
      { kind: 'method' as const, name: 'add', startLine: 4, endLine: 8 },
    ];
    assert.equal(enclosingSymbol(symbols, 5)?.name, 'add');
    assert.equal(enclosingSymbol(symbols, 12)?.name, 'Cart');
    assert.equal(enclosingSymbol(symbols, 30), undefined);
  });
});
