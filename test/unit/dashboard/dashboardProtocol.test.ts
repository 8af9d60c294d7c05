import assert from 'node:assert/strict';
import {
  DASHBOARD_STRING_KEYS,
  isExtensionToWebview,
  isWebviewToExtension,
} from '../../../src/dashboard/dashboardProtocol';
import type { WebviewToExtension } from '../../../src/dashboard/dashboardProtocol';
import { isMetricEvent } from '../../../src/dashboard/metricEvents';
import { shown } from './fixtures/eventFactory';

const filter = { from: 0, to: 86_400_000, timeZone: 'Europe/Berlin', languages: ['python'] };
const strings = Object.fromEntries(DASHBOARD_STRING_KEYS.map((key) => [key, key]));
const viewState = {
  preset: 'custom',
  customFrom: '2025-03-01',
  customTo: '2025-03-09',
  languages: ['go'],
  features: [],
  models: [],
  developers: [],
};

describe('dashboard webview protocol', () => {
  it('accepts well-formed requests from the page', () => {
    const messages: WebviewToExtension[] = [
      { type: 'ready' },
      { type: 'query', requestId: 1, query: 'tiles', filter },
      { type: 'exportCsv', requestId: 2, kind: 'developer', filter },
      { type: 'exportCsv', requestId: 3, kind: 'dashboard', filter },
      { type: 'exportJson', requestId: 4, filter },
      { type: 'saveState', state: { ...viewState, preset: 'custom' } },
    ];
    for (const message of messages) assert.equal(isWebviewToExtension(message), true, message.type);
  });

  it('rejects requests that are malformed or name unknown queries', () => {
    const bad: unknown[] = [
      null,
      'ready',
      { type: 'query', requestId: 1, query: 'dropTables', filter },
      { type: 'query', requestId: -1, query: 'tiles', filter },
      { type: 'query', requestId: 1, query: 'tiles', filter: { ...filter, to: -5 } },
      { type: 'query', requestId: 1, query: 'tiles', filter: { ...filter, languages: [1] } },
      { type: 'exportCsv', requestId: 3, kind: 'everything', filter },
      { type: 'eval', code: 'x' },
      { type: 'exportJson', requestId: 5 },
      { type: 'saveState', state: { ...viewState, preset: 'forever' } },
      { type: 'saveState', state: { ...viewState, customFrom: '1 March' } },
      { type: 'saveState', state: { ...viewState, developers: 'me' } },
    ];
    for (const message of bad) assert.equal(isWebviewToExtension(message), false, JSON.stringify(message));
  });

  it('validates what the extension sends to the page', () => {
    assert.equal(
      isExtensionToWebview({ type: 'queryResult', requestId: 4, query: 'filterValues', result: {} }),
      true,
    );
    assert.equal(isExtensionToWebview({ type: 'requestError', requestId: 4, message: 'bad zone' }), true);
    assert.equal(isExtensionToWebview({ type: 'requestError', requestId: '4', message: 'bad zone' }), false);
    assert.equal(
      isExtensionToWebview({
        type: 'init',
        timeZone: 'UTC',
        definitions: [],
        filterValues: {},
        defaultFilter: filter,
        demo: false,
        notices: [],
        strings,
        locale: 'zh-cn',
        state: viewState,
        now: 1,
      }),
      true,
    );
    assert.equal(isExtensionToWebview({ type: 'init', timeZone: 'UTC' }), false);
    // A page without one of its texts would show a blank label: refused.
    const { title: _title, ...missingTitle } = strings;
    assert.equal(
      isExtensionToWebview({
        type: 'init',
        timeZone: 'UTC',
        definitions: [],
        filterValues: {},
        defaultFilter: filter,
        demo: false,
        notices: [],
        strings: missingTitle,
        locale: 'en',
        state: null,
        now: 1,
      }),
      false,
    );
    assert.equal(isExtensionToWebview({ type: 'dataChanged' }), true);
  });

  it('validates spooled events before import', () => {
    const event = shown(1000, 's1', 10, 1);
    assert.equal(isMetricEvent(event), true);
    assert.equal(isMetricEvent({ ...event, shownChars: -1 }), false);
    assert.equal(isMetricEvent({ ...event, kind: 'somethingElse' }), false);
    assert.equal(isMetricEvent({ ...event, eventId: '' }), false);
  });
});
