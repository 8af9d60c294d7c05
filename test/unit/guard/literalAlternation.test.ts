import assert from 'node:assert/strict';
import { literalAlternation, literalAlternatives } from '../../../src/guard/safeRegex';

// Every match (offset and text) of a V8 regex, scanning left to right like the scope rule's counter.
function matches(source: string, text: string): string[] {
  const re = new RegExp(source, 'gi');
  const out: string[] = [];
  for (let m = re.exec(text); m !== null; m = re.exec(text)) out.push(`${m.index}:${m[0]}`);
  return out;
}

const TEXTS = [
  'movie night: a film about a movie',
  'movies and filmmaking are not whole words; moviefilm neither',
  'Stock tips and a STOCK TIP; stock tipsy is not one',
  'c++ and c# questions, c++11, abc++, x.env and .env.local, .env',
  'film',
  'unit test of the unit tests in a unit',
  'recipe',
  'a recipe\nrecipe\trecipe-recipe_recipe',
  '',
];

describe('literalAlternation (the scope rule counter regex)', () => {
  const vocabularies: readonly (readonly string[])[] = [
    ['movie', 'film', 'recipe'],
    ['stock tip', 'stock tips', 'film'],
    ['c++', 'c#', 'film', 'unit test', 'unit'],
    ['.env', 'film', 'recipe'],
    ['.env', 'c++'],
    ['', 'movie'],
  ];

  for (const words of vocabularies) {
    it(`finds exactly what the per-keyword alternation finds for [${words.join(', ')}]`, () => {
      const reference = literalAlternatives(words).join('|');
      for (const text of TEXTS) {
        assert.deepEqual(matches(literalAlternation(words), text), matches(reference, text), text);
      }
    });
  }

  it('counts whole words at the very start and end of the text, not inside longer words', () => {
    const source = literalAlternation(['movie', 'film']);
    assert.deepEqual(matches(source, 'Film about a movie'), ['0:Film', '13:movie']);
    assert.deepEqual(matches(source, 'filmmaking movies'), []);
  });

  it('prefers the longer of two keywords that start at the same place', () => {
    assert.deepEqual(matches(literalAlternation(['stock tip', 'stock tips']), 'stock tips'), [
      '0:stock tips',
    ]);
  });

  it('is empty when no keyword is left, so that the caller does not match everywhere', () => {
    assert.equal(literalAlternation(['', '']), '');
  });
});
