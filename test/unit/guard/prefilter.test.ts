// The keyword prefilter decides which detectors run; a keyword it misses is a secret that leaks.
import assert from 'node:assert/strict';
import type { Detector } from '../../../src/guard/detectorTypes';
import { builtInDetectors, KeywordPrefilter, runDetectors } from '../../../src/guard/keywordPrefilter';

const stub = (id: string, keywords: string[], spans: [number, number][] = []): Detector => ({
  id,
  category: 'secret',
  description: id,
  keywords,
  find: () => spans.map(([start, end]) => ({ start, end })),
});

describe('keyword prefilter', () => {
  const detectors = [
    stub('he', ['he']),
    stub('she', ['she']),
    stub('hers', ['hers']),
    stub('his', ['his']),
    stub('passport', ['passport', '护照']),
    stub('always', []),
    stub('sk', ['sk_live_', 'SK-ANT-']),
  ];
  const pf = new KeywordPrefilter(detectors);

  it('finds keywords regardless of case', () => {
    assert.deepEqual([...pf.candidates('const KEY = "SK_LIVE_abc"')].sort(), ['always', 'sk']);
    assert.ok(pf.candidates('sk-ant-api03').has('sk'));
  });

  it('finds overlapping and nested keywords in one pass', () => {
    // "ushers" contains she, he and hers, overlapping each other.
    assert.deepEqual([...pf.candidates('ushers')].sort(), ['always', 'he', 'hers', 'she']);
    assert.deepEqual([...pf.candidates('this')].sort(), ['always', 'his']);
  });

  it('matches non-ASCII keywords and keeps working after non-ASCII text', () => {
    assert.ok(pf.candidates('请提供护照号码').has('passport'));
    assert.ok(pf.candidates('Ünïcödé 文本 then sk_live_x').has('sk'));
    assert.ok(pf.candidates('PASSPORT: E1').has('passport'));
    assert.ok(!pf.candidates('护 照').has('passport'));
  });

  it('always includes detectors without keywords, and nothing else on unrelated text', () => {
    assert.deepEqual([...pf.candidates('')], ['always']);
    assert.deepEqual([...pf.candidates('plain words only')], ['always']);
  });

  it('runs only the selected detectors and resolves overlaps by specificity, then length', () => {
    const ranked = [
      { ...stub('generic', ['x'], [[0, 10]]), specificity: 0 },
      { ...stub('vendor', ['x'], [[2, 8]]), specificity: 3 },
      { ...stub('other', ['x'], [[12, 14]]), specificity: 0 },
      { ...stub('never', ['zzz'], [[20, 30]]), specificity: 9 },
    ];
    const f = runDetectors('x'.repeat(40), ranked, new KeywordPrefilter(ranked));
    assert.deepEqual(
      f.map((x) => [x.detectorId, x.start, x.end]),
      [
        ['vendor', 2, 8],
        ['other', 12, 14],
      ],
    );
  });

  it('every built-in detector with keywords is selected by its own keywords', () => {
    const all = builtInDetectors();
    const prefilter = new KeywordPrefilter(all);
    for (const d of all) {
      for (const k of d.keywords)
        assert.ok(prefilter.candidates(`..${k.toUpperCase()}..`).has(d.id), `${d.id} / ${k}`);
    }
  });
});
