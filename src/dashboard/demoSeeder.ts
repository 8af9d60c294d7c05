// Clearly labelled demo data for the dashboard and the benchmark: developers named demo-dev-NN, every event
// flagged `demo`, shapes that look like a real team (weekday rhythm, working hours in several time zones,
// a main language per developer, about 30% of shown suggestions accepted). Deterministic for a given seed.
import type { Feature, MetricEvent, RequestOutcome } from './metricEvents';
import { RETENTION_CHECKPOINTS } from './metricEvents';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface DemoOptions {
  /** Days of data ending at `endMs` (exclusive). */
  days: number;
  developers: number;
  endMs: number;
  seed?: number;
  /** Completion cycles (request, display, maybe acceptance) per developer per working day. */
  cyclesPerDay?: number;
}

const LANGUAGES = ['typescript', 'python', 'java', 'go', 'csharp', 'rust'];
const LANGUAGE_WEIGHTS = [35, 25, 15, 10, 10, 5];
const COMPLETION_MODELS = ['qwen2.5-coder-7b', 'starcoder2-3b'];
const CHAT_MODEL = 'qwen2.5-coder-32b-instruct';
/** UTC offsets (hours) of the demo team's offices; one has a half-hour offset on purpose. */
const OFFICE_OFFSETS = [1, 1, 0, 5.5, -5];
const GUARD_RULES = [
  { ruleId: 'secret.aws-access-key', category: 'secret' },
  { ruleId: 'secret.private-key', category: 'secret' },
  { ruleId: 'pii.email', category: 'pii' },
  { ruleId: 'scope.off-topic', category: 'scope' },
];

/** Small fast deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function demoDeveloperId(index: number): string {
  return `demo-dev-${String(index + 1).padStart(2, '0')}`;
}

/** Yields demo events, developer-day by developer-day. */
export function* generateDemoEvents(options: DemoOptions): Generator<MetricEvent> {
  const random = rng(options.seed ?? 42);
  const cyclesPerDay = options.cyclesPerDay ?? 80;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const weighted = (weights: readonly number[]): number => {
    const total = weights.reduce((a, b) => a + b, 0);
    let r = random() * total;
    for (let i = 0; i < weights.length; i += 1) {
      r -= weights[i];
      if (r < 0) return i;
    }
    return weights.length - 1;
  };
  /** Log-normal with the given median. */
  const lognormal = (median: number, sigma: number): number => {
    const u = Math.max(random(), 1e-12);
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
    return Math.round(median * Math.exp(sigma * z));
  };
  let counter = 0;
  const seedTag = options.seed ?? 42;
  const firstDay = Math.floor(options.endMs / DAY_MS) * DAY_MS - options.days * DAY_MS;
  const team = Array.from({ length: options.developers }, (_, i) => ({
    developerId: demoDeveloperId(i),
    machineId: `demo-machine-${String(i + 1).padStart(2, '0')}`,
    offsetHours: OFFICE_OFFSETS[i % OFFICE_OFFSETS.length],
    mainLanguage: LANGUAGES[weighted(LANGUAGE_WEIGHTS)],
    completionModel: COMPLETION_MODELS[i % 3 === 2 ? 1 : 0],
    enthusiasm: 0.6 + random() * 0.8,
  }));

  for (let day = 0; day < options.days; day += 1) {
    const dayStart = firstDay + day * DAY_MS;
    const weekday = new Date(dayStart).getUTCDay();
    const weekend = weekday === 0 || weekday === 6;
    for (const dev of team) {
      if (weekend && random() > 0.1) continue;
      const envelope = (ts: number, language: string) => ({
        eventId: `demo-${seedTag}-${(counter += 1)}`,
        ts,
        developerId: dev.developerId,
        machineId: dev.machineId,
        language,
        extensionVersion: '0.1.0',
        vscodeVersion: '1.100.3',
        demo: true as const,
      });
      // Working hours 09:00 to 17:30 local, denser before lunch and mid-afternoon.
      const workStart = dayStart + (9 - dev.offsetHours) * HOUR_MS;
      const when = (): number => {
        const hour = random() < 0.5 ? random() * 3.5 : 4.5 + random() * 4;
        return Math.floor(workStart + hour * HOUR_MS);
      };
      const language = (): string => (random() < 0.7 ? dev.mainLanguage : pick(LANGUAGES));
      const cycles = Math.round(cyclesPerDay * dev.enthusiasm * (weekend ? 0.3 : 1) * (0.7 + random() * 0.6));
      const request = (
        startedAt: number,
        lang: string,
        feature: Feature,
        model: string,
        outcome: RequestOutcome,
        ttftMedian: number,
        totalMedian: number,
      ): MetricEvent => {
        const ttft = outcome === 'produced' || outcome === 'empty' ? lognormal(ttftMedian, 0.45) : null;
        const total = Math.max(ttft ?? 0, lognormal(totalMedian, 0.5));
        return {
          ...envelope(startedAt + total, lang),
          kind: 'modelRequest',
          requestId: `demo-req-${counter}`,
          feature,
          profile: feature === 'completion' ? 'local-fim' : 'local-chat',
          model,
          startedAt,
          ttftMs: ttft,
          totalMs: total,
          promptTokens: lognormal(feature === 'completion' ? 900 : 2500, 0.4),
          completionTokens: outcome === 'produced' ? lognormal(feature === 'completion' ? 40 : 400, 0.6) : 0,
          outcome,
        };
      };
      for (let c = 0; c < cycles; c += 1) {
        const t = when();
        const lang = language();
        const outcomeIndex = weighted([75, 18, 4, 2, 1]);
        const outcome = (['produced', 'cancelled', 'empty', 'failed', 'blocked'] as const)[outcomeIndex];
        yield request(t, lang, 'completion', dev.completionModel, outcome, 180, 420);
        yield {
          ...envelope(t, lang),
          kind: 'charsAdded',
          source: 'typed',
          model: '',
          chars: lognormal(90, 0.6),
        };
        if (outcome === 'blocked') {
          const rule = pick(GUARD_RULES);
          yield {
            ...envelope(t, lang),
            kind: 'guardDecision',
            ...rule,
            direction: 'input',
            action: 'block',
            feature: 'completion',
            matchHash: `demo-hash-${counter}`,
          };
        }
        if (outcome !== 'produced') continue;
        const suggestionId = `demo-sug-${seedTag}-${counter}`;
        const shownChars = Math.max(4, lognormal(60, 0.7));
        const shownLines = Math.max(1, Math.round(shownChars / 45));
        const shownAt = t + 400;
        yield {
          ...envelope(shownAt, lang),
          kind: 'suggestionShown',
          suggestionId,
          model: dev.completionModel,
          shownChars,
          shownLines,
        };
        if (random() < 0.15) {
          // Re-display after a cursor bounce: the same suggestion, counted once.
          yield {
            ...envelope(shownAt + 2000, lang),
            kind: 'suggestionShown',
            suggestionId,
            model: dev.completionModel,
            shownChars,
            shownLines,
          };
        }
        const roll = random();
        if (roll < 0.3 * Math.min(1.3, dev.enthusiasm)) {
          const partial = random() < 0.25;
          const acceptedChars = partial
            ? Math.max(1, Math.round(shownChars * (0.2 + random() * 0.5)))
            : shownChars;
          const acceptedLines = partial ? Math.max(1, Math.round(shownLines / 2)) : shownLines;
          const acceptedAt = shownAt + 1500;
          yield {
            ...envelope(acceptedAt, lang),
            kind: 'suggestionAccepted',
            suggestionId,
            model: dev.completionModel,
            partial,
            acceptedChars,
            acceptedLines,
          };
          yield {
            ...envelope(acceptedAt, lang),
            kind: 'charsAdded',
            source: 'completion',
            model: dev.completionModel,
            chars: acceptedChars,
          };
          let kept = acceptedChars;
          for (const checkpoint of RETENTION_CHECKPOINTS) {
            kept = Math.max(0, kept - Math.round(acceptedChars * random() * 0.08));
            yield {
              ...envelope(acceptedAt + checkpoint * 1000, lang),
              kind: 'retentionCheck',
              suggestionId,
              model: dev.completionModel,
              checkpointSec: checkpoint,
              acceptedChars,
              retainedChars: kept,
            };
          }
        } else if (roll < 0.5) {
          yield {
            ...envelope(shownAt + 800, lang),
            kind: 'suggestionDismissed',
            suggestionId,
            model: dev.completionModel,
          };
        }
      }
      if (random() < 0.2) {
        yield {
          ...envelope(when(), language()),
          kind: 'charsAdded',
          source: 'pasted',
          model: '',
          chars: lognormal(400, 0.8),
        };
      }
      const assists: [Exclude<Feature, 'completion'>, number][] = [
        ['chat', 4 * dev.enthusiasm],
        ['tests', 0.6],
        ['diagnosis', 0.5],
      ];
      for (const [feature, perDay] of assists) {
        const count = Math.floor(perDay + random());
        for (let i = 0; i < count; i += 1) {
          const t = when();
          const lang = language();
          yield {
            ...envelope(t, lang),
            kind: 'interaction',
            feature,
            action: 'request',
            userInitiated: true,
            model: CHAT_MODEL,
          };
          yield request(t, lang, feature, CHAT_MODEL, random() < 0.96 ? 'produced' : 'failed', 650, 4200);
          if (random() < 0.35) {
            const chars = lognormal(feature === 'tests' ? 900 : 280, 0.6);
            yield {
              ...envelope(t + 30_000, lang),
              kind: 'interaction',
              feature,
              action: 'apply',
              userInitiated: true,
              model: CHAT_MODEL,
            };
            yield {
              ...envelope(t + 30_000, lang),
              kind: 'charsAdded',
              source: feature === 'tests' ? 'tests' : 'chat',
              model: CHAT_MODEL,
              chars,
            };
          }
          if (random() < 0.03) {
            yield {
              ...envelope(t + 5000, lang),
              kind: 'guardDecision',
              ruleId: 'secret.generic-token',
              category: 'secret',
              direction: 'output',
              action: 'redact',
              feature,
              matchHash: `demo-hash-${counter}`,
            };
          }
        }
      }
    }
  }
}

/** Events per developer working day at the default cycle rate, for sizing a target event count. */
export const DEMO_EVENTS_PER_CYCLE = 4.1;
