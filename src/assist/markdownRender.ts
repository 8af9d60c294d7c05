// Model answers to safe HTML: `marked` turns markdown into HTML (raw HTML in the answer is shown as text, never
// parsed), then DOMPurify with a strict allowlist removes anything that could run or load: scripts, event
// handlers, javascript:/data: URLs, iframes, forms, styles, images. Code blocks get a language class, our own
// highlighting and an index the page uses to attach its Copy/Insert/Apply buttons. Runs against any window:
// the webview's own, or jsdom in tests. StreamingMarkdown renders a growing answer without re-rendering the
// blocks that are already complete, and finishes it without rendering it again.
import createDOMPurify from 'dompurify';
import type { DOMPurify, WindowLike } from 'dompurify';
import { Marked } from 'marked';
import type { Token, Tokens } from 'marked';
import { escapeHtml, highlightCode } from './markdownHighlight';

export interface CodeBlockInfo {
  /** Index across the whole answer; matches the `data-block` attribute of its `<pre>`. */
  index: number;
  language: string;
  code: string;
}

export interface RenderedMarkdown {
  html: string;
  codeBlocks: CodeBlockInfo[];
}

const ALLOWED_TAGS = [
  'p',
  'br',
  'hr',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'strong',
  'em',
  'del',
  'code',
  'pre',
  'blockquote',
  'ul',
  'ol',
  'li',
  'a',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'span',
];
const ALLOWED_ATTR = ['href', 'title', 'class', 'data-block', 'start', 'align'];
/** Links to the web and mail only; everything else (javascript:, data:, vbscript:, file:, relative) goes. */
const SAFE_URL = /^(?:https?:|mailto:)/i;
const SAFE_CLASS = /^(?:language-[a-z0-9+#-]{1,32}|tok-[ckns]|code-block)$/;
const SAFE_LANGUAGE = /^[a-z0-9+#-]{1,32}$/;

function languageOf(lang: string | undefined): string {
  const first = (lang ?? '').trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  return SAFE_LANGUAGE.test(first) ? first : '';
}

export class MarkdownRenderer {
  private readonly purify: DOMPurify;
  private readonly marked: Marked;
  private blocks: CodeBlockInfo[] = [];
  private nextBlock = 0;

  constructor(window: WindowLike) {
    this.purify = createDOMPurify(window);
    this.purify.addHook('uponSanitizeAttribute', (node, event) => {
      if (event.attrName === 'class') {
        const kept = event.attrValue.split(/\s+/).filter((c) => SAFE_CLASS.test(c));
        event.attrValue = kept.join(' ');
        if (kept.length === 0) event.keepAttr = false;
      } else if (event.attrName === 'data-block') {
        event.keepAttr = node.nodeName === 'PRE' && /^\d{1,6}$/.test(event.attrValue);
      } else if (event.attrName === 'start') {
        event.keepAttr = /^\d{1,9}$/.test(event.attrValue);
      } else if (event.attrName === 'align') {
        event.keepAttr = /^(?:left|right|center)$/.test(event.attrValue);
      } else if (event.attrName === 'href') {
        // DOMPurify checks the protocol too; this also refuses values whose scheme hides behind entities.
        event.keepAttr = SAFE_URL.test(event.attrValue.trim());
      }
    });
    this.purify.addHook('afterSanitizeAttributes', (node) => {
      if (node.nodeName === 'A') {
        node.setAttribute('rel', 'noopener noreferrer');
      }
    });
    this.marked = new Marked({
      gfm: true,
      breaks: false,
      renderer: {
        html: ({ text }: Tokens.HTML | Tokens.Tag) => escapeHtml(text),
        code: ({ text, lang }: Tokens.Code) => this.codeBlock(text, languageOf(lang)),
        image: ({ text }: Tokens.Image) => escapeHtml(text ? `[image: ${text}]` : '[image]'),
        checkbox: ({ checked }: Tokens.Checkbox) => (checked ? '[x] ' : '[ ] '),
      },
    });
  }

  /** Splits markdown into top-level blocks; StreamingMarkdown renders them one at a time. */
  lex(markdown: string): Token[] {
    return this.marked.lexer(markdown);
  }

  render(markdown: string, firstBlockIndex = 0): RenderedMarkdown {
    return this.renderTokens(this.lex(markdown), firstBlockIndex);
  }

  renderTokens(tokens: Token[], firstBlockIndex = 0): RenderedMarkdown {
    this.blocks = [];
    this.nextBlock = firstBlockIndex;
    const raw = this.marked.parser(tokens);
    const html = this.sanitize(raw);
    return { html, codeBlocks: this.blocks };
  }

  /** The sanitizer alone, with the same allowlist; exposed so that tests can feed it hostile HTML directly. */
  sanitize(html: string): string {
    return this.purify.sanitize(html, {
      ALLOWED_TAGS,
      ALLOWED_ATTR,
      ALLOW_DATA_ATTR: false,
      ALLOW_ARIA_ATTR: false,
      ALLOWED_URI_REGEXP: SAFE_URL,
      // DOMPurify tests every other attribute's value against the URL pattern too; these are checked above.
      ADD_URI_SAFE_ATTR: ['data-block', 'start', 'align'],
      ALLOW_UNKNOWN_PROTOCOLS: false,
      ALLOWED_NAMESPACES: ['http://www.w3.org/1999/xhtml'],
      KEEP_CONTENT: true,
      RETURN_TRUSTED_TYPE: false,
    });
  }

  private codeBlock(code: string, language: string): string {
    const index = this.nextBlock++;
    this.blocks.push({ index, language, code });
    const cls = language ? ` class="language-${language}"` : '';
    return `<pre class="code-block" data-block="${index}"><code${cls}>${highlightCode(code, language)}</code></pre>\n`;
  }
}

export interface StreamingUpdate {
  /** Blocks that became complete since the last update, in order; append them once. */
  completed: RenderedMarkdown[];
  /** The block still being written; replaces the previous live block. */
  live: RenderedMarkdown;
}

/**
 * Renders a growing answer. Only the last top-level block can still change, so every block before it is
 * rendered and sanitized exactly once, and each update costs time in proportion to the new text, not to the
 * whole answer.
 */
export class StreamingMarkdown {
  private stableLength = 0;
  private stableBlocks = 0;

  constructor(private readonly renderer: MarkdownRenderer) {}

  /** Takes the whole answer so far. */
  update(source: string): StreamingUpdate {
    const text = source.replace(/\r\n?/g, '\n');
    const tokens = this.renderer.lex(text.slice(this.stableLength));
    let lastContent = tokens.length - 1;
    while (lastContent > 0 && tokens[lastContent]?.type === 'space') lastContent--;
    const completed: RenderedMarkdown[] = [];
    for (let i = 0; i < lastContent; i++) {
      const token = tokens[i];
      if (!token) continue;
      this.stableLength += token.raw.length;
      if (token.type === 'space') continue;
      const rendered = this.renderer.renderTokens([token], this.stableBlocks);
      this.stableBlocks += rendered.codeBlocks.length;
      completed.push(rendered);
    }
    const rest = tokens.slice(Math.max(0, lastContent));
    return { completed, live: this.renderer.renderTokens(rest, this.stableBlocks) };
  }

  /**
   * Takes the whole, finished answer. Its last block can no longer change, so it is returned with the blocks
   * that completed since the last update: appended to what was streamed, they make the whole answer, and the
   * page keeps the blocks it already built instead of rendering the answer a second time.
   */
  finish(source: string): RenderedMarkdown[] {
    const { completed, live } = this.update(source);
    return live.html.trim() === '' ? completed : [...completed, live];
  }
}
