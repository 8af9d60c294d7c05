// A small syntax highlighter for code blocks in chat answers: comments, strings, numbers and keywords of the
// common languages, as spans with `tok-*` classes. Its own code rather than a library keeps the webview bundle
// small; its output is built only from escaped text and fixed class names, never from HTML the model wrote.

const C_LIKE = new Set(
  (
    'abstract as async await break case catch class const continue default defer delete do else enum export ' +
    'extends false final finally fn for func function go if impl implements import in instanceof interface let ' +
    'match mod mut namespace new nil null package private protected public pub readonly return self static ' +
    'struct super switch this throw throws trait true try type typeof undefined use var void where while yield ' +
    'int long short char float double bool boolean string byte unsigned signed auto template typename val'
  ).split(' '),
);
const HASH_LIKE = new Set(
  (
    'and as assert async await break case class def del do done elif else elsif end ensure esac except false ' +
    'fi finally for from function global if import in is lambda local module next nil none None not or pass ' +
    'raise require rescue return self then True False true until unless when while with yield echo export'
  ).split(' '),
);

type Family = 'c' | 'hash';

const FAMILIES: Record<string, Family> = {};
for (const name of 'ts typescript tsx js javascript jsx mjs cjs java c cpp c++ h hpp cs csharp c# go golang rust rs kotlin kt swift php scala dart json jsonc'.split(
  ' ',
)) {
  FAMILIES[name] = 'c';
}
for (const name of 'py python rb ruby sh bash shell zsh yaml yml toml dockerfile makefile perl r powershell ps1'.split(
  ' ',
)) {
  FAMILIES[name] = 'hash';
}

// One alternation per family: comments, strings, numbers, words. Each alternative is linear: no nested quantifiers.
const PATTERNS: Record<Family, RegExp> = {
  c: /(\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$))|("(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?|`(?:[^`\\]|\\[\s\S])*`?)|(\b\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?\b|\b0[xX][\da-fA-F_]+\b)|([A-Za-z_$][\w$]*)/g,
  hash: /(#[^\n]*)|("(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?)|(\b\d[\d_]*(?:\.\d+)?\b)|([A-Za-z_$][\w$]*)/g,
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;',
  );
}

/** Highlighted HTML for the code, or just the escaped code when the language is not one we know. */
export function highlightCode(code: string, language: string): string {
  const family = FAMILIES[language.toLowerCase()];
  if (!family) return escapeHtml(code);
  const keywords = family === 'c' ? C_LIKE : HASH_LIKE;
  const pattern = new RegExp(PATTERNS[family].source, 'g');
  let html = '';
  let last = 0;
  for (let match = pattern.exec(code); match; match = pattern.exec(code)) {
    if (match[0] === '') {
      pattern.lastIndex++;
      continue;
    }
    html += escapeHtml(code.slice(last, match.index));
    const [text, comment, str, num, word] = match;
    const cls = comment
      ? 'tok-c'
      : str
        ? 'tok-s'
        : num
          ? 'tok-n'
          : word && keywords.has(word)
            ? 'tok-k'
            : undefined;
    html += cls ? `<span class="${cls}">${escapeHtml(text)}</span>` : escapeHtml(text);
    last = match.index + text.length;
  }
  return html + escapeHtml(code.slice(last));
}
