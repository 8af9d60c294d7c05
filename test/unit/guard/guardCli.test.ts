import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AWS_KEY, FIXTURES } from './guardTestSupport';

const ROOT = join(__dirname, '..', '..', '..');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
// By URL, so that the child finds tsx whatever folder it runs in.
const TSX = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

function run(
  args: string[],
  input = '',
  cwd = ROOT,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
      cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('aegis guard scan (child process)', function () {
  this.timeout(60_000);
  const bank = join(FIXTURES, 'bank-organisation.yaml');

  it('writes one JSONL result per input line, in order, and exits 1 when one is blocked', async () => {
    const lines = [
      { text: 'How do I reverse a list in Python?' },
      { text: `const key = "${AWS_KEY}";` },
      { text: 'Ship Project Falcon on Friday' },
      { text: 'x', filePath: 'config/.env' },
    ];
    const { code, stdout, stderr } = await run(
      ['guard', 'scan', '--no-recommended', '--policy', bank, '--jsonl'],
      lines.map((l) => JSON.stringify(l)).join('\n'),
    );
    assert.equal(stderr, '');
    assert.equal(code, 1);
    const results = stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    assert.deepEqual(results, [
      { decision: 'allow', findings: [] },
      {
        decision: 'redact',
        findings: [{ ruleId: 'credentials', category: 'secret', start: 13, end: 33, action: 'redact' }],
      },
      {
        decision: 'block',
        findings: [
          { ruleId: 'confidential-projects', category: 'policy', start: 5, end: 19, action: 'block' },
        ],
      },
      {
        decision: 'block',
        findings: [{ ruleId: 'key-material-files', category: 'path', start: 0, end: 0, action: 'block' }],
      },
    ]);
    assert.ok(!stdout.includes(AWS_KEY));
  });

  it('exits 0 when nothing is blocked', async () => {
    const { code, stdout } = await run(
      ['guard', 'scan', '--policy', bank, '--jsonl'],
      `{"text":"rename this variable"}\n{"text":"${AWS_KEY}"}\n`,
    );
    assert.equal(code, 0);
    assert.equal(stdout.trimEnd().split('\n').length, 2);
  });

  it('exits 2 naming the line and field of an invalid policy', async () => {
    const { code, stdout, stderr } = await run(
      ['guard', 'scan', '--policy', join(FIXTURES, 'invalid-action.yaml'), '--jsonl'],
      '{"text":"x"}\n',
    );
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /invalid-action\.yaml:5:5: rules\[0\]\.action: must be one of/);
  });

  it('exits 2 on usage errors and bad input lines, and prints usage on --help', async () => {
    const bad = await run(['guard', 'scan', '--direction', 'sideways']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--direction must be input or output/);
    const badLine = await run(['guard', 'scan', '--jsonl'], '{"text":"ok"}\nnot json\n');
    assert.equal(badLine.code, 2);
    assert.match(badLine.stderr, /stdin line 2: not valid JSON/);
    const unknown = await run(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: aegis <command>/);
    assert.match(help.stdout, /guard/);
  });

  it('scans files, refusing key files by path, and reports SARIF with positions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aegis-cli-'));
    try {
      mkdirSync(join(dir, 'src'));
      writeFileSync(join(dir, 'src', 'app.ts'), `// account\nconst acct = 'NB-0123456789';\n`);
      writeFileSync(join(dir, 'server.pem'), 'not even read');
      const { code, stdout } = await run(
        [
          'guard',
          'scan',
          '--no-recommended',
          '--policy',
          bank,
          '--format',
          'sarif',
          'src/app.ts',
          'server.pem',
        ],
        '',
        dir,
      );
      assert.equal(code, 1);
      const sarif = JSON.parse(stdout) as {
        version: string;
        runs: {
          results: {
            ruleId: string;
            level: string;
            locations: {
              physicalLocation: {
                artifactLocation: { uri: string };
                region: { startLine: number; startColumn: number };
              };
            }[];
          }[];
        }[];
      };
      assert.equal(sarif.version, '2.1.0');
      const results = sarif.runs[0]?.results ?? [];
      assert.deepEqual(
        results.map((r) => [
          r.ruleId,
          r.level,
          r.locations[0]?.physicalLocation.artifactLocation.uri,
          r.locations[0]?.physicalLocation.region.startLine,
          r.locations[0]?.physicalLocation.region.startColumn,
        ]),
        [
          ['account-numbers', 'error', 'src/app.ts', 2, 15],
          ['key-material-files', 'error', 'server.pem', 1, 1],
        ],
      );
      assert.ok(!stdout.includes('NB-0123456789'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports refused loosening attempts of lower layers on stderr without failing', async () => {
    const { code, stderr } = await run(
      [
        'guard',
        'scan',
        '--policy',
        bank,
        '--workspace-policy',
        join(FIXTURES, 'workspace-loosening.yaml'),
        '--jsonl',
      ],
      '{"text":"account NB-0123456789"}\n',
    );
    assert.equal(code, 1);
    assert.match(
      stderr,
      /workspace layer, rule account-numbers: cannot change organisation rule 'account-numbers' from block to warn \(refused\)/,
    );
    assert.match(stderr, /cannot switch the enforced organisation policy to monitor mode/);
  });
});
