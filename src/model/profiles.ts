// The model settings: what a profile is, which profile each feature uses, and the validation that turns
// raw `aegis.models` / `aegis.features` values into settings that are safe to use, with problems a person
// can act on. Pure: the extension reads the raw values from VS Code and shows the problems.

export type ApiStyle = 'completions' | 'chat';
export type FimDialect = 'qwen' | 'starcoder' | 'deepseek' | 'codellama' | 'codestral' | 'suffix' | 'none';
export type Feature = 'completion' | 'chat' | 'tests' | 'diagnosis';

export const API_STYLES: readonly ApiStyle[] = ['completions', 'chat'];
export const FIM_DIALECTS: readonly FimDialect[] = [
  'qwen',
  'starcoder',
  'deepseek',
  'codellama',
  'codestral',
  'suffix',
  'none',
];
export const FEATURES: readonly Feature[] = ['completion', 'chat', 'tests', 'diagnosis'];

export interface ModelProfile {
  /** Stable name that features and SecretStorage keys refer to. */
  id: string;
  /** OpenAI-compatible base URL including the version segment, without a trailing slash. */
  baseUrl: string;
  model: string;
  apiStyle: ApiStyle;
  fimDialect: FimDialect;
  /** Tokens the model accepts in total (prompt + answer). */
  contextWindow: number;
  /** Upper bound for the answer, in tokens. */
  maxTokens: number;
  temperature: number;
  /** Extra headers sent with every request (gateways, tenants). Never credentials. */
  headers: Record<string, string>;
  /** Time allowed for the first byte and for each silence between streamed chunks. */
  timeoutMs: number;
}

export interface ModelSettings {
  profiles: ModelProfile[];
  features: Record<Feature, string>;
}

export type SettingProblemCode =
  | 'not-a-list'
  | 'not-an-object'
  | 'missing'
  | 'wrong-type'
  | 'empty'
  | 'duplicate-id'
  | 'invalid-url'
  | 'invalid-choice'
  | 'out-of-range'
  | 'not-an-integer'
  | 'refused-header'
  | 'invalid-header'
  | 'unknown-field'
  | 'unknown-feature'
  | 'unknown-profile'
  | 'profile-dropped'
  | 'using-default';

export interface SettingProblem {
  /** The setting path the user has to edit, e.g. `aegis.models[1].baseUrl` or `aegis.features.chat`. */
  key: string;
  /** Stable identifier so the extension can localize the message. */
  code: SettingProblemCode;
  params: Record<string, string | number>;
  /** English text, complete on its own. */
  message: string;
  /** `error`: the value was not used. `warning`: it was ignored or replaced but the rest still works. */
  severity: 'error' | 'warning';
}

export const DEFAULT_PROFILE: Readonly<ModelProfile> = Object.freeze({
  id: 'ollama-qwen',
  baseUrl: 'http://localhost:11434/v1',
  model: 'qwen2.5-coder:7b-base',
  apiStyle: 'completions',
  fimDialect: 'qwen',
  contextWindow: 8192,
  maxTokens: 256,
  temperature: 0.2,
  headers: Object.freeze({}) as Record<string, string>,
  timeoutMs: 30_000,
});

export const DEFAULT_FEATURES: Readonly<Record<Feature, string>> = Object.freeze({
  completion: DEFAULT_PROFILE.id,
  chat: DEFAULT_PROFILE.id,
  tests: DEFAULT_PROFILE.id,
  diagnosis: DEFAULT_PROFILE.id,
});

/** Ranges wide enough for any real deployment, narrow enough to catch typos (a timeout in seconds, say). */
export const LIMITS = {
  contextWindow: { min: 256, max: 2_097_152 },
  maxTokens: { min: 1, max: 131_072 },
  temperature: { min: 0, max: 2 },
  timeoutMs: { min: 500, max: 600_000 },
} as const;

// Credentials belong in SecretStorage; a header that carries one would end up in settings.json, which is
// often committed or synced. Host and Content-Length would break the request itself.
const REFUSED_HEADERS = new Set(['authorization', 'proxy-authorization', 'host', 'content-length']);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const KNOWN_FIELDS = new Set([
  'id',
  'baseUrl',
  'model',
  'apiStyle',
  'fimDialect',
  'contextWindow',
  'maxTokens',
  'temperature',
  'headers',
  'timeoutMs',
]);

export interface RawModelSettings {
  models: unknown;
  features: unknown;
}

export interface ParsedModelSettings {
  settings: ModelSettings;
  problems: SettingProblem[];
}

type ProblemSink = (
  key: string,
  code: SettingProblemCode,
  params: Record<string, string | number>,
  severity?: 'error' | 'warning',
) => void;

export function parseModelSettings(raw: RawModelSettings): ParsedModelSettings {
  const problems: SettingProblem[] = [];
  const report: ProblemSink = (key, code, params, severity = 'error') => {
    problems.push({ key, code, params, message: describeProblem(key, code, params), severity });
  };

  const profiles = parseProfiles(raw.models, report);
  const features = parseFeatures(raw.features, profiles, report);
  return { settings: { profiles, features }, problems };
}

function parseProfiles(models: unknown, report: ProblemSink): ModelProfile[] {
  if (models === undefined || models === null) return [copyDefault()];
  if (!Array.isArray(models)) {
    report('aegis.models', 'not-a-list', {});
    report('aegis.models', 'using-default', { profile: DEFAULT_PROFILE.id }, 'warning');
    return [copyDefault()];
  }
  const profiles: ModelProfile[] = [];
  const seen = new Set<string>();
  models.forEach((entry: unknown, index) => {
    const key = `aegis.models[${index}]`;
    const before = countingSink(report);
    const { id, profile } = parseProfile(entry, key, before.sink);
    if (id !== undefined && seen.has(id)) {
      before.sink(`${key}.id`, 'duplicate-id', { id });
    }
    if (!profile || before.errors() > 0) {
      report(key, 'profile-dropped', { index, id: id ?? '' }, 'warning');
      return;
    }
    seen.add(profile.id);
    profiles.push(profile);
  });
  if (profiles.length === 0) {
    if (models.length > 0)
      report('aegis.models', 'using-default', { profile: DEFAULT_PROFILE.id }, 'warning');
    return [copyDefault()];
  }
  return profiles;
}

function countingSink(report: ProblemSink): { sink: ProblemSink; errors: () => number } {
  let errors = 0;
  return {
    sink: (key, code, params, severity = 'error') => {
      if (severity === 'error') errors++;
      report(key, code, params, severity);
    },
    errors: () => errors,
  };
}

function parseProfile(
  entry: unknown,
  key: string,
  report: ProblemSink,
): { id: string | undefined; profile: ModelProfile | undefined } {
  if (!isPlainObject(entry)) {
    report(key, 'not-an-object', {});
    return { id: undefined, profile: undefined };
  }
  for (const field of Object.keys(entry)) {
    if (!KNOWN_FIELDS.has(field)) report(`${key}.${field}`, 'unknown-field', { field }, 'warning');
  }
  const id = requiredString(entry, 'id', key, report);
  const model = requiredString(entry, 'model', key, report);
  const baseUrl = parseBaseUrl(entry.baseUrl, `${key}.baseUrl`, report);
  const apiStyle = parseChoice(entry.apiStyle, API_STYLES, 'completions', `${key}.apiStyle`, report);
  const fimDialect = parseChoice(entry.fimDialect, FIM_DIALECTS, 'none', `${key}.fimDialect`, report);
  const contextWindow = parseNumber(entry, 'contextWindow', key, DEFAULT_PROFILE.contextWindow, true, report);
  const maxTokens = parseNumber(entry, 'maxTokens', key, DEFAULT_PROFILE.maxTokens, true, report);
  const temperature = parseNumber(entry, 'temperature', key, DEFAULT_PROFILE.temperature, false, report);
  const timeoutMs = parseNumber(entry, 'timeoutMs', key, DEFAULT_PROFILE.timeoutMs, true, report);
  const headers = parseHeaders(entry.headers, `${key}.headers`, report);
  if (
    contextWindow !== undefined &&
    maxTokens !== undefined &&
    entry.maxTokens !== undefined &&
    maxTokens >= contextWindow
  ) {
    report(`${key}.maxTokens`, 'out-of-range', {
      field: 'maxTokens',
      min: LIMITS.maxTokens.min,
      max: contextWindow - 1,
    });
  }
  if (
    id === undefined ||
    model === undefined ||
    baseUrl === undefined ||
    apiStyle === undefined ||
    fimDialect === undefined ||
    contextWindow === undefined ||
    maxTokens === undefined ||
    temperature === undefined ||
    timeoutMs === undefined ||
    headers === undefined
  ) {
    return { id, profile: undefined };
  }
  return {
    id,
    profile: {
      id,
      baseUrl,
      model,
      apiStyle,
      fimDialect,
      contextWindow,
      maxTokens,
      temperature,
      headers,
      timeoutMs,
    },
  };
}

function requiredString(
  entry: Record<string, unknown>,
  field: string,
  key: string,
  report: ProblemSink,
): string | undefined {
  const value = entry[field];
  if (value === undefined || value === null) {
    report(`${key}.${field}`, 'missing', { field });
    return undefined;
  }
  if (typeof value !== 'string') {
    report(`${key}.${field}`, 'wrong-type', { field, expected: 'text' });
    return undefined;
  }
  const trimmed = value.trim();
  if (trimmed === '') {
    report(`${key}.${field}`, 'empty', { field });
    return undefined;
  }
  return trimmed;
}

function parseBaseUrl(value: unknown, key: string, report: ProblemSink): string | undefined {
  if (value === undefined || value === null) {
    report(key, 'missing', { field: 'baseUrl' });
    return undefined;
  }
  if (typeof value !== 'string') {
    report(key, 'wrong-type', { field: 'baseUrl', expected: 'text' });
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    report(key, 'invalid-url', { value });
    return undefined;
  }
  // Credentials in the URL would leak into logs and settings sync just like an Authorization header.
  if (url.username !== '' || url.password !== '') {
    // Quote the URL without them: problems are shown and logged.
    url.username = '';
    url.password = '';
    report(key, 'invalid-url', { value: url.toString() });
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    report(key, 'invalid-url', { value });
    return undefined;
  }
  return url.toString().replace(/\/+$/, '');
}

function parseChoice<T extends string>(
  value: unknown,
  choices: readonly T[],
  fallback: T,
  key: string,
  report: ProblemSink,
): T | undefined {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
  report(key, 'invalid-choice', { value: displayValue(value), choices: choices.join(', ') });
  return undefined;
}

function parseNumber(
  entry: Record<string, unknown>,
  field: keyof typeof LIMITS,
  key: string,
  fallback: number,
  integer: boolean,
  report: ProblemSink,
): number | undefined {
  const value = entry[field];
  const fieldKey = `${key}.${field}`;
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    report(fieldKey, 'wrong-type', { field, expected: 'number' });
    return undefined;
  }
  if (integer && !Number.isInteger(value)) {
    report(fieldKey, 'not-an-integer', { field, value });
    return undefined;
  }
  const { min, max } = LIMITS[field];
  if (value < min || value > max) {
    report(fieldKey, 'out-of-range', { field, value, min, max });
    return undefined;
  }
  return value;
}

function parseHeaders(value: unknown, key: string, report: ProblemSink): Record<string, string> | undefined {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) {
    report(key, 'not-an-object', {});
    return undefined;
  }
  const headers: Record<string, string> = {};
  let ok = true;
  for (const [name, headerValue] of Object.entries(value)) {
    const headerKey = `${key}.${name}`;
    if (REFUSED_HEADERS.has(name.toLowerCase())) {
      report(headerKey, 'refused-header', { header: name });
      ok = false;
    } else if (!HEADER_NAME.test(name) || typeof headerValue !== 'string' || /[\r\n\0]/.test(headerValue)) {
      report(headerKey, 'invalid-header', { header: name });
      ok = false;
    } else {
      headers[name] = headerValue;
    }
  }
  return ok ? headers : undefined;
}

function parseFeatures(
  raw: unknown,
  profiles: readonly ModelProfile[],
  report: ProblemSink,
): Record<Feature, string> {
  const ids = new Set(profiles.map((p) => p.id));
  const first = profiles[0]?.id ?? DEFAULT_PROFILE.id;
  const features = {} as Record<Feature, string>;
  let values: Record<string, unknown> = {};
  if (raw !== undefined && raw !== null) {
    if (isPlainObject(raw)) {
      values = raw;
    } else {
      report('aegis.features', 'not-an-object', {}, 'warning');
    }
  }
  for (const name of Object.keys(values)) {
    if (!(FEATURES as readonly string[]).includes(name)) {
      report(
        `aegis.features.${name}`,
        'unknown-feature',
        { feature: name, features: FEATURES.join(', ') },
        'warning',
      );
    }
  }
  for (const feature of FEATURES) {
    const value = values[feature];
    if (value === undefined || value === null || value === '') {
      // Unset is not a mistake: the documented default applies, or the first profile when that is absent.
      features[feature] = ids.has(DEFAULT_FEATURES[feature]) ? DEFAULT_FEATURES[feature] : first;
    } else if (typeof value === 'string' && ids.has(value)) {
      features[feature] = value;
    } else {
      report(
        `aegis.features.${feature}`,
        'unknown-profile',
        { feature, profile: displayValue(value), fallback: first },
        'warning',
      );
      features[feature] = first;
    }
  }
  return features;
}

/**
 * Every English message template, with named placeholders ({key} is the setting). The extension passes the
 * template chosen by problemTemplate() to VS Code's localization, so these strings are also the keys of the
 * translation bundles.
 */
export const PROBLEM_TEMPLATES = {
  notAList: '{key} must be a list of model profiles.',
  notAnObject: '{key} must be an object.',
  missing: '{key} is required.',
  wrongTypeNumber: '{key} must be a number.',
  wrongTypeText: '{key} must be text.',
  empty: '{key} must not be empty.',
  duplicateId: '{key}: the id "{id}" is already used by an earlier profile; ids must be unique.',
  invalidUrl: '{key}: "{value}" is not an http:// or https:// URL without a user name or password.',
  invalidChoice: '{key}: "{value}" is not one of {choices}.',
  notAnInteger: '{key} must be a whole number (got {value}).',
  outOfRangeContext: '{key} must be between {min} and {max} (smaller than the context window).',
  outOfRange: '{key} must be between {min} and {max} (got {value}).',
  refusedHeader:
    '{key}: the header "{header}" cannot be set in settings. API keys are stored securely with the "set API key" command instead.',
  invalidHeader: '{key}: "{header}" is not a valid header name with a single-line text value.',
  unknownField: '{key}: "{field}" is not a profile setting and is ignored.',
  unknownFeature: '{key}: "{feature}" is not a feature (use one of {features}) and is ignored.',
  unknownProfile: '{key}: there is no valid profile "{profile}"; using "{fallback}" instead.',
  profileDroppedNamed: '{key}: profile "{id}" has errors and is not used until they are fixed.',
  profileDropped: '{key}: this profile has errors and is not used until they are fixed.',
  usingDefault: '{key}: no valid profile is configured; using the default profile "{profile}".',
} as const;

/** The message template for a problem; fill it with `{ key, ...params }`. */
export function problemTemplate(code: SettingProblemCode, params: Record<string, string | number>): string {
  const t = PROBLEM_TEMPLATES;
  switch (code) {
    case 'not-a-list':
      return t.notAList;
    case 'not-an-object':
      return t.notAnObject;
    case 'missing':
      return t.missing;
    case 'wrong-type':
      return params.expected === 'number' ? t.wrongTypeNumber : t.wrongTypeText;
    case 'empty':
      return t.empty;
    case 'duplicate-id':
      return t.duplicateId;
    case 'invalid-url':
      return t.invalidUrl;
    case 'invalid-choice':
      return t.invalidChoice;
    case 'not-an-integer':
      return t.notAnInteger;
    case 'out-of-range':
      return params.value === undefined ? t.outOfRangeContext : t.outOfRange;
    case 'refused-header':
      return t.refusedHeader;
    case 'invalid-header':
      return t.invalidHeader;
    case 'unknown-field':
      return t.unknownField;
    case 'unknown-feature':
      return t.unknownFeature;
    case 'unknown-profile':
      return t.unknownProfile;
    case 'profile-dropped':
      return params.id ? t.profileDroppedNamed : t.profileDropped;
    case 'using-default':
      return t.usingDefault;
  }
}

function describeProblem(
  key: string,
  code: SettingProblemCode,
  params: Record<string, string | number>,
): string {
  const values: Record<string, string | number> = { ...params, key };
  return problemTemplate(code, params).replace(/\{(\w+)\}/g, (whole, name: string) =>
    values[name] === undefined ? whole : String(values[name]),
  );
}

function displayValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function copyDefault(): ModelProfile {
  return { ...DEFAULT_PROFILE, headers: {} };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
