// The scope rule's term counting on V8's engine: policy terms are literals (metacharacters included), empty
// terms cannot stall a scan, and the counts are those of the linear-time keyword matcher the rule used before.
import assert from 'node:assert/strict';
import { compileKeywords, literalAlternatives } from '../../../src/guard/safeRegex';
import { ScopeClassifier } from '../../../src/guard/scopeClassifier';

const policyOnly = (outOfScope: string[], inScope: string[] = []): ScopeClassifier =>
  new ScopeClassifier({ builtIn: false, inScopeKeywords: inScope, outOfScopeKeywords: outOfScope });

describe('scope classifier terms', () => {
  it('ignores an empty policy term instead of matching (and looping) at every position', () => {
    // An empty alternative matches the empty string without advancing: the scan never ended.
    assert.deepEqual(literalAlternatives(['', 'c++', 'unit', 'unit test']), [
      '\\bunit test\\b',
      '\\bunit\\b',
      '\\bc\\+\\+',
    ]);
    const verdict = policyOnly(['', 'mortgage']).classify('mortgage rates, then another mortgage');
    assert.equal(verdict.outOfScopeSignals, 2);
    assert.equal(policyOnly(['']).classify('anything at all').inScope, true);
  });

  it('treats regex metacharacters in policy terms as literal text', () => {
    const classifier = policyOnly(['a|b', '.*', 'c++', '(x)', 'price$']);
    assert.equal(classifier.classify('nothing here: ab, cc, x').outOfScopeSignals, 0);
    assert.equal(classifier.classify('a|b and .* and c++ and (x) and price$').outOfScopeSignals, 5);
  });

  it('counts what the linear-time keyword matcher counts', () => {
    const terms = [
      'unit',
      'unit test',
      'c#',
      '.net',
      'node.js',
      'x-ray',
      'weather',
      'St-Louis',
      'a/b',
      '足球',
    ];
    const texts = [
      'A unit test in C# for .NET and Node.js, then x-rays (no) and an x-ray (yes).',
      'Weather in st-louis; a/b testing; 足球比赛; units; unit; NODE.JSON',
      'c#c# .net.net weatherweather unit-test unit_test',
    ];
    const keywords = compileKeywords(terms);
    for (const text of texts) {
      assert.equal(policyOnly(terms).classify(text).outOfScopeSignals, keywords.findAll(text).length, text);
    }
  });

  it('weighs engineering terms against off-topic ones', () => {
    const classifier = policyOnly(['mortgage', 'recipe'], ['ledger', 'cobol']);
    assert.equal(classifier.classify('Which mortgage is best?').inScope, false);
    assert.equal(classifier.classify('A mortgage ledger report in COBOL').inScope, true);
  });
});
