// End to end through the pure pipeline with the real model client and the real OpenAI test server: a fixture
// workspace, detection, the prompt on the wire, the streamed answer, and the proposed file content; the guard
// hooks; the repair round; and diagnosis producing findings anchored to the file.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDiagnosis } from '../../../src/assist/diagnosisRun';
import { DismissalStore, memoryDismissalStorage } from '../../../src/assist/diagnosisDismissals';
import { planTests } from '../../../src/assist/testFrameworkDetect';
import { createDiskFileSystem } from '../../../src/assist/testFrameworkFs';
import { GuardBlockedError, generateTests, repairTests } from '../../../src/assist/testGenPipeline';
import type { AssistDeps, TextGuard } from '../../../src/assist/testGenPipeline';
import { OpenAITestServer } from '../../fixtures/openaiTestServer';
import { makeHarness, testProfile } from '../model/clientHarness';

const FIXTURES = join(__dirname, '../../fixtures/testgen');
const fence = '```';

function userMessage(server: OpenAITestServer, index: number): string {
  const body = server.requests[index]?.body as
    { messages?: Array<{ role: string; content: string }> } | undefined;
  const messages = body?.messages ?? [];
  return messages
    .filter((m) => m.role === 'user')
    .map((m) => m.content)
    .join('\n');
}

describe('test generation and diagnosis against the OpenAI test server', () => {
  const server = new OpenAITestServer();
  before(() => server.start());
  after(() => server.stop());
  beforeEach(() => server.reset());

  function deps(guard?: TextGuard): AssistDeps {
    const profile = testProfile(server.baseUrl, {
      apiStyle: 'chat',
      model: 'test-chat-model',
      maxTokens: 2000,
    });
    return { model: makeHarness().client, profile, ...(guard ? { guard } : {}) };
  }

  async function vitestInput(): Promise<Parameters<typeof generateTests>[1]> {
    const root = join(FIXTURES, 'vitest');
    const plan = await planTests(createDiskFileSystem(root), 'src/color.ts');
    assert.ok(plan);
    return {
      target: plan,
      sourcePath: 'src/color.ts',
      code: readFileSync(join(root, 'src/color.ts'), 'utf8'),
      symbolName: 'toHex',
      imports: '',
      typeSignatures: [],
      example: {
        path: 'src/geometry.spec.ts',
        content: readFileSync(join(root, 'src/geometry.spec.ts'), 'utf8'),
      },
    };
  }

  const NEW_FILE = [
    "import { describe, expect, it } from 'vitest';",
    "import { toHex } from './color';",
    '',
    "describe('toHex', () => {",
    "  it('pads single digits', () => {",
    "    expect(toHex(0, 15, 255)).toBe('#000fff');",
    '  });',
    '});',
    '',
  ].join('\n');

  it('generates a new test file for a source in a fixture workspace', async () => {
    server.setDefault({
      text: `Sure! Here are the tests.\n\n${fence}ts\n${NEW_FILE}${fence}\n\nRun them with vitest.`,
    });
    const result = await generateTests(deps(), await vitestInput(), new AbortController().signal);
    assert.equal(result.testFile, 'src/color.spec.ts');
    assert.equal(result.originalContent, undefined);
    assert.equal(result.proposedContent, NEW_FILE);
    assert.equal(result.complete, true);
    const sent = userMessage(server, 0);
    assert.ok(sent.includes('export function toHex'), 'the code under test is sent');
    assert.ok(sent.includes('src/color.spec.ts'), 'the target file is named');
    assert.ok(sent.includes("import { area } from './geometry';"), 'the style example is sent');
  });

  it('adds to the existing test file and merges the imports', async () => {
    const root = join(FIXTURES, 'jest');
    const plan = await planTests(createDiskFileSystem(root), 'src/cart.ts');
    assert.ok(plan?.testFileExists);
    const existing = readFileSync(join(root, plan.testFile), 'utf8');
    server.setDefault({
      text: `${fence}ts\nimport { cartTotal } from '../cart';\n\ndescribe('cartTotal of nothing', () => {\n  it('is zero', () => {\n    expect(cartTotal([])).toBe(0);\n  });\n});\n${fence}`,
    });
    const result = await generateTests(
      deps(),
      {
        target: plan,
        sourcePath: 'src/cart.ts',
        code: readFileSync(join(root, 'src/cart.ts'), 'utf8'),
        imports: '',
        typeSignatures: [],
        existingTestFile: existing,
      },
      new AbortController().signal,
    );
    assert.equal(
      result.proposedContent,
      `${existing.trimEnd()}\n\ndescribe('cartTotal of nothing', () => {\n  it('is zero', () => {\n    expect(cartTotal([])).toBe(0);\n  });\n});\n`,
    );
    assert.ok(
      userMessage(server, 0).includes("describe('cartTotal'"),
      'the existing tests are shown to the model',
    );
  });

  it('sends nothing when the guard blocks the prompt, and sends the redacted text otherwise', async () => {
    const blocking: TextGuard = (text, ctx) =>
      ctx.direction === 'input' && text.includes('toHex')
        ? { decision: 'block', text: '', reason: 'rule x' }
        : { decision: 'allow', text };
    await assert.rejects(
      generateTests(deps(blocking), await vitestInput(), new AbortController().signal),
      GuardBlockedError,
    );
    assert.equal(server.requests.length, 0);

    server.setDefault({ text: `${fence}ts\n${NEW_FILE}${fence}` });
    const redacting: TextGuard = (text, ctx) =>
      ctx.direction === 'input'
        ? { decision: 'redact', text: text.replace(/padStart/g, '[REDACTED]'), reason: 'redacted a value' }
        : { decision: 'allow', text };
    const result = await generateTests(deps(redacting), await vitestInput(), new AbortController().signal);
    assert.ok(!userMessage(server, 0).includes('padStart'));
    assert.ok(userMessage(server, 0).includes('[REDACTED]'));
    assert.deepEqual(result.notices, ['redacted a value']);
  });

  it('withholds an answer the guard blocks', async () => {
    server.setDefault({ text: `${fence}ts\nconst key = 'secret';\n${fence}` });
    const guard: TextGuard = (text, ctx) =>
      ctx.direction === 'output'
        ? { decision: 'block', text: '', reason: 'secret in output' }
        : { decision: 'allow', text };
    await assert.rejects(
      generateTests(deps(guard), await vitestInput(), new AbortController().signal),
      (error: unknown) => {
        assert.ok(error instanceof GuardBlockedError);
        assert.equal(error.direction, 'output');
        return true;
      },
    );
  });

  it('repairs once with the failure output and proposes the corrected file', async () => {
    const fixed = NEW_FILE.replace("'#000fff'", "'#000fff'.toLowerCase()");
    server.enqueue({ text: `${fence}ts\n${NEW_FILE}${fence}` }, { text: `${fence}ts\n${fixed}${fence}` });
    const first = await generateTests(deps(), await vitestInput(), new AbortController().signal);
    const repaired = await repairTests(
      deps(),
      first,
      'FAIL src/color.spec.ts > toHex > pads single digits\nAssertionError: expected',
      new AbortController().signal,
    );
    assert.equal(repaired.proposedContent, fixed);
    assert.equal(repaired.originalContent, NEW_FILE);
    const second = server.requests[1]?.body as { messages: Array<{ role: string; content: string }> };
    assert.ok(second.messages.some((m) => m.role === 'assistant' && m.content.includes("toBe('#000fff')")));
    assert.ok(userMessage(server, 1).includes('AssertionError: expected'));
  });

  it('diagnoses a file into findings anchored to its text, dropping the bogus and the dismissed', async () => {
    const text = [
      'export function average(values: number[]): number {',
      '  let total = 0;',
      '  for (let i = 0; i <= values.length; i++) total += values[i];',
      '  return total / values.length;',
      '}',
      '',
    ].join('\n');
    const answer = {
      findings: [
        // Line numbers two off: re-anchored by the quoted code.
        {
          startLine: 1,
          startColumn: 1,
          endLine: 1,
          endColumn: 10,
          severity: 'error',
          category: 'bug',
          message: 'Reads past the end of the array.',
          code: 'i <= values.length',
          replacement: 'i < values.length',
        },
        {
          startLine: 4,
          startColumn: 3,
          endLine: 4,
          endColumn: 30,
          severity: 'warning',
          category: 'bug',
          message: 'Divides by zero for an empty array.',
          code: 'return total / values.length;',
          replacement: null,
        },
        {
          startLine: 2,
          startColumn: 1,
          endLine: 2,
          endColumn: 5,
          severity: 'info',
          category: 'style',
          message: 'Not in this file.',
          code: 'var x = 1;',
          replacement: null,
        },
        {
          startLine: 2,
          startColumn: 3,
          endLine: 2,
          endColumn: 16,
          severity: 'info',
          category: 'style',
          message: 'Dismissed earlier.',
          code: 'let total = 0;',
          replacement: null,
        },
      ],
    };
    server.setDefault({ text: `${fence}json\n${JSON.stringify(answer, null, 2)}\n${fence}` });
    const dismissals = new DismissalStore(memoryDismissalStorage());
    await dismissals.dismiss({ category: 'style', anchoredText: 'let total = 0;' });
    const result = await runDiagnosis(
      { ...deps(), dismissals },
      {
        path: 'src/average.ts',
        languageId: 'typescript',
        text,
        existingDiagnostics: [],
        structuredOutput: true,
      },
      new AbortController().signal,
    );
    assert.deepEqual(
      result.findings.map((f) => ({ range: f.range, severity: f.severity, replacement: f.replacement })),
      [
        {
          range: { start: { line: 2, character: 18 }, end: { line: 2, character: 36 } },
          severity: 'error',
          replacement: 'i < values.length',
        },
        {
          range: { start: { line: 3, character: 2 }, end: { line: 3, character: 31 } },
          severity: 'warning',
          replacement: undefined,
        },
      ],
    );
    assert.deepEqual(
      result.dropped.map((d) => d.reason),
      ['code-not-found'],
    );
    assert.equal(result.dismissed, 1);
    const body = server.requests[0]?.body as { temperature?: number };
    assert.equal(body.temperature, 0);
    assert.ok(
      userMessage(server, 0).includes('3|   for (let i = 0; i <= values.length; i++) total += values[i];'),
    );
  });

  it('keeps the complete findings when the answer is cut off by max_tokens', async () => {
    const text = 'const a = eval(input);\nconst b = 2;\n';
    const findings = JSON.stringify({
      findings: [
        {
          startLine: 1,
          severity: 'error',
          category: 'security',
          message: 'eval of user input.',
          code: 'eval(input)',
        },
        {
          startLine: 2,
          severity: 'info',
          category: 'style',
          message: 'A long message that will be cut off somewhere in the middle',
          code: 'const b = 2;',
        },
      ],
    });
    server.setDefault({ text: findings });
    const profile = testProfile(server.baseUrl, {
      apiStyle: 'chat',
      maxTokens: Math.floor((findings.length - 40) / 4),
    });
    const result = await runDiagnosis(
      { model: makeHarness().client, profile },
      { path: 'a.ts', languageId: 'typescript', text, existingDiagnostics: [], structuredOutput: false },
      new AbortController().signal,
    );
    assert.equal(result.truncated, true);
    assert.deepEqual(
      result.findings.map((f) => f.anchoredText),
      ['eval(input)'],
    );
  });
});
