// Every user-facing string must exist in English and Simplified Chinese: the manifest's %keys% in both
// package.nls files, and every vscode.l10n.t() message in the zh-cn bundle. Read with the TypeScript
// parser, so that messages split over several lines are found too.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import { METRIC_DEFINITIONS } from '../../../src/dashboard/metricDefinitions';
import { PROBLEM_TEMPLATES } from '../../../src/model/profiles';

const root = join(__dirname, '..', '..', '..');
const readJson = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(root, path), 'utf8')) as Record<string, unknown>;

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/**
 * The first argument of every `l10n.t('…')` call whose message is a literal, and the message templates that
 * pure modules hand to l10n.t (the settings problems, the metric labels and definitions).
 */
function l10nMessages(files: string[]): Set<string> {
  const messages = new Set<string>([
    ...Object.values(PROBLEM_TEMPLATES),
    ...Object.values(METRIC_DEFINITIONS).flatMap((d) => [d.label, d.description]),
  ]);
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (
        ts.isCallExpression(node) &&
        ts.isPropertyAccessExpression(node.expression) &&
        node.expression.name.text === 't' &&
        node.expression.expression.getText(source).endsWith('l10n')
      ) {
        const first = node.arguments[0];
        if (first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first)))
          messages.add(first.text);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return messages;
}

function manifestKeys(value: unknown, keys = new Set<string>()): Set<string> {
  if (typeof value === 'string') {
    const match = /^%(.+)%$/.exec(value);
    if (match?.[1]) keys.add(match[1]);
  } else if (Array.isArray(value)) {
    for (const item of value) manifestKeys(item, keys);
  } else if (value && typeof value === 'object') {
    for (const item of Object.values(value)) manifestKeys(item, keys);
  }
  return keys;
}

describe('localization', () => {
  it('has an English and a Chinese text for every %key% of the manifest', () => {
    const english = readJson('package.nls.json');
    const chinese = readJson('package.nls.zh-cn.json');
    for (const key of manifestKeys(readJson('package.json'))) {
      assert.ok(typeof english[key] === 'string', `package.nls.json lacks ${key}`);
      assert.ok(typeof chinese[key] === 'string', `package.nls.zh-cn.json lacks ${key}`);
    }
    assert.deepEqual(Object.keys(chinese).sort(), Object.keys(english).sort());
  });

  it('translates every vscode.l10n.t message into Simplified Chinese, keeping its placeholders', () => {
    const bundle = readJson('l10n/bundle.l10n.zh-cn.json');
    const messages = l10nMessages(sourceFiles('src/extension'));
    assert.ok(messages.size > 10, 'the extractor found the messages');
    const missing = [...messages].filter((m) => typeof bundle[m] !== 'string');
    assert.deepEqual(missing, [], 'untranslated messages');
    for (const message of messages) {
      const placeholders = (text: string): string[] => (text.match(/\{\w+\}/g) ?? []).sort();
      assert.deepEqual(placeholders(bundle[message] as string), placeholders(message), message);
    }
  });

  it('keeps no stale entries in the Chinese bundle', () => {
    const bundle = readJson('l10n/bundle.l10n.zh-cn.json');
    const messages = l10nMessages(sourceFiles('src/extension'));
    assert.deepEqual(
      Object.keys(bundle).filter((k) => !messages.has(k)),
      [],
    );
  });
});
