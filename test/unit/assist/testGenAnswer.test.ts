// Pulling the test code out of model answers (prose, several blocks, a missing closing fence) and merging an
// addition into the existing test file the way a person would: imports once and with the others, tests appended
// or inserted into the class or the Rust tests module.

import assert from 'node:assert/strict';
import { extractCode, mergeTestCode } from '../../../src/assist/testGenAnswer';
import { buildTestGenPrompt, strategyFor } from '../../../src/assist/testGenPrompt';
import type { TestTarget } from '../../../src/assist/testGenPrompt';

const fence = '```';

describe('extractCode', () => {
  it('takes the code block out of prose around it', () => {
    const answer = `Here are the tests:\n\n${fence}ts\nimport { x } from './x';\n\ntest('x', () => {});\n${fence}\n\nThey cover the edge cases.`;
    assert.deepEqual(extractCode(answer, 'ts'), {
      code: "import { x } from './x';\n\ntest('x', () => {});\n",
      complete: true,
    });
  });

  it('keeps what is there when the closing fence is missing, and says the answer was cut off', () => {
    const answer = `${fence}python\ndef test_a():\n    assert f(1) == 2\n`;
    assert.deepEqual(extractCode(answer, 'python'), {
      code: 'def test_a():\n    assert f(1) == 2\n',
      complete: false,
    });
  });

  it('prefers the block in the requested language over a shell snippet, then the largest', () => {
    const answer = [
      `${fence}bash`,
      'npx vitest run src/a.test.ts',
      fence,
      `${fence}typescript`,
      "it('small', () => {});",
      fence,
      `${fence}ts`,
      "import { a } from './a';",
      "it('larger block wins', () => { expect(a()).toBe(1); });",
      fence,
    ].join('\n');
    assert.equal(
      extractCode(answer, 'ts')?.code,
      "import { a } from './a';\nit('larger block wins', () => { expect(a()).toBe(1); });\n",
    );
  });

  it('accepts a bare code answer but not a bare apology', () => {
    assert.equal(
      extractCode('package shapes\n\nfunc TestX(t *testing.T) {}\n', 'go')?.code,
      'package shapes\n\nfunc TestX(t *testing.T) {}\n',
    );
    assert.equal(extractCode('Sorry, I cannot help with that.', 'go'), undefined);
  });

  it('handles tilde fences and a longer fence around one containing backticks', () => {
    const answer = '~~~js\nconst s = "```";\n~~~';
    assert.equal(extractCode(answer, 'js')?.code, 'const s = "```";\n');
  });
});

describe('mergeTestCode', () => {
  it('replaces nothing for a new file: the answer is the file', () => {
    assert.equal(mergeTestCode('', "test('a', () => {});", 'replace'), "test('a', () => {});\n");
  });

  it('appends TypeScript tests, merging named imports and dropping repeated ones', () => {
    const existing = [
      "import { describe, expect, it } from 'vitest';",
      "import { area } from './geometry';",
      '',
      "describe('area', () => {",
      "  it('multiplies', () => expect(area(2, 3)).toBe(6));",
      '});',
      '',
    ].join('\n');
    const addition = [
      "import { describe, it, expect } from 'vitest';",
      "import { perimeter } from './geometry';",
      "import { round } from './round';",
      '',
      "describe('perimeter', () => {",
      "  it('adds the sides', () => expect(perimeter(2, 3)).toBe(10));",
      '});',
    ].join('\n');
    assert.equal(
      mergeTestCode(existing, addition, 'append'),
      [
        "import { describe, expect, it } from 'vitest';",
        "import { area, perimeter } from './geometry';",
        "import { round } from './round';",
        '',
        "describe('area', () => {",
        "  it('multiplies', () => expect(area(2, 3)).toBe(6));",
        '});',
        '',
        "describe('perimeter', () => {",
        "  it('adds the sides', () => expect(perimeter(2, 3)).toBe(10));",
        '});',
        '',
      ].join('\n'),
    );
  });

  it('merges Python from-imports and keeps plain imports once', () => {
    const existing =
      'import pytest\n\nfrom stats.mean import mean\n\n\ndef test_mean():\n    assert mean([2]) == 2\n';
    const addition =
      'import pytest\nfrom stats.mean import mean, harmonic\n\n\ndef test_harmonic():\n    assert harmonic([1]) == 1\n';
    assert.equal(
      mergeTestCode(existing, addition, 'append'),
      'import pytest\n\nfrom stats.mean import mean, harmonic\n\n\ndef test_mean():\n    assert mean([2]) == 2\n\ndef test_harmonic():\n    assert harmonic([1]) == 1\n',
    );
  });

  it('adds a Go import to the existing block and drops the repeated package line', () => {
    const existing = 'package shapes\n\nimport "testing"\n\nfunc TestArea(t *testing.T) {}\n';
    const addition =
      'package shapes\n\nimport (\n\t"math"\n\t"testing"\n)\n\nfunc TestCircle(t *testing.T) {\n\t_ = math.Pi\n}\n';
    assert.equal(
      mergeTestCode(existing, addition, 'append'),
      'package shapes\n\nimport (\n\t"testing"\n\t"math"\n)\n\nfunc TestArea(t *testing.T) {}\n\nfunc TestCircle(t *testing.T) {\n\t_ = math.Pi\n}\n',
    );
  });

  it('inserts Java test methods into the class, even when the model wrapped them in a class', () => {
    const existing = [
      'package com.acme;',
      '',
      'import org.junit.jupiter.api.Test;',
      '',
      'class InvoiceTest {',
      '    @Test',
      '    void adds() {}',
      '}',
      '',
    ].join('\n');
    const addition = [
      'package com.acme;',
      '',
      'import org.junit.jupiter.api.Test;',
      'import static org.junit.jupiter.api.Assertions.assertThrows;',
      '',
      'class InvoiceTest {',
      '  @Test',
      '  void rejectsNegative() {',
      '    assertThrows(IllegalArgumentException.class, () -> new Invoice().add(-1));',
      '  }',
      '}',
    ].join('\n');
    assert.equal(
      mergeTestCode(existing, addition, 'class-body'),
      [
        'package com.acme;',
        '',
        'import org.junit.jupiter.api.Test;',
        'import static org.junit.jupiter.api.Assertions.assertThrows;',
        '',
        'class InvoiceTest {',
        '    @Test',
        '    void adds() {}',
        '',
        '    @Test',
        '    void rejectsNegative() {',
        '      assertThrows(IllegalArgumentException.class, () -> new Invoice().add(-1));',
        '    }',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('inserts Rust tests into the existing tests module without repeating its header', () => {
    const existing =
      'pub fn area(w: f64, h: f64) -> f64 {\n    w * h\n}\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn square() {\n        assert_eq!(area(2.0, 2.0), 4.0);\n    }\n}\n';
    const addition =
      '#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn zero_width() {\n        assert_eq!(area(0.0, 5.0), 0.0);\n    }\n}\n';
    assert.equal(
      mergeTestCode(existing, addition, 'rust-tests-module'),
      'pub fn area(w: f64, h: f64) -> f64 {\n    w * h\n}\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn square() {\n        assert_eq!(area(2.0, 2.0), 4.0);\n    }\n\n    #[test]\n    fn zero_width() {\n        assert_eq!(area(0.0, 5.0), 0.0);\n    }\n}\n',
    );
  });

  it('keeps Windows line endings of the existing file', () => {
    const merged = mergeTestCode(
      "import { a } from './a';\r\n\r\ntest('a', () => {});\r\n",
      "test('b', () => {});",
      'append',
    );
    assert.equal(
      merged,
      "import { a } from './a';\r\n\r\ntest('a', () => {});\r\n\r\ntest('b', () => {});\r\n",
    );
  });
});

describe('the test generation prompt', () => {
  const target: TestTarget = {
    framework: 'vitest',
    languageId: 'typescript',
    layout: 'adjacent',
    testFile: 'src/color.spec.ts',
    testFileExists: false,
    runCommand: 'npx vitest run src/color.spec.ts',
  };

  it('carries the code, imports, types, an example test, the framework and the target file', () => {
    const prompt = buildTestGenPrompt({
      target,
      sourcePath: 'src/color.ts',
      code: 'export function toHex(c: Rgb): string { return "#"; }',
      symbolName: 'toHex',
      imports: "import type { Rgb } from './rgb';",
      typeSignatures: ['interface Rgb { r: number; g: number; b: number }'],
      example: { path: 'src/geometry.spec.ts', content: "import { describe } from 'vitest';" },
    });
    const user = prompt.messages[1]?.content ?? '';
    for (const part of [
      'export function toHex',
      "import type { Rgb } from './rgb';",
      'interface Rgb',
      'src/geometry.spec.ts',
      'vitest',
      '`src/color.spec.ts`',
      "Import the code under test from './color'",
      'complete test file',
    ]) {
      assert.ok(user.includes(part), `the prompt mentions ${part}`);
    }
    assert.equal(prompt.strategy, 'replace');
    assert.equal(prompt.fenceLanguage, 'ts');
  });

  it('asks only for the addition when the test file exists, showing its current content', () => {
    const prompt = buildTestGenPrompt({
      target: { ...target, testFileExists: true },
      sourcePath: 'src/color.ts',
      code: 'export function toHex() {}',
      imports: '',
      typeSignatures: [],
      existingTestFile: "describe('existing suite', () => {});",
    });
    const user = prompt.messages[1]?.content ?? '';
    assert.equal(prompt.strategy, 'append');
    assert.ok(user.includes("describe('existing suite'"));
    assert.ok(user.includes('only the new tests'));
  });

  it('chooses the merge strategy from the framework and the file', () => {
    const java: TestTarget = { ...target, framework: 'junit5', languageId: 'java', testFileExists: true };
    assert.equal(strategyFor(java, 'class FooTest {}'), 'class-body');
    const rust: TestTarget = { ...target, framework: 'rust-test', layout: 'inline', testFileExists: true };
    assert.equal(strategyFor(rust, 'fn a() {}\n#[cfg(test)]\nmod tests {}\n'), 'rust-tests-module');
    assert.equal(strategyFor({ ...rust, testFileExists: false }, 'fn a() {}\n'), 'append');
  });
});
