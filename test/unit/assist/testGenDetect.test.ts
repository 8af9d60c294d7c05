// Test-framework and convention detection on the fixture workspaces, one per ecosystem, against golden
// expectations: framework, where tests live, naming, the chosen test file and the command that runs it.

import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planTests } from '../../../src/assist/testFrameworkDetect';
import type { TestPlan } from '../../../src/assist/testFrameworkDetect';
import { createDiskFileSystem } from '../../../src/assist/testFrameworkFs';

const FIXTURES = join(__dirname, '../../fixtures/testgen');

interface GoldenCase {
  fixture: string;
  source: string;
  expected: Pick<
    TestPlan,
    'framework' | 'layout' | 'testDir' | 'naming' | 'testFile' | 'testFileExists' | 'runCommand'
  >;
}

const golden = JSON.parse(readFileSync(join(FIXTURES, 'golden.json'), 'utf8')) as { cases: GoldenCase[] };

describe('test framework detection (golden fixtures)', () => {
  for (const c of golden.cases) {
    it(`${c.fixture}: ${c.source}`, async () => {
      const plan = await planTests(createDiskFileSystem(join(FIXTURES, c.fixture)), c.source);
      assert.ok(plan, 'a plan for a supported language');
      const { framework, layout, testDir, naming, testFile, testFileExists, runCommand } = plan;
      assert.deepEqual(
        { framework, layout, testDir, naming, testFile, testFileExists, runCommand },
        c.expected,
        `evidence: ${plan.evidence.join('; ')}`,
      );
    });
  }

  it('covers every ecosystem and framework the assistant supports', () => {
    const frameworks = new Set(golden.cases.map((c) => c.expected.framework));
    for (const f of [
      'node:test',
      'mocha',
      'jest',
      'vitest',
      'pytest',
      'unittest',
      'go-testing',
      'junit4',
      'junit5',
      'rust-test',
    ]) {
      assert.ok(frameworks.has(f as TestPlan['framework']), `${f} has a golden fixture`);
    }
  });
});

describe('test file placement', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'aegis-testgen-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function write(path: string, text: string): void {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }

  it('finds the project root of a package inside a monorepo and runs commands from there', async () => {
    write('package.json', JSON.stringify({ name: 'mono', private: true }));
    write('packages/api/package.json', JSON.stringify({ devDependencies: { vitest: '2' } }));
    write('packages/api/src/routes/users.ts', 'export const users = 1;\n');
    const plan = await planTests(createDiskFileSystem(root), 'packages/api/src/routes/users.ts');
    assert.equal(plan?.projectRoot, 'packages/api');
    assert.equal(plan?.framework, 'vitest');
    assert.equal(plan?.testFile, 'packages/api/src/routes/users.test.ts');
    assert.equal(plan?.runCommand, 'npx vitest run src/routes/users.test.ts');
  });

  it('prefers an existing test file for the source, even where the convention would not put it', async () => {
    write('package.json', JSON.stringify({ devDependencies: { mocha: '10' } }));
    write('src/a.ts', '');
    write('src/parse.ts', '');
    write('test/a.test.ts', '');
    write('test/b.test.ts', '');
    write('src/parse.test.ts', '');
    const plan = await planTests(createDiskFileSystem(root), 'src/parse.ts');
    assert.equal(plan?.testFile, 'src/parse.test.ts');
    assert.equal(plan?.testFileExists, true);
  });

  it('lets the test script win over a leftover dependency', async () => {
    write(
      'package.json',
      JSON.stringify({ scripts: { test: 'vitest run' }, devDependencies: { jest: '29' } }),
    );
    write('src/x.ts', '');
    const plan = await planTests(createDiskFileSystem(root), 'src/x.ts');
    assert.equal(plan?.framework, 'vitest');
  });

  it('does not count tests inside node_modules as the project convention', async () => {
    write('package.json', JSON.stringify({ devDependencies: { jest: '29' } }));
    write('node_modules/dep/__tests__/x.spec.js', '');
    write('node_modules/dep/__tests__/y.spec.js', '');
    write('src/x.js', '');
    const plan = await planTests(createDiskFileSystem(root), 'src/x.js');
    assert.equal(plan?.testFile, 'src/x.test.js');
  });

  it('uses tsx for node:test on TypeScript when the project has it', async () => {
    write(
      'package.json',
      JSON.stringify({ scripts: { test: 'node --test' }, devDependencies: { tsx: '4' } }),
    );
    write('src/x.ts', '');
    const plan = await planTests(createDiskFileSystem(root), 'src/x.ts');
    assert.equal(plan?.runCommand, 'node --import tsx --test test/x.test.ts');
  });

  it('has no plan for languages it does not generate tests for', async () => {
    write('README.md', '# hi\n');
    assert.equal(await planTests(createDiskFileSystem(root), 'README.md'), undefined);
  });
});
