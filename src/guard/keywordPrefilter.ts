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
  /**
   * Dense transition table over a compressed ASCII alphabet, failure links folded in:
   * delta[state * classCount + classOf[char]]. Characters that occur in no keyword share class 0, so the
   * table is a few dozen columns wide instead of 128 and stays in cache while scanning.
   */
  private readonly delta: Int32Array;
  private readonly classOf: Uint8Array;
  private readonly classCount: number;
  /** 1 for states where at least one keyword ends (directly or through a failure link). */
  private readonly accepting: Uint8Array;
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
    // Compress the alphabet: ASCII characters whose columns are identical (all those in no keyword) share one.
    const classOf = new Uint8Array(ASCII);
    const columnKey = new Map<string, number>();
    const representative: number[] = [];
    for (let c = 0; c < ASCII; c++) {
      if (c >= 65 && c <= 90) continue;
      const column: number[] = [];
      for (let st = 0; st < n; st++) column.push(delta[st * ASCII + c] ?? 0);
      const key = column.join(',');
      let cls = columnKey.get(key);
      if (cls === undefined) {
        cls = representative.length;
        columnKey.set(key, cls);
        representative.push(c);
      }
      classOf[c] = cls;
    }
    for (let c = 65; c <= 90; c++) classOf[c] = classOf[c + 32] ?? 0;
    const classCount = representative.length;
    const compact = new Int32Array(n * classCount);
    for (let st = 0; st < n; st++) {
      for (let k = 0; k < classCount; k++)
        compact[st * classCount + k] = delta[st * ASCII + (representative[k] ?? 0)] ?? 0;
    }
    this.classOf = classOf;
    this.classCount = classCount;
    this.delta = compact;
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
    this.accepting = new Uint8Array(n);
    out.forEach((list, i) => (this.accepting[i] = list.length > 0 ? 1 : 0));
  }

  /** Ids of the detectors that may match `text`: keyword hits plus the always-run detectors. */
  candidates(text: string): Set<string> {
    const hit = new Uint8Array(this.ids.length);
    const result = new Set<string>(this.alwaysRun);
    const { delta, classOf, classCount, accepting, outStart, outList, wide, fail } = this;
    const len = text.length;
    let s = 0;
    for (let i = 0; i < len; i++) {
      let c = text.charCodeAt(i);
      if (c < ASCII) {
        // Upper-case letters were folded when the classes were built: they share their lower-case column.
        s = delta[s * classCount + classOf[c]];
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
      if (accepting[s] === 0) continue;
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
