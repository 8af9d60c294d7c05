// Reading findings from model answers (clean, fenced, with trailing commas, truncated, garbage), anchoring them
// to the code they quote (including when the line numbers are off), dropping those that point at nothing,
// the dismissal store, the on-save rate limit, and the diagnosis prompt.

import assert from 'node:assert/strict';
import { anchorFindings, parseFindings } from '../../../src/assist/diagnosisFindings';
import type { RawFinding } from '../../../src/assist/diagnosisFindings';
import { DismissalStore, findingKey, memoryDismissalStorage } from '../../../src/assist/diagnosisDismissals';
import { buildDiagnosisPrompt } from '../../../src/assist/diagnosisPrompt';
import { DiagnosisRateLimiter } from '../../../src/assist/diagnosisRateLimit';

const SOURCE = [
  'import { readFileSync } from "node:fs";', // 1
  '', // 2
  'export function loadUser(id: string) {', // 3
  '  const rows = db.query("SELECT * FROM users WHERE id = " + id);', // 4
  '  for (let i = 0; i <= rows.length; i++) {', // 5
  '    console.log(rows[i]);', // 6
  '  }', // 7
  '  return rows[0];', // 8
  '}', // 9
].join('\n');

function finding(overrides: Partial<RawFinding>): RawFinding {
  return { startLine: 1, severity: 'warning', category: 'bug', message: 'Something.', ...overrides };
}

describe('parseFindings', () => {
  const one = {
    startLine: 5,
    startColumn: 3,
    endLine: 5,
    endColumn: 44,
    severity: 'error',
    category: 'bug',
    message: 'Off by one: <= reads past the end.',
    code: 'for (let i = 0; i <= rows.length; i++) {',
    replacement: 'for (let i = 0; i < rows.length; i++) {',
  };

  it('reads a clean structured answer', () => {
    const parsed = parseFindings(JSON.stringify({ findings: [one] }));
    assert.equal(parsed.findings.length, 1);
    assert.equal(parsed.findings[0]?.replacement, one.replacement);
    assert.equal(parsed.truncated, false);
  });

  it('reads JSON inside a code fence with prose and trailing commas', () => {
    const answer =
      'Here is what I found:\n```json\n{"findings": [{"startLine": 4, "severity": "warning", "category": "security", "message": "SQL built by concatenation.", "code": "\\"SELECT * FROM users WHERE id = \\" + id",},],}\n```\nHope it helps.';
    const parsed = parseFindings(answer);
    assert.equal(parsed.unreadable, false);
    assert.deepEqual(
      parsed.findings.map((f) => [f.startLine, f.category, f.code]),
      [[4, 'security', '"SELECT * FROM users WHERE id = " + id']],
    );
  });

  it('keeps the complete findings of a truncated array and drops the cut one', () => {
    const full = JSON.stringify({
      findings: [one, { ...one, startLine: 8, message: 'Second.' }, { ...one, message: 'Third, cut off' }],
    });
    const cut = full.slice(0, full.indexOf('Third') + 5);
    const parsed = parseFindings(cut);
    assert.equal(parsed.truncated, true);
    assert.deepEqual(
      parsed.findings.map((f) => f.message),
      [one.message, 'Second.'],
    );
  });

  it('accepts a bare array and normalizes unknown severities and categories', () => {
    const parsed = parseFindings(
      '[{"line": "3", "severity": "critical", "category": "vulnerability", "message": "x"}, {"severity": "error"}]',
    );
    assert.deepEqual(parsed.findings, [
      { startLine: 3, severity: 'error', category: 'security', message: 'x' },
    ]);
    assert.equal(parsed.invalid, 1);
  });

  it('says so when there is no JSON at all', () => {
    const parsed = parseFindings('The code looks fine to me.');
    assert.deepEqual(parsed, { findings: [], invalid: 0, truncated: false, unreadable: true });
  });
});

describe('anchorFindings', () => {
  it('anchors a finding to the code it quotes, with exact columns', () => {
    const { findings, dropped } = anchorFindings(
      [finding({ startLine: 5, code: 'i <= rows.length', replacement: 'i < rows.length' })],
      SOURCE,
    );
    assert.deepEqual(dropped, []);
    assert.deepEqual(findings[0]?.range, {
      start: { line: 4, character: 18 },
      end: { line: 4, character: 34 },
    });
    assert.equal(findings[0]?.anchoredText, 'i <= rows.length');
    assert.equal(findings[0]?.replacement, 'i < rows.length');
  });

  it('re-anchors when the model is a few lines off', () => {
    const { findings } = anchorFindings([finding({ startLine: 2, code: 'console.log(rows[i]);' })], SOURCE);
    assert.deepEqual(findings[0]?.range, {
      start: { line: 5, character: 4 },
      end: { line: 5, character: 25 },
    });
  });

  it('anchors a multi-line excerpt and tolerates different indentation', () => {
    const code = 'for (let i = 0; i <= rows.length; i++) {\n      console.log(rows[i]);\n}';
    const { findings } = anchorFindings([finding({ startLine: 5, code })], SOURCE);
    assert.deepEqual(findings[0]?.range, {
      start: { line: 4, character: 2 },
      end: { line: 6, character: 3 },
    });
  });

  it('drops findings whose quoted code is not where they point, or is not in the file', () => {
    const { findings, dropped } = anchorFindings(
      [
        finding({ startLine: 3, code: 'eval(userInput)' }),
        finding({ startLine: 40, code: 'return rows[0];' }),
      ],
      SOURCE,
      { searchRadius: 3 },
    );
    assert.deepEqual(findings, []);
    assert.deepEqual(
      dropped.map((d) => d.reason),
      ['code-not-found', 'code-not-found'],
    );
  });

  it('drops findings without an excerpt whose range is outside the text', () => {
    const { findings, dropped } = anchorFindings(
      [
        finding({ startLine: 12, message: 'past the end' }),
        finding({ startLine: 8, startColumn: 80, message: 'column past the line' }),
        finding({ startLine: 8, message: 'whole line' }),
      ],
      SOURCE,
    );
    assert.deepEqual(
      dropped.map((d) => d.finding.message),
      ['past the end', 'column past the line'],
    );
    assert.deepEqual(findings[0]?.range, {
      start: { line: 7, character: 2 },
      end: { line: 7, character: 17 },
    });
  });

  it('drops findings outside the diagnosed selection and duplicates', () => {
    const { findings, dropped } = anchorFindings(
      [
        finding({ startLine: 1, code: 'readFileSync' }),
        finding({ startLine: 6, code: 'console.log' }),
        finding({ startLine: 6, code: 'console.log' }),
      ],
      SOURCE,
      { within: { start: 3, end: 9 } },
    );
    assert.equal(findings.length, 1);
    assert.deepEqual(
      dropped.map((d) => d.reason),
      ['outside-selection', 'duplicate'],
    );
  });
});

describe('dismissals', () => {
  const sample = { category: 'bug' as const, anchoredText: 'i <= rows.length' };

  it('hides a dismissed finding in later runs, also after it moved, and keeps it in storage', async () => {
    const storage = memoryDismissalStorage();
    const store = new DismissalStore(storage);
    await store.dismiss(sample);
    const moved = anchorFindings(
      [finding({ startLine: 5, code: 'i <= rows.length' })],
      `\n\n${SOURCE}`,
    ).findings;
    assert.deepEqual(store.visible(moved), []);
    assert.equal(new DismissalStore(storage).isDismissed(sample), true, 'survives a restart');
    assert.deepEqual(storage.keys, [findingKey(sample)]);
  });

  it('shows the finding again when its code changes, and other categories on the same code', () => {
    const store = new DismissalStore(memoryDismissalStorage([findingKey(sample)]));
    assert.equal(store.isDismissed({ ...sample, anchoredText: 'i < rows.length - 1' }), false);
    assert.equal(store.isDismissed({ ...sample, category: 'performance' }), false);
    assert.equal(
      store.isDismissed({ ...sample, anchoredText: 'i  <=  rows.length' }),
      true,
      'whitespace does not matter',
    );
  });
});

describe('on-save rate limit', () => {
  it('spaces diagnoses of one file and caps all files per minute', () => {
    let now = 0;
    const limiter = new DiagnosisRateLimiter({ perFileIntervalMs: 30_000, maxPerMinute: 3, now: () => now });
    assert.equal(limiter.tryAcquire('a.ts'), true);
    now = 10_000;
    assert.equal(limiter.tryAcquire('a.ts'), false, 'saved again too soon');
    assert.equal(limiter.tryAcquire('b.ts'), true);
    assert.equal(limiter.tryAcquire('c.ts'), true);
    assert.equal(limiter.tryAcquire('d.ts'), false, 'fourth in a minute');
    now = 70_000;
    assert.equal(limiter.tryAcquire('d.ts'), true);
    assert.equal(limiter.tryAcquire('a.ts'), true);
  });
});

describe('the diagnosis prompt', () => {
  it('numbers the lines, lists existing diagnostics and asks for a JSON schema when supported', () => {
    const prompt = buildDiagnosisPrompt({
      path: 'src/user.ts',
      languageId: 'typescript',
      text: SOURCE,
      existingDiagnostics: [{ line: 4, severity: 'error', message: "Cannot find name 'db'.", source: 'ts' }],
      structuredOutput: true,
    });
    const user = prompt.messages[1]?.content ?? '';
    assert.ok(user.includes('5|   for (let i = 0; i <= rows.length; i++) {'));
    assert.ok(user.includes("line 4 (error, ts): Cannot find name 'db'."));
    assert.equal(prompt.responseFormat?.type, 'json_schema');
    assert.equal(prompt.responseFormat?.json_schema.strict, true);
  });

  it('shows only the selected lines with their real numbers, and no schema when unsupported', () => {
    const prompt = buildDiagnosisPrompt({
      path: 'src/user.ts',
      languageId: 'typescript',
      text: SOURCE,
      lines: { start: 5, end: 7 },
      existingDiagnostics: [],
      structuredOutput: false,
    });
    const user = prompt.messages[1]?.content ?? '';
    assert.ok(user.includes('5|   for'));
    assert.ok(!user.includes('loadUser'));
    assert.equal(prompt.responseFormat, undefined);
    assert.deepEqual(prompt.lines, { start: 5, end: 7 });
  });
});
