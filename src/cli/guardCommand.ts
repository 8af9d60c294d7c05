// `aegis guard scan`: lets a security team test a policy outside the editor. Scans files (path rules first,
// then content), stdin, or JSON lines, and reports findings as JSON, SARIF or one JSON result per line.
// Findings carry rule ids and positions only, never the matched text.
import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { loadPolicyLayers } from '../guard/policyLoader';
import type { PolicySource } from '../guard/policyLoader';
import { formatPolicyIssue } from '../guard/policySchema';
import type { GuardFeature } from '../guard/policySchema';
import type { Guard, GuardFinding, ScanContext, ScanResult } from '../guard/scanTypes';
import type { CliIo } from './main';

const GUARD_USAGE = `Usage: aegis guard scan [options] [FILES...]

Scans FILES (or stdin) with the built-in recommended policy and the policies given, and prints the findings.

Options:
  --policy FILE             a policy (YAML or JSON) applied as the organisation layer
  --user-policy FILE        a policy applied as the user layer
  --workspace-policy FILE   a policy applied as the workspace layer
  --no-recommended          leave out the built-in recommended policy
  --direction input|output  scan as a prompt (input, default) or as a model answer (output)
  --feature NAME            completion, chat (default), tests or diagnosis
  --format json|sarif       report format for files and stdin (default json)
  --jsonl                   read one JSON object per line from stdin ({"text": ...}, optional "filePath",
                            "feature", "direction") and write one result per line, in order
  -h, --help                show this help

Exit codes: 0 nothing blocked, 1 something blocked, 2 usage or policy error.
`;

const FEATURES: readonly GuardFeature[] = ['completion', 'chat', 'tests', 'diagnosis'];
type Direction = 'input' | 'output';

interface ScanOptions {
  policy?: string;
  userPolicy?: string;
  workspacePolicy?: string;
  recommended: boolean;
  direction: Direction;
  feature: GuardFeature;
  format: 'json' | 'sarif';
  jsonl: boolean;
  files: string[];
}

class UsageError extends Error {}

export async function runGuardCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    io.out(GUARD_USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'scan') {
    io.err(`aegis guard: unknown subcommand '${sub}'\n\n${GUARD_USAGE}`);
    return 2;
  }
  let options: ScanOptions;
  try {
    options = parseScanArgs(rest);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`aegis guard scan: ${error.message}\n\n${GUARD_USAGE}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(GUARD_USAGE);
    return 0;
  }
  const guard = await buildGuard(options, io);
  if (!guard) return 2;
  return options.jsonl ? scanJsonLines(guard, options, io) : scanDocuments(guard, options, io);
}

function parseScanArgs(args: readonly string[]): ScanOptions {
  const options: ScanOptions = {
    recommended: true,
    direction: 'input',
    feature: 'chat',
    format: 'json',
    jsonl: false,
    files: [],
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = (): string => {
      const v = args[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--policy':
        options.policy = value();
        break;
      case '--user-policy':
        options.userPolicy = value();
        break;
      case '--workspace-policy':
        options.workspacePolicy = value();
        break;
      case '--no-recommended':
        options.recommended = false;
        break;
      case '--direction': {
        const v = value();
        if (v !== 'input' && v !== 'output')
          throw new UsageError(`--direction must be input or output, not '${v}'`);
        options.direction = v;
        break;
      }
      case '--feature': {
        const v = value();
        const feature = FEATURES.find((f) => f === v);
        if (!feature) throw new UsageError(`--feature must be one of ${FEATURES.join(', ')}, not '${v}'`);
        options.feature = feature;
        break;
      }
      case '--format': {
        const v = value();
        if (v !== 'json' && v !== 'sarif') throw new UsageError(`--format must be json or sarif, not '${v}'`);
        options.format = v;
        break;
      }
      case '--jsonl':
        options.jsonl = true;
        break;
      case '--help':
      case '-h':
        break;
      default:
        if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option '${arg}'`);
        options.files.push(arg);
    }
  }
  if (options.jsonl && options.files.length > 0)
    throw new UsageError('--jsonl reads stdin; do not name files');
  return options;
}

async function readSource(path: string | undefined, io: CliIo): Promise<PolicySource | undefined> {
  if (path === undefined) return undefined;
  try {
    return { origin: path, text: await readFile(resolve(io.cwd, path), 'utf8') };
  } catch (error) {
    return { origin: path, error: error instanceof Error ? error.message : String(error) };
  }
}

async function buildGuard(options: ScanOptions, io: CliIo): Promise<Guard | undefined> {
  const [organisation, user, workspace] = await Promise.all([
    readSource(options.policy, io),
    readSource(options.userPolicy, io),
    readSource(options.workspacePolicy, io),
  ]);
  const loaded = loadPolicyLayers({
    builtin: options.recommended ? undefined : false,
    organisation,
    user,
    workspace,
    // The CLI reports a broken policy and stops, rather than scanning with a guard that refuses everything.
    organisationRequired: false,
  });
  if (loaded.issues.length > 0) {
    for (const issue of loaded.issues) io.err(`policy error: ${formatPolicyIssue(issue)}\n`);
    return undefined;
  }
  for (const v of loaded.violations) {
    io.err(
      `policy warning: ${v.origin}: ${v.layer} layer${v.ruleId ? `, rule ${v.ruleId}` : ''}: ${v.message} (refused)\n`,
    );
  }
  return loaded.guard;
}

function scanText(guard: Guard, text: string, ctx: ScanContext, direction: Direction): ScanResult {
  return direction === 'input' ? guard.scanInput(text, ctx) : guard.scanOutput(text, ctx);
}

function blocked(result: ScanResult): boolean {
  return result.decision === 'block';
}

async function scanJsonLines(guard: Guard, options: ScanOptions, io: CliIo): Promise<number> {
  const lines = (await io.readStdin()).split(/\r?\n/);
  const requests: { text: string; ctx: ScanContext; direction: Direction }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const problem = (what: string): number => {
      io.err(`aegis guard scan: stdin line ${i + 1}: ${what}\n`);
      return 2;
    };
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return problem('not valid JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return problem('expected a JSON object');
    const record = value as Record<string, unknown>;
    if (typeof record.text !== 'string') return problem('"text" must be a string');
    if (record.filePath !== undefined && typeof record.filePath !== 'string')
      return problem('"filePath" must be a string');
    const feature =
      record.feature === undefined ? options.feature : FEATURES.find((f) => f === record.feature);
    if (!feature) return problem(`"feature" must be one of ${FEATURES.join(', ')}`);
    const direction = record.direction === undefined ? options.direction : record.direction;
    if (direction !== 'input' && direction !== 'output')
      return problem('"direction" must be input or output');
    const ctx: ScanContext = { feature };
    if (typeof record.filePath === 'string') ctx.filePath = record.filePath;
    requests.push({ text: record.text, ctx, direction });
  }
  let anyBlocked = false;
  const out: string[] = [];
  for (const request of requests) {
    const result = scanText(guard, request.text, request.ctx, request.direction);
    anyBlocked ||= blocked(result);
    const findings = result.findings.map((f) => ({
      ruleId: f.ruleId,
      category: f.category,
      start: f.start,
      end: f.end,
      action: f.action,
    }));
    out.push(JSON.stringify({ decision: result.decision, findings }));
  }
  io.out(out.map((line) => `${line}\n`).join(''));
  return anyBlocked ? 1 : 0;
}

interface DocumentReport {
  file: string;
  text: string;
  result: ScanResult;
}

async function scanDocuments(guard: Guard, options: ScanOptions, io: CliIo): Promise<number> {
  const reports: DocumentReport[] = [];
  if (options.files.length === 0 || (options.files.length === 1 && options.files[0] === '-')) {
    const text = await io.readStdin();
    reports.push({
      file: 'stdin',
      text,
      result: scanText(guard, text, { feature: options.feature }, options.direction),
    });
  } else {
    for (const file of options.files) {
      const absolute = resolve(io.cwd, file);
      const filePath = relative(io.cwd, absolute).split('\\').join('/');
      const ctx: ScanContext = { feature: options.feature, filePath };
      if (options.direction === 'input') {
        // Path rules decide before the file is opened, as they do in the editor.
        const byPath = guard.checkPath(filePath, ctx);
        if (byPath.decision === 'block') {
          reports.push({ file: filePath, text: '', result: byPath });
          continue;
        }
      }
      let text: string;
      try {
        text = await readFile(absolute, 'utf8');
      } catch (error) {
        io.err(
          `aegis guard scan: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        return 2;
      }
      reports.push({ file: filePath, text, result: scanText(guard, text, ctx, options.direction) });
    }
  }
  io.out(
    options.format === 'sarif'
      ? `${JSON.stringify(toSarif(reports), null, 2)}\n`
      : `${JSON.stringify(toJson(reports), null, 2)}\n`,
  );
  return reports.some((r) => blocked(r.result)) ? 1 : 0;
}

function toJson(reports: readonly DocumentReport[]): object {
  return {
    results: reports.map(({ file, result }) => ({
      file,
      decision: result.decision,
      ...(result.monitoredDecision ? { monitoredDecision: result.monitoredDecision } : {}),
      findings: result.findings.map((f) => ({
        ruleId: f.ruleId,
        category: f.category,
        start: f.start,
        end: f.end,
        line: f.line,
        column: f.column,
        action: f.action,
        severity: f.severity,
        layer: f.layer,
        message: f.message,
      })),
    })),
  };
}

const SARIF_LEVEL: Readonly<Record<GuardFinding['action'], string>> = {
  block: 'error',
  redact: 'warning',
  warn: 'note',
};

function toSarif(reports: readonly DocumentReport[]): object {
  const rules = new Map<string, string>();
  const results: object[] = [];
  for (const { file, text, result } of reports) {
    for (const f of result.findings) {
      rules.set(f.ruleId, f.message.replace(/ \(rule .*\)$/, ''));
      const end = positionAt(text, f.end);
      results.push({
        ruleId: f.ruleId,
        level: SARIF_LEVEL[f.action],
        message: { text: f.message },
        properties: { action: f.action, category: f.category, severity: f.severity, layer: f.layer },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: file },
              region: { startLine: f.line, startColumn: f.column, endLine: end.line, endColumn: end.column },
            },
          },
        ],
      });
    }
  }
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'aegis-guard',
            rules: [...rules].map(([id, text]) => ({ id, shortDescription: { text } })),
          },
        },
        results,
      },
    ],
  };
}

function positionAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}
