// Inline completion in a real extension host, against the OpenAI test server: the engine's FIM prompt
// reaches the server in the profile's dialect, the suggestion is accepted into the document, a word is
// accepted and the rest dismissed, the lifecycle and metric events arrive, a slow or failing server
// shows no error and ends every request in exactly one terminal event, a paste counts as pasted, a
// mismatched profile is pointed out once, and retention checkpoints follow edits around accepted text.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { isRequestOutcome } from '../../../src/completion/completionEvents';
import type { CompletionEvent } from '../../../src/completion/completionEvents';
import type { AegisApi } from '../../../src/extension/extension';
import { OpenAITestServer } from '../../fixtures/openaiTestServer';
import { until } from '../../support/waitFor';

const extensionId = 'aegis.aegis-code-assistant';

type Notify = (message: string, ...rest: unknown[]) => Thenable<unknown>;
type NotifyKind = 'error' | 'warning' | 'information';

describe('Inline completion in the extension host', function () {
  this.timeout(60_000);
  let api: AegisApi;
  const server = new OpenAITestServer();
  const config = () => vscode.workspace.getConfiguration('aegis');
  const shownMessages: Array<{ kind: NotifyKind; message: string }> = [];
  const originals: Partial<Record<NotifyKind, Notify>> = {};
  let spying = false;
  /** The completion profile every test starts from (its base URL is known once the server listens). */
  let hostProfile: Record<string, unknown> = {};

  /** Events that arrived after `from` (an index into the log). */
  const eventsSince = (from: number): CompletionEvent[] => api.completionEvents().slice(from);

  before(async () => {
    const extension = vscode.extensions.getExtension<AegisApi>(extensionId);
    assert.ok(extension);
    api = await extension.activate();
    await server.start();
    hostProfile = {
      id: 'host-completion',
      baseUrl: server.baseUrl,
      model: 'host-coder',
      apiStyle: 'completions',
      fimDialect: 'qwen',
      timeoutMs: 5_000,
    };
    await config().update('models', [hostProfile], vscode.ConfigurationTarget.Global);
    await config().update('features.completion', 'host-completion', vscode.ConfigurationTarget.Global);
    await until(
      () => api.statusText(),
      (t) => t.includes('host-coder'),
      'the completion profile',
    );
    // Every notification the extension shows passes through vscode.window; record them.
    const window = vscode.window as unknown as Record<string, Notify>;
    for (const kind of ['error', 'warning', 'information'] as const) {
      const name = `show${kind[0]?.toUpperCase()}${kind.slice(1)}Message`;
      const original = window[name];
      if (original === undefined) continue;
      try {
        window[name] = (message: string, ...rest: unknown[]) => {
          shownMessages.push({ kind, message });
          return original.call(vscode.window, message, ...rest);
        };
        originals[kind] = original;
        spying = window[name] !== original;
      } catch {
        spying = false;
      }
    }
  });

  after(async () => {
    const window = vscode.window as unknown as Record<string, Notify>;
    for (const [kind, original] of Object.entries(originals)) {
      window[`show${kind[0]?.toUpperCase()}${kind.slice(1)}Message`] = original;
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await config().update('models', undefined, vscode.ConfigurationTarget.Global);
    await config().update('features.completion', undefined, vscode.ConfigurationTarget.Global);
    await server.stop();
  });

  beforeEach(() => {
    server.reset();
  });

  async function openAt(content: string, marker = '<|cursor|>'): Promise<vscode.TextEditor> {
    const at = content.indexOf(marker);
    const document = await vscode.workspace.openTextDocument({
      language: 'typescript',
      content: content.replace(marker, ''),
    });
    const position = document.positionAt(at);
    // The cursor is placed as the editor opens: the editor asks for a suggestion right away.
    return vscode.window.showTextDocument(document, { selection: new vscode.Range(position, position) });
  }

  /** The suggestion on screen once every request so far has ended (the last one shown). */
  async function shownSuggestion(from: number) {
    await until(
      () => eventsSince(from),
      (events) =>
        events.some((e) => e.type === 'shown') &&
        events.filter(isRequestOutcome).length >= completionRequests().length,
      'the suggestion to be shown',
    );
    return eventsSince(from)
      .filter((e) => e.type === 'shown')
      .pop();
  }

  function completionRequests() {
    return server.requests.filter((r) => r.path === '/v1/completions');
  }

  it('registers the provider and sends the FIM prompt in the profile dialect', async () => {
    assert.equal(api.completionStats().providerRegistered, true);
    server.setDefault({ text: 'a + b;' });
    const from = api.completionEvents().length;
    const editor = await openAt(
      'export function add(a: number, b: number): number {\n  return <|cursor|>\n}\n',
    );
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    // The first request loads the engine, the SDK and the grammars: allow for a slow, loaded machine.
    await until(
      () => completionRequests().length,
      (n) => n > 0,
      'the completion request',
      45_000,
    );
    const body = completionRequests()[0]?.body as { prompt: string; suffix?: string; stop: string[] };
    assert.equal(body.suffix, undefined, 'qwen sends a raw FIM prompt, not a suffix field');
    const prefixAt = body.prompt.indexOf('<|fim_prefix|>');
    const suffixAt = body.prompt.indexOf('<|fim_suffix|>');
    const middleAt = body.prompt.indexOf('<|fim_middle|>');
    assert.ok(prefixAt >= 0 && prefixAt < suffixAt && suffixAt < middleAt, body.prompt);
    assert.ok(
      body.prompt
        .slice(prefixAt, suffixAt)
        .includes('export function add(a: number, b: number): number {\n  return '),
    );
    assert.ok(body.prompt.slice(suffixAt, middleAt).startsWith('<|fim_suffix|>\n}'), body.prompt);
    assert.ok(
      body.stop.includes('<|endoftext|>') || body.stop.includes('<|fim_pad|>'),
      JSON.stringify(body.stop),
    );

    const shown = await shownSuggestion(from);
    assert.ok(shown?.type === 'shown');
    await vscode.commands.executeCommand('editor.action.inlineSuggest.commit');
    await until(
      () => editor.document.getText(),
      (t) => t.includes('  return a + b;\n}'),
      'the accepted text',
    );
    const accepted = await until(
      () => eventsSince(from).find((e) => e.type === 'accepted'),
      (e) => e !== undefined,
      'the accepted event',
    );
    assert.ok(accepted?.type === 'accepted');
    assert.equal(accepted.suggestionId, shown.suggestionId);
    assert.equal(accepted.chars, 'a + b;'.length);
    assert.deepEqual(
      eventsSince(from)
        .filter(isRequestOutcome)
        .map((e) => e.type),
      ['produced'],
    );

    const metrics = api.completionMetrics();
    assert.ok(metrics.some((m) => m.kind === 'suggestionShown' && m.suggestionId === shown.suggestionId));
    assert.ok(
      metrics.some(
        (m) =>
          m.kind === 'suggestionAccepted' &&
          m.suggestionId === shown.suggestionId &&
          !m.partial &&
          m.acceptedChars === 6,
      ),
    );
    assert.ok(
      metrics.some(
        (m) =>
          m.kind === 'charsAdded' && m.source === 'completion' && m.chars >= 6 && m.model === 'host-coder',
      ),
      JSON.stringify(metrics.filter((m) => m.kind === 'charsAdded')),
    );
    // The grammar came from the extension's bundled wasm folder, on first use.
    await until(
      () => api.completionStats().parses?.full ?? 0,
      (n) => n > 0,
      'a tree-sitter parse',
    );
  });

  it('accepts the next word with its own command, then dismisses the rest with Escape', async () => {
    server.setDefault({ text: 'total = price * count;' });
    const from = api.completionEvents().length;
    const editor = await openAt(
      'function cost(price: number, count: number): number {\n  let total = 0;\n  <|cursor|>\n  return total;\n}\n',
    );
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    const shown = await shownSuggestion(from);
    assert.ok(shown?.type === 'shown');
    await vscode.commands.executeCommand('aegis.completion.acceptNextWord');
    const partial = await until(
      () => eventsSince(from).find((e) => e.type === 'partiallyAccepted'),
      (e) => e !== undefined,
      'the partial acceptance',
    );
    assert.ok(partial?.type === 'partiallyAccepted');
    assert.equal(partial.suggestionId, shown.suggestionId, JSON.stringify(eventsSince(from)));
    assert.equal(partial.kind, 'word');
    const line = editor.document.lineAt(2).text;
    assert.ok(line.startsWith('  total') && line.length - 2 === partial.acceptedLength, JSON.stringify(line));

    await vscode.commands.executeCommand('aegis.completion.hide');
    const dismissed = await until(
      () => eventsSince(from).find((e) => e.type === 'dismissed' && e.suggestionId === shown.suggestionId),
      (e) => e !== undefined,
      'the dismissal',
    );
    assert.ok(dismissed?.type === 'dismissed');
    assert.equal(dismissed.reason, 'escape', JSON.stringify(eventsSince(from)));
    assert.equal(editor.document.lineAt(2).text, line, 'Escape inserts nothing');
    const metrics = api.completionMetrics();
    assert.ok(
      metrics.some(
        (m) => m.kind === 'suggestionAccepted' && m.partial && m.acceptedChars === partial.acceptedLength,
      ),
    );
    assert.ok(metrics.some((m) => m.kind === 'suggestionDismissed' && m.suggestionId === shown.suggestionId));
  });

  /** Terminal events since `from`, checked to be one per request id. */
  function terminalEvents(from: number) {
    const ends = eventsSince(from).filter(isRequestOutcome);
    const ids = ends.map((e) => e.requestId);
    assert.equal(new Set(ids).size, ids.length, `a request ended twice: ${JSON.stringify(ends)}`);
    return ends;
  }

  it('with a slow server, ends a superseded request once and shows no notification', async () => {
    const before = shownMessages.length;
    // The first request would be answered only after ten minutes, so its connection can close early only
    // because the client aborted it: on a loaded machine the edit below may come seconds after the
    // request, and a 1.5 s answer would have finished first. The profile's watchdog (no first byte
    // within timeoutMs) is lengthened for the same reason: only the supersede may end that request.
    server.enqueue({ text: 'value * 2;', latencyMs: 600_000 });
    server.setDefault({ text: 'value * 2;', latencyMs: 1_500 });
    await config().update(
      'models',
      [{ ...hostProfile, timeoutMs: 120_000 }],
      vscode.ConfigurationTarget.Global,
    );
    try {
      const from = api.completionEvents().length;
      const editor = await openAt('function twice(value: number): number {\n  return  <|cursor|>\n}\n');
      // The trigger command resolves only when the suggestions have arrived: not awaited here.
      const triggered = vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
      await until(
        () => completionRequests().length,
        (n) => n >= 1,
        'the slow request',
      );
      // Nothing but the edit below may end it (not a profile change, not a timeout).
      assert.equal(completionRequests()[0]?.closedEarly, false, 'the slow request is still open');
      assert.deepEqual(terminalEvents(from), [], 'the slow request has not ended');
      // Deleting before the cursor changes the text the request was for: it is superseded.
      const cursor = editor.selection.active;
      await editor.edit((b) => b.delete(new vscode.Range(cursor.translate(0, -1), cursor)));
      await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
      await until(
        () => terminalEvents(from).length,
        (n) => n >= 2,
        'both requests to end',
        15_000,
      );
      await triggered;
      // Waits for every response to finish or be closed: a request left open would hang here.
      await server.settled();
      const ends = terminalEvents(from);
      assert.equal(ends.length, completionRequests().length, JSON.stringify(ends));
      assert.equal(ends[0]?.type, 'cancelled', JSON.stringify(eventsSince(from)));
      assert.ok(completionRequests()[0]?.closedEarly, 'the superseded HTTP request was aborted');
      if (spying) assert.deepEqual(shownMessages.slice(before), []);
    } finally {
      await config().update('models', [hostProfile], vscode.ConfigurationTarget.Global);
    }
  });

  it('with a failing server (500s, then unreachable), shows no error and ends each request once', async () => {
    assert.ok(spying, 'the notifications the extension shows can be observed');
    const before = shownMessages.length;
    server.setDefault({ status: 500 });
    const from = api.completionEvents().length;
    const editor = await openAt('const answer = <|cursor|>\n');
    for (let i = 0; i < 3; i++) {
      await editor.edit((b) => b.insert(editor.selection.active, String(i)));
      await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
      await until(
        () => terminalEvents(from).length,
        (n) => n > i,
        `request ${i + 1} to end`,
        15_000,
      );
    }
    assert.ok(terminalEvents(from).every((e) => e.type === 'failed' || e.type === 'cancelled'));
    assert.ok(terminalEvents(from).some((e) => e.type === 'failed'));

    await server.stop();
    try {
      const fromDown = api.completionEvents().length;
      for (let i = 0; i < 3; i++) {
        await editor.edit((b) => b.insert(editor.selection.active, String(i)));
        await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
        await until(
          () => terminalEvents(fromDown).length,
          (n) => n > i,
          `unreachable request ${i + 1} to end`,
          20_000,
        );
      }
      assert.ok(terminalEvents(fromDown).every((e) => e.type === 'failed' || e.type === 'cancelled'));
    } finally {
      await server.start();
    }
    assert.equal(editor.document.getText(), 'const answer = 012012\n', 'nothing was inserted');
    if (spying) {
      const shown = shownMessages.slice(before);
      assert.deepEqual(
        shown.filter((m) => m.kind === 'error'),
        [],
        'no error popups',
      );
      // The status bar announces an unreachable endpoint once, as a warning with ways to fix it.
      assert.ok(shown.filter((m) => m.kind === 'warning').length <= 1, JSON.stringify(shown));
      assert.ok(
        shown.every((m) => m.kind !== 'warning' || /cannot reach the model endpoint/.test(m.message)),
      );
    }
  });

  it('records a paste as pasted characters, neither typed nor accepted', async () => {
    server.setDefault({ text: '' });
    const editor = await openAt('const greeting = <|cursor|>;\n');
    const pasted = "'hello from the clipboard'";
    await vscode.env.clipboard.writeText(pasted);
    const metricsFrom = api.completionMetrics().length;
    await vscode.commands.executeCommand('editor.action.clipboardPasteAction');
    await until(
      () => editor.document.getText(),
      (t) => t.includes(pasted),
      'the pasted text',
    );
    const added = await until(
      () =>
        api
          .completionMetrics()
          .slice(metricsFrom)
          .filter((m) => m.kind === 'charsAdded'),
      (list) => list.length > 0,
      'the counted characters',
    );
    assert.deepEqual(
      added.map((m) => (m.kind === 'charsAdded' ? [m.source, m.chars] : [])),
      [['pasted', pasted.length]],
    );
  });

  it('points out a chat model on a raw FIM profile and echoed FIM tokens, each once, with the fix', async () => {
    assert.ok(spying, 'the notifications the extension shows can be observed');
    const before = shownMessages.length;
    // Both profiles exist while the feature switches, so no setting is ever invalid.
    await config().update(
      'models',
      [hostProfile, { ...hostProfile, id: 'host-hints', model: 'host-coder-instruct' }],
      vscode.ConfigurationTarget.Global,
    );
    await config().update('features.completion', 'host-hints', vscode.ConfigurationTarget.Global);
    try {
      // The server answers as a StarCoder-style model behind a qwen profile would: its own FIM sentinel
      // comes back as text (a qwen sentinel would have been cut by the server at the stop list).
      server.setDefault({ text: 'a * b;<fim_middle>a * b;' });
      const editor = await openAt('function times(a: number, b: number): number {\n  return <|cursor|>\n}\n');
      for (let i = 0; i < 3; i++) {
        const from = api.completionEvents().length;
        await editor.edit((b) => b.insert(editor.selection.active, ' '));
        await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
        await until(
          () => eventsSince(from).filter(isRequestOutcome).length,
          (n) => n > 0,
          `request ${i + 1} to end`,
        );
      }
      const warnings = () => shownMessages.slice(before).filter((m) => m.kind === 'warning');
      await until(
        () => warnings().length,
        (n) => n >= 2,
        'both hints',
      );
      const chat = warnings().filter((m) => m.message.includes('looks like a chat or instruct model'));
      const echoed = warnings().filter((m) => m.message.includes('returned fill-in-the-middle tokens'));
      assert.equal(chat.length, 1, JSON.stringify(warnings()));
      assert.equal(echoed.length, 1, JSON.stringify(warnings()));
      assert.ok(
        chat[0]?.message.includes('host-coder-instruct') && chat[0].message.includes('base or coder model'),
      );
      assert.ok(echoed[0]?.message.includes('"qwen"') && echoed[0].message.includes('Set the dialect'));
      assert.match(api.statusText(), /\$\(lightbulb\)/, 'the status bar keeps pointing at the fix');
    } finally {
      await config().update('features.completion', 'host-completion', vscode.ConfigurationTarget.Global);
      await config().update('models', [hostProfile], vscode.ConfigurationTarget.Global);
    }
    await until(
      () => api.statusText(),
      (text) => !text.includes('$(lightbulb)'),
      'the advice to leave the status bar with the profile it was about',
    );
  });

  it('checks retention at its checkpoints, following edits above and inside the accepted text', async () => {
    // The checkpoints are read at each acceptance: seconds here instead of 30 s and minutes.
    process.env.AEGIS_TEST_RETENTION_CHECKPOINTS_MS = '1000,8000';
    try {
      const accepted = 'price * count;';
      server.setDefault({ text: accepted });
      const from = api.completionEvents().length;
      const editor = await openAt(
        'function cost(price: number, count: number): number {\n  return <|cursor|>\n}\n',
      );
      await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
      const shown = await shownSuggestion(from);
      assert.ok(shown?.type === 'shown');
      await vscode.commands.executeCommand('editor.action.inlineSuggest.commit');
      await until(
        () => editor.document.getText(),
        (t) => t.includes(`return ${accepted}`),
        'the accepted text',
      );
      // Lines added above move the accepted text without touching it.
      await editor.edit((b) => b.insert(new vscode.Position(0, 0), '// cost of an order\n// in cents\n'));
      const retention = (checkpointMs: number) =>
        eventsSince(from).find(
          (e) =>
            e.type === 'retention' &&
            e.suggestionId === shown.suggestionId &&
            e.checkpointMs === checkpointMs,
        );
      const first = await until(
        () => retention(1000),
        (e) => e !== undefined,
        'the first retention checkpoint',
      );
      assert.ok(first?.type === 'retention');
      assert.equal(first.share, 1, JSON.stringify(first));
      // Then the person rewrites part of it: "count" becomes "m" (no letter in common, so exactly 5 are lost).
      const line = editor.document.lineAt(3);
      const at = line.text.indexOf('count;');
      assert.ok(at > 0, line.text);
      await editor.edit((b) => b.replace(new vscode.Range(3, at, 3, at + 'count'.length), 'm'));
      const second = await until(
        () => retention(8000),
        (e) => e !== undefined,
        'the second retention checkpoint',
        45_000,
      );
      assert.ok(second?.type === 'retention');
      assert.equal(second.acceptedChars, accepted.length);
      assert.equal(second.survivingChars, accepted.length - 'count'.length);
      assert.equal(second.share, (accepted.length - 'count'.length) / accepted.length);
    } finally {
      delete process.env.AEGIS_TEST_RETENTION_CHECKPOINTS_MS;
    }
  });
});
