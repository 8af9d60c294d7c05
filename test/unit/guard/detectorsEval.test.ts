// The evaluation set's figures are a behaviour: a detector change that lowers recall or precision
// below the targets, or loses a whole family, fails here.
import assert from 'node:assert/strict';
import { builtInDetectors, KeywordPrefilter, runDetectors } from '../../../src/guard/keywordPrefilter';
import { loadEvalSet, scoreCategory } from '../../fixtures/guard-eval/evalScoring';
import { generateEvalSet } from '../../fixtures/guard-eval/generateEvalSet';

describe('guard evaluation set', () => {
  const samples = loadEvalSet();
  const detectors = builtInDetectors();
  const prefilter = new KeywordPrefilter(detectors);
  const predictions = samples.map((s) => runDetectors(s.text, detectors, prefilter));

  it('the committed set is what the seeded generator produces', () => {
    assert.deepEqual(generateEvalSet(), samples);
  });

  it('secrets: recall and precision at least 0.95', () => {
    const s = scoreCategory(samples, predictions, 'secret');
    assert.ok(s.labels >= 500, `only ${s.labels} secret labels`);
    assert.ok(s.recall >= 0.95, `recall ${s.recall}; missed ${JSON.stringify(s.missed.slice(0, 5))}`);
    assert.ok(
      s.precision >= 0.95,
      `precision ${s.precision}; ${JSON.stringify(s.falsePositives.slice(0, 5))}`,
    );
  });

  it('personal data: recall and precision at least 0.98', () => {
    const s = scoreCategory(samples, predictions, 'pii');
    assert.ok(s.labels >= 200, `only ${s.labels} pii labels`);
    assert.ok(s.recall >= 0.98, `recall ${s.recall}; missed ${JSON.stringify(s.missed.slice(0, 5))}`);
    assert.ok(
      s.precision >= 0.98,
      `precision ${s.precision}; ${JSON.stringify(s.falsePositives.slice(0, 5))}`,
    );
  });

  it('every labelled kind is found at least once, by the detector of that name', () => {
    const kinds = new Set(samples.flatMap((s) => s.labels.map((l) => l.kind)));
    const foundBy = new Set<string>();
    samples.forEach((s, i) => {
      for (const l of s.labels) {
        const p = predictions[i]?.find((f) => f.start < l.end && l.start < f.end);
        if (p?.detectorId === l.kind) foundBy.add(l.kind);
      }
    });
    assert.deepEqual(
      [...kinds].filter((k) => !foundBy.has(k)),
      [],
    );
  });

  it('hard negatives produce no finding', () => {
    const noisy = samples
      .map((s, i) => ({ s, f: predictions[i] ?? [] }))
      .filter(({ s, f }) => s.labels.length === 0 && f.length > 0)
      .map(({ s, f }) => `${f[0]?.detectorId}: ${s.text.slice(0, 60)}`);
    assert.deepEqual(noisy, []);
  });
});
