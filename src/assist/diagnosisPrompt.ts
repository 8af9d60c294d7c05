// The prompt for code diagnosis: the file (or selection) with line numbers, its existing diagnostics, and the
// JSON shape of the findings we want, sent as a `response_format` JSON schema when the endpoint supports it and
// spelled out in the instructions in every case (many local servers ignore or reject response_format).
import type { ChatMessage, JsonSchemaResponseFormat } from '../model/modelClient';

export const SEVERITIES = ['error', 'warning', 'info'] as const;
export const CATEGORIES = ['bug', 'security', 'performance', 'style'] as const;
export type FindingSeverity = (typeof SEVERITIES)[number];
export type FindingCategory = (typeof CATEGORIES)[number];

/** A diagnostic the editor already shows (compiler, linter), so the model does not repeat it. */
export interface ExistingDiagnostic {
  /** 1-based. */
  line: number;
  severity: string;
  message: string;
  source?: string;
}

export interface DiagnosisInput {
  /** Workspace-relative path. */
  path: string;
  languageId: string;
  text: string;
  /** 1-based inclusive line range to look at; the whole file when absent. */
  lines?: { start: number; end: number };
  existingDiagnostics: readonly ExistingDiagnostic[];
  /** Send `response_format: json_schema`; only for profiles whose server supports it. */
  structuredOutput: boolean;
}

/** The OpenAI `response_format` for structured output. */

export interface DiagnosisPrompt {
  messages: ChatMessage[];
  responseFormat?: JsonSchemaResponseFormat;
  /** The 1-based lines the model was shown. */
  lines: { start: number; end: number };
}

/** The findings schema. Strict mode wants every property required, so optional ones are nullable instead. */
export const FINDINGS_SCHEMA: Record<string, unknown> = {
  type: 'object',
  additionalProperties: false,
  required: ['findings'],
  properties: {
    findings: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: [
          'startLine',
          'startColumn',
          'endLine',
          'endColumn',
          'severity',
          'category',
          'message',
          'code',
          'replacement',
        ],
        properties: {
          startLine: { type: 'integer', description: '1-based line where the problem starts' },
          startColumn: { type: 'integer', description: '1-based column' },
          endLine: { type: 'integer', description: '1-based line where it ends (inclusive)' },
          endColumn: { type: 'integer', description: '1-based column just after the last character' },
          severity: { type: 'string', enum: [...SEVERITIES] },
          category: { type: 'string', enum: [...CATEGORIES] },
          message: { type: 'string', description: 'One or two sentences: what is wrong and why it matters' },
          code: { type: 'string', description: 'The exact code the finding points at, copied from the file' },
          replacement: {
            type: ['string', 'null'],
            description: 'Text that replaces `code` to fix the problem, or null',
          },
        },
      },
    },
  },
};

// Bigger files are cut: a diagnosis of the first part is more useful than an error about the context window.
const MAX_LINES = 1_500;

export function buildDiagnosisPrompt(input: DiagnosisInput): DiagnosisPrompt {
  const all = input.text.replace(/\r\n/g, '\n').split('\n');
  const start = Math.max(1, input.lines?.start ?? 1);
  const end = Math.min(all.length, input.lines?.end ?? all.length, start + MAX_LINES - 1);
  const width = String(end).length;
  const numbered = all
    .slice(start - 1, end)
    .map((line, i) => `${String(start + i).padStart(width, ' ')}| ${line}`)
    .join('\n');

  const system = [
    'You review code for real problems: bugs, security issues, performance problems and, last, style.',
    'Report only problems you are confident about; an empty list is a good answer for good code.',
    'Do not report what the existing diagnostics already say.',
    'Each line of the code is prefixed with its line number and "| "; the prefix is not part of the code.',
    'For each finding give the 1-based line and column range, a severity (error, warning, info), a category',
    '(bug, security, performance, style), a short message, `code`: the exact text the finding points at copied',
    'from the file (without the line-number prefix), and `replacement`: the text that should replace `code`',
    'to fix it, or null when the fix is not a simple replacement.',
    'Answer with JSON only, in this shape:',
    '{"findings": [{"startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 20, "severity": "warning",',
    '"category": "bug", "message": "...", "code": "...", "replacement": null}]}',
  ].join('\n');

  const parts = [
    `File: \`${input.path}\` (${input.languageId})` +
      (input.lines ? `, lines ${start} to ${end} only; report nothing outside them` : ''),
    `\`\`\`${input.languageId}\n${numbered}\n\`\`\``,
  ];
  if (input.existingDiagnostics.length > 0) {
    const listed = input.existingDiagnostics
      .slice(0, 50)
      .map((d) => `- line ${d.line} (${d.severity}${d.source ? `, ${d.source}` : ''}): ${d.message}`)
      .join('\n');
    parts.push(`Diagnostics the editor already shows for this file:\n${listed}`);
  } else {
    parts.push('The editor shows no diagnostics for this file.');
  }

  return {
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: parts.join('\n\n') },
    ],
    ...(input.structuredOutput
      ? {
          responseFormat: {
            type: 'json_schema',
            json_schema: { name: 'code_findings', strict: true, schema: FINDINGS_SCHEMA },
          },
        }
      : {}),
    lines: { start, end },
  };
}
