// The keyword prefilter and the detector runner. One Aho-Corasick automaton over every detector's
// keywords finds, in a single case-insensitive pass, which detectors can possibly match a text; only
// those (and the always-run ones) execute. Findings are then sorted and de-overlapped so that the
// most specific detector wins a contested span.
import type { Detector, FindingCategory } from './detectorTypes';
import { secretDetectors } from './detectors/secretDetectors';
import { piiDetectors } from './detectors/piiDetectors';
import type { PiiDetectorOptions } from './detectors/piiDetectors';
import type { RankedDetector } from './detectors/patternDetector';

const ASCII = 128;

// Fold one UTF-16 code unit to lower case; keywords and text are folded the same way, so any
// mapping that is consistent on both sides is correct.
const nonAsciiFold = new Map<number, number>();
function foldNonAscii(c: number): number {
  let f = nonAsciiFold.get(c);
  if (f === undefined) {
    const lower = String.fromCharCode(c).toLowerCase();
    f = lower.length === 1 ? lower.charCodeAt(0) : c;
    if (nonAsciiFold.size < 4096) nonAsciiFold.set(c, f);
  }
  return f;
}
function foldAscii(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

export class KeywordPrefilter {
  private readonly ids: string[];
  private readonly alwaysRun: string[];
  /** Dense ASCII transition table with failure links folded in: delta[state * 128 + char]. */
  private readonly delta: Int32Array;
  /** Goto edges on non-ASCII characters (rare in keywords), resolved through `fail` at scan time. */
  private readonly wide: Map<number, number>[];
  private readonly fail: Int32Array;
  /** Detector indices whose keyword ends in each state (including via failure links), flattened:
   * state s owns outList[outStart[s] .. outStart[s + 1]). */
  private readonly outStart: Int32Array;
  private readonly outList: Int32Array;

  constructor(detectors: readonly Detector[]) {
    this.ids = detectors.map((d) => d.id);
    this.alwaysRun = detectors.filter((d) => d.keywords.length === 0).map((d) => d.id);

    // 1. Trie over folded keywords.
    const gotoAscii: Map<number, number>[] = [new Map<number, number>()];
    const wide: Map<number, number>[] = [new Map<number, number>()];
    const own: Set<number>[] = [new Set()];
    detectors.forEach((d, index) => {
      for (const keyword of d.keywords) {
        if (keyword.length === 0) continue;
        let s = 0;
        for (let i = 0; i < keyword.length; i++) {
          const raw = keyword.charCodeAt(i);
          const c = raw < ASCII ? foldAscii(raw) : foldNonAscii(raw);
          const edges = c < ASCII ? gotoAscii[s] : wide[s];
          let next = edges?.get(c);
          if (next === undefined) {
            next = own.length;
            gotoAscii.push(new Map());
            wide.push(new Map());
            own.push(new Set());
            edges?.set(c, next);
          }
          s = next;
        }
        own[s]?.add(index);
      }
    });

    // 2. Breadth-first: failure links, dense ASCII transitions, merged outputs.
    const n = own.length;
    const delta = new Int32Array(n * ASCII);
    const fail = new Int32Array(n);
    const out: number[][] = own.map((s) => [...s]);
    const queue: number[] = [];
    const stepWide = (state: number, c: number): number => {
      let s = state;
      for (;;) {
        const next = wide[s]?.get(c);
        if (next !== undefined) return next;
        if (s === 0) return 0;
        s = fail[s] ?? 0;
      }
    };
    for (let c = 0; c < ASCII; c++) {
      const v = gotoAscii[0]?.get(c);
      delta[c] = v ?? 0;
      if (v !== undefined) queue.push(v);
    }
    for (const v of wide[0]?.values() ?? []) queue.push(v);
    for (let head = 0; head < queue.length; head++) {
      const u = queue[head] ?? 0;
      const fu = fail[u] ?? 0;
      out[u] = [...new Set([...(out[u] ?? []), ...(u === 0 ? [] : (out[fu] ?? []))])];
      for (let c = 0; c < ASCII; c++) {
        const v = gotoAscii[u]?.get(c);
        if (v !== undefined) {
          fail[v] = delta[fu * ASCII + c] ?? 0;
          delta[u * ASCII + c] = v;
          queue.push(v);
        } else {
          delta[u * ASCII + c] = delta[fu * ASCII + c] ?? 0;
        }
      }
      for (const [c, v] of wide[u] ?? []) {
        fail[v] = u === 0 ? 0 : stepWide(fu, c);
        queue.push(v);
      }
    }
    // Root's children were queued before the loop with fail 0; their outputs need no merge.
    this.delta = delta;
    this.wide = wide;
    this.fail = fail;
    this.outStart = new Int32Array(n + 1);
    let total = 0;
    for (let i = 0; i < n; i++) {
      this.outStart[i] = total;
      total += out[i]?.length ?? 0;
    }
    this.outStart[n] = total;
    this.outList = new Int32Array(total);
    out.forEach((list, i) => this.outList.set(list, this.outStart[i] ?? 0));
  }

  /** Ids of the detectors that may match `text`: keyword hits plus the always-run detectors. */
  candidates(text: string): Set<string> {
    const hit = new Uint8Array(this.ids.length);
    const result = new Set<string>(this.alwaysRun);
    const { delta, outStart, outList, wide, fail } = this;
    const len = text.length;
    let s = 0;
    for (let i = 0; i < len; i++) {
      let c = text.charCodeAt(i);
      if (c < ASCII) {
        if (c >= 65 && c <= 90) c += 32;
        s = delta[s * ASCII + c];
      } else {
        c = foldNonAscii(c);
        for (;;) {
          const next = wide[s]?.get(c);
          if (next !== undefined) {
            s = next;
            break;
          }
          if (s === 0) break;
          s = fail[s];
        }
      }
      const from = outStart[s];
      const to = outStart[s + 1];
      for (let k = from; k < to; k++) {
        const d = outList[k];
        if (hit[d] === 0) {
          hit[d] = 1;
          result.add(this.ids[d]);
        }
      }
    }
    return result;
  }
}

/** One finding of one detector; offsets are UTF-16 code units, end exclusive. */
export interface Finding {
  detectorId: string;
  category: FindingCategory;
  start: number;
  end: number;
}

export interface BuiltInDetectorOptions {
  pii?: PiiDetectorOptions;
}

/** Every built-in secret and personal-data detector. */
export function builtInDetectors(options: BuiltInDetectorOptions = {}): RankedDetector[] {
  return [...secretDetectors(), ...piiDetectors(options.pii)];
}

// Detectors from outside the catalogue (custom policy patterns) rank between structural shapes and
// vendor tokens: an explicit rule of the security team beats an assignment heuristic.
const DEFAULT_SPECIFICITY = 2.5;

function specificityOf(d: Detector): number {
  const s = (d as Partial<RankedDetector>).specificity;
  return typeof s === 'number' ? s : DEFAULT_SPECIFICITY;
}

/**
 * Runs the detectors the prefilter selects and returns findings sorted by position, with overlaps
 * resolved: the more specific detector wins, then the longer span, then the earlier one.
 */
export function runDetectors(
  text: string,
  detectors: readonly Detector[],
  prefilter: KeywordPrefilter,
): Finding[] {
  const selected = prefilter.candidates(text);
  const raw: { f: Finding; rank: number }[] = [];
  for (const d of detectors) {
    if (!selected.has(d.id)) continue;
    const rank = specificityOf(d);
    for (const m of d.find(text)) {
      raw.push({ f: { detectorId: d.id, category: d.category, start: m.start, end: m.end }, rank });
    }
  }
  if (raw.length <= 1) return raw.map((r) => r.f);
  raw.sort((a, b) => b.rank - a.rank || b.f.end - b.f.start - (a.f.end - a.f.start) || a.f.start - b.f.start);
  const kept: Finding[] = [];
  for (const { f } of raw) {
    if (kept.some((k) => k.start < f.end && f.start < k.end)) continue;
    kept.push(f);
  }
  return kept.sort((a, b) => a.start - b.start || a.end - b.end);
}
