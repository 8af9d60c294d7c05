// "Dismiss" for diagnosis findings: a finding is keyed by a hash of its category and the code it points at
// (whitespace-insensitive), so a dismissed finding stays hidden in later runs while that code is unchanged,
// wherever it moves in the file, and comes back when the code changes. The message is left out of the key on
// purpose: models rephrase the same complaint from one run to the next.
import { createHash } from 'node:crypto';
import type { Finding } from './diagnosisFindings';

/** Where the keys are kept; the extension backs it with workspaceState. */
export interface DismissalStorage {
  read(): readonly string[] | undefined;
  write(keys: readonly string[]): void | Promise<void>;
}

/** Enough for any real use; the oldest keys go first so the stored list cannot grow without bound. */
const MAX_KEYS = 2_000;

export function findingKey(finding: Pick<Finding, 'category' | 'anchoredText'>): string {
  const code = finding.anchoredText.replace(/\s+/g, ' ').trim();
  return createHash('sha256').update(`${finding.category}\0${code}`).digest('hex').slice(0, 32);
}

export class DismissalStore {
  private readonly keys: string[];

  constructor(private readonly storage: DismissalStorage) {
    this.keys = [...(storage.read() ?? [])];
  }

  isDismissed(finding: Pick<Finding, 'category' | 'anchoredText'>): boolean {
    return this.keys.includes(findingKey(finding));
  }

  async dismiss(finding: Pick<Finding, 'category' | 'anchoredText'>): Promise<void> {
    const key = findingKey(finding);
    if (this.keys.includes(key)) return;
    this.keys.push(key);
    if (this.keys.length > MAX_KEYS) this.keys.splice(0, this.keys.length - MAX_KEYS);
    await this.storage.write([...this.keys]);
  }

  /** The findings the user has not dismissed. */
  visible<T extends Pick<Finding, 'category' | 'anchoredText'>>(findings: readonly T[]): T[] {
    return findings.filter((f) => !this.isDismissed(f));
  }

  async clear(): Promise<void> {
    this.keys.length = 0;
    await this.storage.write([]);
  }
}

/** Keeps keys in memory only (tests, and when no workspace is open). */
export function memoryDismissalStorage(
  initial: readonly string[] = [],
): DismissalStorage & { keys: string[] } {
  const state = { keys: [...initial] };
  return {
    get keys() {
      return state.keys;
    },
    read: () => state.keys,
    write: (keys) => {
      state.keys = [...keys];
    },
  };
}
