// Validation of the aegis.models and aegis.features settings: what is kept, dropped and reported.

import assert from 'node:assert/strict';
import { DEFAULT_FEATURES, DEFAULT_PROFILE, parseModelSettings } from '../../../src/model/profiles';
import type { SettingProblem } from '../../../src/model/profiles';

const vllm = {
  id: 'vllm-starcoder',
  baseUrl: 'https://llm.internal.example.com/v1/',
  model: 'bigcode/starcoder2-15b',
  apiStyle: 'completions',
  fimDialect: 'starcoder',
  contextWindow: 16384,
  maxTokens: 128,
  temperature: 0.1,
  headers: { 'X-Tenant': 'payments' },
  timeoutMs: 10_000,
};
const chat = {
  id: 'gateway-chat',
  baseUrl: 'http://10.0.0.5:8000/v1',
  model: 'qwen2.5-coder-32b-instruct',
  apiStyle: 'chat',
};

function keys(problems: SettingProblem[]): string[] {
  return problems.map((p) => p.key);
}

function problemAt(problems: SettingProblem[], key: string): SettingProblem {
  const problem = problems.find((p) => p.key === key);
  assert.ok(problem, `expected a problem at ${key}, got ${JSON.stringify(keys(problems))}`);
  return problem;
}

describe('parseModelSettings', () => {
  it('uses the local Ollama default when nothing is configured', () => {
    const { settings, problems } = parseModelSettings({ models: undefined, features: undefined });
    assert.deepEqual(problems, []);
    assert.deepEqual(settings.profiles, [{ ...DEFAULT_PROFILE, headers: {} }]);
    assert.deepEqual(settings.features, DEFAULT_FEATURES);
    assert.equal(settings.profiles[0]?.baseUrl, 'http://localhost:11434/v1');
    assert.equal(settings.profiles[0]?.model, 'qwen2.5-coder:7b-base');
    assert.equal(settings.features.completion, 'ollama-qwen');
  });

  it('keeps valid profiles, normalises the base URL and fills defaults for omitted fields', () => {
    const { settings, problems } = parseModelSettings({
      models: [vllm, chat],
      features: { completion: 'vllm-starcoder', chat: 'gateway-chat' },
    });
    assert.deepEqual(problems, []);
    assert.equal(settings.profiles.length, 2);
    assert.equal(settings.profiles[0]?.baseUrl, 'https://llm.internal.example.com/v1');
    assert.deepEqual(settings.profiles[0]?.headers, { 'X-Tenant': 'payments' });
    const second = settings.profiles[1];
    assert.equal(second?.apiStyle, 'chat');
    assert.equal(second?.fimDialect, 'none');
    assert.equal(second?.maxTokens, DEFAULT_PROFILE.maxTokens);
    assert.equal(second?.timeoutMs, DEFAULT_PROFILE.timeoutMs);
    assert.deepEqual(settings.features, {
      completion: 'vllm-starcoder',
      chat: 'gateway-chat',
      tests: 'vllm-starcoder',
      diagnosis: 'vllm-starcoder',
    });
  });

  it('drops a profile whose id repeats an earlier one', () => {
    const { settings, problems } = parseModelSettings({
      models: [vllm, { ...chat, id: 'vllm-starcoder' }],
      features: undefined,
    });
    assert.deepEqual(
      settings.profiles.map((p) => p.model),
      ['bigcode/starcoder2-15b'],
    );
    const problem = problemAt(problems, 'aegis.models[1].id');
    assert.equal(problem.code, 'duplicate-id');
    assert.deepEqual(problem.params, { id: 'vllm-starcoder' });
    assert.match(problem.message, /already used/);
    assert.equal(problemAt(problems, 'aegis.models[1]').code, 'profile-dropped');
  });

  it('refuses base URLs that are not http(s) or carry credentials', () => {
    for (const baseUrl of ['ftp://host/v1', 'localhost:11434', 'https://user:secret@host/v1', '']) {
      const { settings, problems } = parseModelSettings({
        models: [vllm, { ...chat, baseUrl }],
        features: undefined,
      });
      assert.equal(settings.profiles.length, 1, `${baseUrl} is refused`);
      assert.equal(problemAt(problems, 'aegis.models[1].baseUrl').severity, 'error');
      assert.ok(!JSON.stringify(problems).includes('secret'), 'credentials in the URL are not quoted back');
    }
  });

  it('refuses an Authorization header in whatever case, pointing at secure key storage', () => {
    const { settings, problems } = parseModelSettings({
      models: [{ ...vllm, headers: { authorization: 'Bearer sk-live' } }],
      features: undefined,
    });
    const problem = problemAt(problems, 'aegis.models[0].headers.authorization');
    assert.equal(problem.code, 'refused-header');
    assert.match(problem.message, /API key/);
    assert.equal(
      settings.profiles[0]?.id,
      DEFAULT_PROFILE.id,
      'the profile is not used with the header silently removed',
    );
    assert.ok(!JSON.stringify(problems).includes('sk-live'), 'the secret is not echoed back');
  });

  it('refuses header values that would split the request', () => {
    const { problems } = parseModelSettings({
      models: [{ ...vllm, headers: { 'X-Tenant': 'a\r\nHost: evil' } }],
      features: undefined,
    });
    assert.equal(problemAt(problems, 'aegis.models[0].headers.X-Tenant').code, 'invalid-header');
  });

  it('checks numeric ranges and whole numbers', () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ maxTokens: 0 }, 'maxTokens', 'out-of-range'],
      [{ maxTokens: 12.5 }, 'maxTokens', 'not-an-integer'],
      [{ temperature: 3 }, 'temperature', 'out-of-range'],
      [{ temperature: '0.2' }, 'temperature', 'wrong-type'],
      [{ timeoutMs: 30 }, 'timeoutMs', 'out-of-range'],
      [{ contextWindow: 4096, maxTokens: 4096 }, 'maxTokens', 'out-of-range'],
    ];
    for (const [change, field, code] of cases) {
      const { settings, problems } = parseModelSettings({
        models: [{ ...vllm, ...change }],
        features: undefined,
      });
      assert.equal(problemAt(problems, `aegis.models[0].${field}`).code, code, JSON.stringify(change));
      assert.equal(settings.profiles[0]?.id, DEFAULT_PROFILE.id);
    }
  });

  it('says which values are allowed for an unknown FIM dialect', () => {
    const { problems } = parseModelSettings({
      models: [{ ...vllm, fimDialect: 'starcoder2' }],
      features: undefined,
    });
    const problem = problemAt(problems, 'aegis.models[0].fimDialect');
    assert.equal(problem.code, 'invalid-choice');
    assert.match(
      problem.message,
      /"starcoder2" is not one of qwen, starcoder, deepseek, codellama, codestral, suffix, none/,
    );
  });

  it('reports missing required fields', () => {
    const { problems } = parseModelSettings({ models: [{ id: 'x' }], features: undefined });
    assert.deepEqual(
      problems.filter((p) => p.code === 'missing').map((p) => p.key),
      ['aegis.models[0].model', 'aegis.models[0].baseUrl'],
    );
  });

  it('warns about unknown fields but keeps the profile', () => {
    const { settings, problems } = parseModelSettings({
      models: [{ ...vllm, maxToken: 64 }],
      features: undefined,
    });
    assert.equal(settings.profiles[0]?.id, 'vllm-starcoder');
    const problem = problemAt(problems, 'aegis.models[0].maxToken');
    assert.equal(problem.code, 'unknown-field');
    assert.equal(problem.severity, 'warning');
  });

  it('falls back to the first valid profile when a feature names an unknown one', () => {
    const { settings, problems } = parseModelSettings({
      models: [{ ...chat, baseUrl: 'nope' }, vllm],
      features: { chat: 'gateway-chat' },
    });
    assert.equal(settings.features.chat, 'vllm-starcoder');
    const problem = problemAt(problems, 'aegis.features.chat');
    assert.equal(problem.code, 'unknown-profile');
    assert.deepEqual(problem.params, {
      feature: 'chat',
      profile: 'gateway-chat',
      fallback: 'vllm-starcoder',
    });
    assert.match(problem.message, /using "vllm-starcoder" instead/);
  });

  it('uses the default profile when nothing valid remains', () => {
    const { settings, problems } = parseModelSettings({
      models: [{ ...vllm, baseUrl: 'x' }, 'not a profile'],
      features: { completion: 'vllm-starcoder' },
    });
    assert.deepEqual(
      settings.profiles.map((p) => p.id),
      ['ollama-qwen'],
    );
    assert.equal(settings.features.completion, 'ollama-qwen');
    assert.equal(problemAt(problems, 'aegis.models[1]').code, 'not-an-object');
    assert.equal(problemAt(problems, 'aegis.models').code, 'using-default');
  });

  it('reports a models setting that is not a list', () => {
    const { settings, problems } = parseModelSettings({ models: { id: 'x' }, features: undefined });
    assert.equal(problemAt(problems, 'aegis.models').code, 'not-a-list');
    assert.equal(settings.profiles[0]?.id, 'ollama-qwen');
  });

  it('warns about features that do not exist', () => {
    const { problems } = parseModelSettings({ models: [vllm], features: { completions: 'vllm-starcoder' } });
    const problem = problemAt(problems, 'aegis.features.completions');
    assert.equal(problem.code, 'unknown-feature');
    assert.match(problem.message, /completion, chat, tests, diagnosis/);
  });

  it('gives every problem a stable code, its parameters and an English sentence', () => {
    const { problems } = parseModelSettings({
      models: [
        { id: '', baseUrl: 1, model: 'm', temperature: -1, headers: { Authorization: 'x' }, extra: true },
      ],
      features: { chat: 'missing' },
    });
    assert.ok(problems.length >= 5);
    for (const problem of problems) {
      assert.match(problem.code, /^[a-z-]+$/);
      assert.equal(typeof problem.params, 'object');
      assert.ok(problem.message.startsWith(problem.key), problem.message);
      assert.match(problem.message, /[.]$/);
    }
  });
});
