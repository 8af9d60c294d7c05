// Assignment detectors start their regex at the key name and check the namespacing before it backwards
// (`hasKeyPrefix`). What they find must be what the earlier single regex found, whose prefix was
// `(?<![\w.-])(?:[A-Za-z0-9]{1,20}[_.-]){0,4}`: that regex is kept here as the reference.
import assert from 'node:assert/strict';
import {
  assignmentDetector,
  hasKeyPrefix,
  patternDetector,
} from '../../../src/guard/detectors/patternDetector';
import type { DetectorMatch } from '../../../src/guard/detectorTypes';

const ASSIGN = `[\\w.-]{0,24}?["'\`]?\\s{0,4}(?::=|=>|=(?!=)|:(?!:)|>)\\s{0,4}["'\`]?`;
const VALUE = `(?<v>[^\\s"'\`<>,;()\\[\\]{}]{8,400})`;
const SHAPE = /^[A-Za-z0-9+/=_.-]+$/;

// Keys of the shapes the built-in detectors use: a leading optional separator, a bounded `[\w.-]` gap,
// a key that may start inside a longer identifier, and a lazy run of anything.
const KEYS = [
  '(?:aws)?[_.-]?secret[_.-]?(?:access)?[_.-]?key',
  '(?:azure|az|ms)[_.-]?client[_.-]?secret|clientsecret',
  'heroku[\\w.-]{0,16}(?:api[_.-]?key|token)',
  '[^\\s]{0,100}?:?_authToken|npmAuthToken',
];

function reference(key: string): (text: string) => DetectorMatch[] {
  const pattern = new RegExp(`(?<![\\w.-])(?:[A-Za-z0-9]{1,20}[_.-]){0,4}(?:${key})${ASSIGN}${VALUE}`, 'gi');
  const detector = patternDetector({
    id: 'reference',
    description: '',
    keywords: [],
    pattern,
    validate: (value) => SHAPE.test(value),
  });
  return (text) => detector.find(text);
}

function detector(key: string): (text: string) => DetectorMatch[] {
  const d = assignmentDetector({ id: 'current', description: '', keywords: [], key, value: SHAPE });
  return (text) => d.find(text);
}

const VALUE_TEXT = 'Kq8sL2mN4pR6tV8x';
const seg = (n: number): string => 'a1B2c3D4e5'.repeat(3).slice(0, n);

describe('assignment key prefix', () => {
  it('accepts up to four namespacing segments of 1 to 20 letters or digits, and no more', () => {
    // A key that cannot itself start with a separator, so that the prefix alone decides.
    const find = detector('heroku[\\w.-]{0,16}(?:api[_.-]?key|token)');
    const ok = (prefix: string): boolean => find(`${prefix}HEROKU_API_KEY=${VALUE_TEXT}`).length === 1;
    assert.equal(ok(''), true);
    assert.equal(ok('MY_APP_'), true);
    assert.equal(ok('config.db.'), true);
    assert.equal(ok('a.b-c_d.'), true, 'four segments');
    assert.equal(ok('a.b-c_d.e_'), false, 'five segments');
    assert.equal(ok(`${seg(20)}_`), true, 'a 20-character segment');
    assert.equal(ok(`${seg(21)}_`), false, 'a 21-character segment');
    assert.equal(ok('MY__'), false, 'an empty segment');
    assert.equal(ok('_'), false, 'a separator with no segment before it');
    assert.equal(ok('é_'), false, 'a non-ASCII letter is not a segment');
    assert.equal(ok('x: '), true, 'a space ends the identifier');
    assert.equal(ok('$'), true, 'so does punctuation');
    assert.equal(ok('export '), true);
  });

  it('retries a key that starts inside a longer identifier', () => {
    const find = detector('(?:azure|az|ms)[_.-]?client[_.-]?secret|clientsecret');
    // `az_client_secret` is first found inside `aaz_...`, which has no valid prefix; `clientsecret`-like
    // keys further right must still be found, and the whole identifier must not count as a key.
    assert.deepEqual(find(`aaz_client_secret=${VALUE_TEXT}`), []);
    assert.equal(find(`my.azure_client_secret=${VALUE_TEXT}`).length, 1);
    assert.equal(find(`xaz_client_secret=${VALUE_TEXT} then AZ-CLIENT-SECRET: ${VALUE_TEXT}`).length, 1);
  });

  it('hasKeyPrefix reads the text backwards from the key only', () => {
    const text = 'prefix one.two_KEY';
    assert.equal(hasKeyPrefix(text, text.indexOf('KEY')), true);
    assert.equal(hasKeyPrefix('oneKEY', 3), false);
    assert.equal(hasKeyPrefix('KEY', 0), true);
  });

  it('finds what the single-regex formulation found, on generated identifiers', () => {
    // A deterministic generator: boundaries, segments of edge lengths, the key's own words in order with
    // random separators and case, assignment operators and values (placeholders and short ones included).
    let seed = 2024;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const pick = <T>(items: readonly T[]): T => items[rnd(items.length)];
    let compared = 0;
    let found = 0;
    for (const key of KEYS) {
      const words = [...key.matchAll(/[A-Za-z]{2,}/g)].map((m) => m[0]);
      const before = reference(key);
      const after = detector(key);
      for (let n = 0; n < 1500; n++) {
        let text = pick([' ', '', 'é', '$', 'a_', '-', '.', 'x', '__', '//reg.example/:']);
        for (let i = rnd(7); i > 0; i--) text += seg(pick([0, 1, 2, 5, 19, 20, 21])) + pick(['_', '.', '-']);
        for (const word of words) {
          if (rnd(5) !== 0)
            text += (rnd(2) === 0 ? word : word.toUpperCase()) + pick(['_', '.', '-', '', '']);
        }
        text += pick(['', '', 'ID', '_1']);
        text += pick(['=', ' = ', ': ', '":"', '==', '=>']) + pick([VALUE_TEXT, 'abc', 'your-key-here-xxxx']);
        if (rnd(3) === 0) text = `${text} ${text}`;
        const expected = before(text);
        assert.deepEqual(after(text), expected, JSON.stringify(text));
        compared++;
        if (expected.length > 0) found++;
      }
    }
    // The corpus must exercise real findings, not only misses.
    assert.ok(found > compared / 50, `${found} findings in ${compared} texts`);
  });
});
