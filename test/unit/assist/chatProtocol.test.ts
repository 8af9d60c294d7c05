// The chat protocol's parsers: well-formed messages pass with only their known fields, anything else is refused.
import assert from 'node:assert/strict';
import {
  CHAT_STRING_KEYS,
  formatString,
  parseHostMessage,
  parsePageMessage,
} from '../../../src/assist/chatProtocol';
import type { ChatStrings } from '../../../src/assist/chatProtocol';

const strings = Object.fromEntries(CHAT_STRING_KEYS.map((key) => [key, `zh:${key}`])) as ChatStrings;

describe('chat protocol', () => {
  describe('messages from the page', () => {
    it('accepts each well-formed message and drops unknown fields', () => {
      assert.deepEqual(parsePageMessage({ type: 'ready', extra: 1 }), { type: 'ready' });
      assert.deepEqual(
        parsePageMessage({ type: 'send', requestId: 'r-1', text: 'why?', profileId: 'ollama qwen', x: true }),
        {
          type: 'send',
          requestId: 'r-1',
          text: 'why?',
          profileId: 'ollama qwen',
        },
      );
      assert.deepEqual(parsePageMessage({ type: 'stop', requestId: 'r-1' }), {
        type: 'stop',
        requestId: 'r-1',
      });
      assert.deepEqual(parsePageMessage({ type: 'applyCode', code: 'x()', language: 'ts' }), {
        type: 'applyCode',
        code: 'x()',
        language: 'ts',
      });
      assert.deepEqual(parsePageMessage({ type: 'renameConversation', id: 'abc-1', title: 'Cart bug' }), {
        type: 'renameConversation',
        id: 'abc-1',
        title: 'Cart bug',
      });
    });

    const malformed: Array<[string, unknown]> = [
      ['not an object', 'send'],
      ['null', null],
      ['an array', [{ type: 'ready' }]],
      ['an unknown type', { type: 'runShell', command: 'rm -rf /' }],
      ['a missing request id', { type: 'send', text: 'hi', profileId: 'p' }],
      ['a numeric request id', { type: 'send', requestId: 7, text: 'hi', profileId: 'p' }],
      ['a request id with a path', { type: 'stop', requestId: '../../etc' }],
      ['an empty question', { type: 'send', requestId: 'r', text: '   ', profileId: 'p' }],
      [
        'a question that is not text',
        { type: 'send', requestId: 'r', text: { toString: 'x' }, profileId: 'p' },
      ],
      ['a profile id with a newline', { type: 'send', requestId: 'r', text: 'hi', profileId: 'a\nb' }],
      ['code that is not text', { type: 'insertCode', code: 42, language: 'ts' }],
      ['a language with markup', { type: 'saveCode', code: 'x', language: '<img src=x>' }],
      ['a conversation id with a slash', { type: 'deleteConversation', id: '../secrets' }],
      ['an empty title', { type: 'renameConversation', id: 'a', title: ' ' }],
      ['a huge question', { type: 'send', requestId: 'r', text: 'x'.repeat(2_000_001), profileId: 'p' }],
      ['a chip id that is not text', { type: 'removeContext', chipId: ['a'] }],
    ];
    for (const [what, message] of malformed) {
      it(`refuses ${what}`, () => assert.equal(parsePageMessage(message), undefined));
    }
  });

  describe('messages from the extension', () => {
    const answer = {
      id: 'a1',
      role: 'assistant',
      text: '**hi**',
      createdAt: 1,
      status: 'complete',
      notices: [{ kind: 'redacted', message: 'm' }],
    };

    const fullInit = {
      type: 'init',
      strings,
      locale: 'zh-cn',
      conversation: {
        id: 'c1',
        title: 't',
        messages: [{ id: 'q1', role: 'user', text: 'q', createdAt: 1 }],
      },
      conversations: [],
      profiles: [{ id: 'p', description: 'model' }],
      profileId: 'p',
      chips: [],
      commands: [],
    };

    it('hands the translated page texts and the display language to the page', () => {
      const init = parseHostMessage(fullInit);
      assert.equal(init?.type, 'init');
      if (init?.type !== 'init') return;
      assert.equal(init.locale, 'zh-cn');
      assert.equal(init.strings.send, 'zh:send');
      assert.deepEqual(Object.keys(init.strings).sort(), [...CHAT_STRING_KEYS].sort());
    });

    it('refuses an init that lacks a page text, or whose language tag is not one', () => {
      const { send: _omitted, ...withoutSend } = strings;
      assert.equal(parseHostMessage({ ...fullInit, strings: withoutSend }), undefined);
      assert.equal(parseHostMessage({ ...fullInit, strings: { ...strings, stop: '' } }), undefined);
      assert.equal(parseHostMessage({ ...fullInit, strings: { ...strings, stop: 42 } }), undefined);
      assert.equal(parseHostMessage({ ...fullInit, strings: undefined }), undefined);
      assert.equal(parseHostMessage({ ...fullInit, locale: '"><script>' }), undefined);
    });

    it('fills numbered placeholders in page texts, leaving missing ones visible', () => {
      assert.equal(formatString('打开（{0} 条消息，{1}）', 3, 'today'), '打开（3 条消息，today）');
      assert.equal(formatString('{1} 中有 {0} 个问题', 2, 'a.ts'), 'a.ts 中有 2 个问题');
      assert.equal(formatString('Remove {0}', '$&{1}'), 'Remove $&{1}');
      assert.equal(formatString('Code block {0}'), 'Code block {0}');
    });

    it('accepts a full init and a finished turn', () => {
      const init = parseHostMessage({
        type: 'init',
        strings,
        locale: 'en',
        conversation: {
          id: 'c1',
          title: 't',
          messages: [{ id: 'q1', role: 'user', text: 'q', createdAt: 1, context: ['a.ts'] }, answer],
        },
        conversations: [{ id: 'c1', title: 't', updatedAt: 2, messageCount: 2 }],
        profiles: [{ id: 'p', description: 'model' }],
        profileId: 'p',
        chips: [{ id: 'auto-file', kind: 'file', label: 'a.ts', detail: 'src/a.ts' }],
        commands: [{ name: '/fix', description: 'Fix' }],
      });
      assert.equal(init?.type, 'init');
      assert.deepEqual(parseHostMessage({ type: 'turnEnded', requestId: 'r', status: 'complete', answer }), {
        type: 'turnEnded',
        requestId: 'r',
        status: 'complete',
        answer,
      });
    });

    it('refuses a message whose nested data is malformed', () => {
      assert.equal(
        parseHostMessage({
          type: 'turnEnded',
          requestId: 'r',
          status: 'complete',
          answer: { ...answer, role: 'system' },
        }),
        undefined,
      );
      assert.equal(
        parseHostMessage({ type: 'turnEnded', requestId: 'r', status: 'exploded', answer }),
        undefined,
      );
      assert.equal(
        parseHostMessage({ type: 'notice', requestId: 'r', notice: { kind: 'html', message: '<b>' } }),
        undefined,
      );
      assert.equal(
        parseHostMessage({ type: 'chips', chips: [{ id: 'x', kind: 'selection', label: 'a' }] }),
        undefined,
      );
      assert.equal(parseHostMessage({ type: 'delta', requestId: 'r', text: 5 }), undefined);
      assert.equal(parseHostMessage({ type: 'toast', message: 'x', level: 'fatal' }), undefined);
      assert.equal(
        parseHostMessage({
          type: 'conversations',
          conversations: [{ id: 'c', title: 't', updatedAt: 1, messageCount: -1 }],
        }),
        undefined,
      );
    });
  });
});
