// Golden tests for the output filters: known-bad model outputs kept as fixtures (repeating the suffix,
// unbalanced brackets, runaway repetition, echoed FIM tokens, markdown fences, CRLF), each with the
// expected cleaned suggestion ('' means dropped). AEGIS_UPDATE_GOLDEN=1 rewrites `expected`; review the diff.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanCompletion, detectIndentUnit, StreamFilter } from '../../../src/completion/completionFilters';
import type { FilterContext } from '../../../src/completion/completionFilters';
import type { FimDialect } from '../../../src/completion/completionPorts';
import { dialectStopTokens } from '../../../src/completion/fimDialects';

interface FilterCase {
  name: string;
  note: string;
  languageId: string;
  multiline: boolean;
  dialect: FimDialect;
  fromChat: boolean;
  source: string;
  raw: string;
  expected: string;
}

const file = path.join(__dirname, '..', '..', 'fixtures', 'golden', 'filters', 'cases.json');
const cases = JSON.parse(fs.readFileSync(file, 'utf8')) as FilterCase[];
const update = process.env['AEGIS_UPDATE_GOLDEN'] === '1';

function contextFor(c: FilterCase): FilterContext {
  const offset = c.source.indexOf('<|cursor|>');
  const text = c.source.replace('<|cursor|>', '');
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const indentUnit = detectIndentUnit(text.replace(/\r\n/g, '\n'));
  return {
    multiline: c.multiline,
    suffix: text.slice(offset).replace(/\r\n/g, '\n'),
    linePrefix: text.slice(lineStart, offset),
    languageId: c.languageId,
    stopTokens: dialectStopTokens(c.dialect),
    eol: text.includes('\r\n') ? '\r\n' : '\n',
    ...(indentUnit !== undefined ? { indentUnit } : {}),
    fromChat: c.fromChat,
  };
}

describe('golden: completion filters on known-bad model outputs', () => {
  after(() => {
    if (update) fs.writeFileSync(file, `${JSON.stringify(cases, null, 2)}\n`);
  });

  for (const c of cases) {
    it(`${c.name}${c.note !== '' ? ` (${c.note})` : ''}`, () => {
      const ctx = contextFor(c);
      const cleaned = cleanCompletion(c.raw, ctx) ?? '';
      if (update) c.expected = cleaned;
      assert.equal(cleaned, c.expected);
      // Streaming in small chunks must end with the same suggestion as the whole text at once.
      const stream = new StreamFilter(ctx);
      for (let i = 0; i < c.raw.length; i += 3) {
        if (stream.push(c.raw.slice(i, i + 3)).complete) break;
      }
      assert.equal(cleanCompletion(stream.received, ctx) ?? '', c.expected, 'streamed');
    });
  }
});
