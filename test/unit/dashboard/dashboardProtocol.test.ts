import assert from 'node:assert/strict';
import {
  DASHBOARD_STRING_KEYS,
  isExtensionToWebview,
  isWebviewToExtension,
  passwordMayFix,
} from '../../../src/dashboard/dashboardProtocol';
import type { WebviewToExtension } from '../../../src/dashboard/dashboardProtocol';
import { isMetricEvent } from '../../../src/dashboard/metricEvents';
import { shown } from './fixtures/eventFactory';

const filter = { from: 0, to: 86_400_000, timeZone: 'Europe/Berlin', languages: ['python'] };
const strings = Object.fromEntries(DASHBOARD_STRING_KEYS.map((key) => [key, key]));
const viewState = {
  preset: 'custom' as const,
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
      { type: 'query', requestId: 1, source: 'local', query: 'tiles', filter },
      { type: 'query', requestId: 1, source: 'team', query: 'breakdownByDeveloper', filter },
      { type: 'exportCsv', requestId: 2, source: 'local', kind: 'developer', filter },
      { type: 'exportCsv', requestId: 3, source: 'team', kind: 'dashboard', filter },
      { type: 'exportJson', requestId: 4, source: 'team', filter },
      { type: 'saveState', state: { ...viewState, preset: 'custom' } },
      { type: 'saveState', state: { ...viewState, source: 'team' } },
      { type: 'teamConnect' },
      { type: 'setTeamPassword' },
    ];
    for (const message of messages) assert.equal(isWebviewToExtension(message), true, message.type);
  });

  it('rejects requests that are malformed or name unknown queries', () => {
    const bad: unknown[] = [
      null,
      'ready',
      { type: 'query', requestId: 1, source: 'local', query: 'dropTables', filter },
      { type: 'query', requestId: -1, source: 'local', query: 'tiles', filter },
      { type: 'query', requestId: 1, source: 'local', query: 'tiles', filter: { ...filter, to: -5 } },
      { type: 'query', requestId: 1, source: 'local', query: 'tiles', filter: { ...filter, languages: [1] } },
      // Every query names its source: none, or one that does not exist, is refused.
      { type: 'query', requestId: 1, query: 'tiles', filter },
      { type: 'query', requestId: 1, source: 'cloud', query: 'tiles', filter },
      { type: 'exportCsv', requestId: 3, kind: 'dashboard', filter },
      { type: 'exportJson', requestId: 5, source: 'everyone', filter },
      { type: 'exportCsv', requestId: 3, source: 'local', kind: 'everything', filter },
      { type: 'eval', code: 'x' },
      { type: 'exportJson', requestId: 5, source: 'local' },
      { type: 'saveState', state: { ...viewState, source: 'cloud' } },
      { type: 'saveState', state: { ...viewState, preset: 'forever' } },
      { type: 'saveState', state: { ...viewState, customFrom: '1 March' } },
      { type: 'saveState', state: { ...viewState, developers: 'me' } },
    ];
    for (const message of bad) assert.equal(isWebviewToExtension(message), false, JSON.stringify(message));
  });

  it('validates what the extension sends to the page', () => {
    const values = { languages: ['go'], features: [], models: [], developers: [] };
    assert.equal(
      isExtensionToWebview({
        type: 'queryResult',
        requestId: 4,
        source: 'local',
        query: 'filterValues',
        result: values,
      }),
      true,
    );
    assert.equal(
      isExtensionToWebview({ type: 'queryResult', requestId: 4, query: 'filterValues', result: values }),
      false,
      'a result without its source',
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
        team: null,
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
        team: null,
      }),
      false,
    );
    assert.equal(isExtensionToWebview({ type: 'dataChanged' }), true);
  });

  it('offers the Team choice only with the team database named in the init message', () => {
    const init = {
      type: 'init',
      timeZone: 'UTC',
      definitions: [],
      filterValues: {},
      defaultFilter: filter,
      demo: false,
      notices: [],
      strings,
      locale: 'en',
      state: { ...viewState, source: 'team' },
      now: 1,
    };
    assert.equal(
      isExtensionToWebview({ ...init, team: { team: 'payments', database: 'db.example.com:5432/aegis' } }),
      true,
    );
    assert.equal(isExtensionToWebview({ ...init, team: null }), true);
    assert.equal(isExtensionToWebview(init), false, 'an init that does not say whether a team exists');
    assert.equal(isExtensionToWebview({ ...init, team: { team: 'payments' } }), false);
  });

  it('carries the team status: access when connected, a problem the page can explain otherwise', () => {
    const connected = {
      state: 'connected',
      isLead: false,
      minGroupSize: 5,
      filterValues: { languages: ['go'], features: ['completion'], models: ['m'], developers: [] },
    };
    assert.equal(isExtensionToWebview({ type: 'teamStatus', status: connected }), true);
    for (const problem of ['noPassword', 'authentication', 'unreachable', 'permission', 'other']) {
      assert.equal(
        isExtensionToWebview({
          type: 'teamStatus',
          status: { state: 'error', problem, headline: 'Cannot connect.', detail: 'ECONNREFUSED' },
        }),
        true,
        problem,
      );
    }
    const bad: unknown[] = [
      { ...connected, minGroupSize: 0 },
      { ...connected, isLead: 'yes' },
      { ...connected, filterValues: { languages: ['go'] } },
      { state: 'error', problem: 'gremlins', headline: 'x', detail: 'y' },
      { state: 'error', problem: 'unreachable', headline: 'x' },
      { state: 'maybe' },
    ];
    for (const status of bad) {
      assert.equal(isExtensionToWebview({ type: 'teamStatus', status }), false, JSON.stringify(status));
    }
  });

  it('offers to set the password only for problems a password can fix', () => {
    assert.equal(passwordMayFix('noPassword'), true);
    assert.equal(passwordMayFix('authentication'), true);
    assert.equal(passwordMayFix('unreachable'), true);
    // A missing reader role, a bad setting or a database never set up need the administrator instead.
    assert.equal(passwordMayFix('permission'), false);
    assert.equal(passwordMayFix('settings'), false);
    assert.equal(passwordMayFix('schema'), false);
    assert.equal(passwordMayFix('noDatabase'), false);
  });

  it('lets a developer breakdown say its rows were withheld, and checks how', () => {
    const result = (withheld: unknown): unknown => ({
      type: 'queryResult',
      requestId: 9,
      source: 'team',
      query: 'breakdownByDeveloper',
      result: { by: 'developer', rows: [], withheld },
    });
    assert.equal(isExtensionToWebview(result({ developers: 3, minGroupSize: 5 })), true);
    assert.equal(isExtensionToWebview(result(undefined)), true);
    assert.equal(isExtensionToWebview(result({ developers: -1, minGroupSize: 5 })), false);
    assert.equal(isExtensionToWebview(result({ developers: 3 })), false);
    assert.equal(isExtensionToWebview(result('hidden')), false);
  });

  it('validates spooled events before import', () => {
    const event = shown(1000, 's1', 10, 1);
    assert.equal(isMetricEvent(event), true);
    assert.equal(isMetricEvent({ ...event, shownChars: -1 }), false);
    assert.equal(isMetricEvent({ ...event, kind: 'somethingElse' }), false);
    assert.equal(isMetricEvent({ ...event, eventId: '' }), false);
    const decision = {
      ...event,
      kind: 'guardDecision',
      ruleId: 'aws-access-key',
      category: 'secret',
      direction: 'input',
      action: 'redact',
      feature: 'chat',
      matchHash: 'ab'.repeat(32),
    };
    assert.equal(isMetricEvent(decision), true);
    assert.equal(isMetricEvent({ ...decision, filePath: 'src/config.ts' }), true);
    assert.equal(
      isMetricEvent({ ...decision, filePath: 42 }),
      false,
      'a malformed path is refused, not stored',
    );
  });
});
