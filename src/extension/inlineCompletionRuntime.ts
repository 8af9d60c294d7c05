// The completion engine and what it draws on, assembled once on the first completion request (the
// extension imports this module lazily, so activation pays for none of it): tree-sitter syntax trees
// loaded from the bundled wasm folder, the document index, the context gatherer, the engine and the
// retention tracker. Grammars load in the background per language; documents whose parse did not fit
// a request's budget are parsed when the editor is idle, in slices. Plain Node: no 'vscode' here.
import { CompletionEngine } from '../completion/completionEngine';
import type { CompletionEventSink } from '../completion/completionEvents';
import { realClock, realTimers } from '../completion/completionPorts';
import type {
  CompletionBackend,
  CompletionGuard,
  CompletionProfile,
  Timers,
} from '../completion/completionPorts';
import { ContextGatherer } from '../completion/contextGatherer';
import { DocumentIndex } from '../completion/documentIndex';
import { IdleParses } from '../completion/idleParses';
import { RetentionTracker, retentionCheckpointsMs } from '../completion/retentionTracker';
import { SyntaxTrees } from '../completion/syntaxTrees';

export interface CompletionRuntimeOptions {
  /** The folder holding tree-sitter.wasm and the grammars (dist/tree-sitter in the extension). */
  readonly wasmDir: string;
  readonly profile: CompletionProfile;
  readonly backend: CompletionBackend;
  readonly guard: CompletionGuard;
  readonly eventSink: CompletionEventSink;
  /** Current text of an open document, for retention checkpoints. */
  readonly getText: (uri: string) => string | undefined;
  readonly onError: (message: string) => void;
  readonly timers?: Timers;
  readonly repoName?: string;
  /** Retention checkpoint delays, asked at each acceptance; undefined keeps the product's defaults. */
  readonly retentionCheckpointsMs?: () => readonly number[] | undefined;
}

export class CompletionRuntime {
  readonly trees: SyntaxTrees;
  readonly index: DocumentIndex;
  readonly gatherer: ContextGatherer;
  readonly engine: CompletionEngine;
  readonly retention: RetentionTracker;
  private readonly languagesRequested = new Set<string>();
  private readonly idleParses: IdleParses;
  private readonly timers: Timers;
  private disposed = false;

  constructor(private readonly options: CompletionRuntimeOptions) {
    this.timers = options.timers ?? realTimers;
    this.trees = new SyntaxTrees(options.wasmDir);
    this.index = new DocumentIndex(this.trees);
    this.gatherer = new ContextGatherer(this.index, this.trees, realClock);
    this.engine = new CompletionEngine({
      profile: options.profile,
      backend: options.backend,
      guard: options.guard,
      clock: realClock,
      timers: this.timers,
      eventSink: options.eventSink,
      gatherContext: (document, offset) => this.gatherer.gather(document, offset),
      ...(options.repoName !== undefined ? { repoName: options.repoName } : {}),
    });
    this.idleParses = new IdleParses(this.gatherer, this.timers, { onError: options.onError });
    this.retention = new RetentionTracker({
      timers: this.timers,
      now: () => realClock.now(),
      getText: options.getText,
      eventSink: options.eventSink,
      checkpointsMs: () => options.retentionCheckpointsMs?.() ?? retentionCheckpointsMs,
    });
  }

  /** Starts loading the grammar for a language (once); documents of it are parsed when it arrives. */
  ensureLanguage(languageId: string): void {
    if (this.languagesRequested.has(languageId)) return;
    this.languagesRequested.add(languageId);
    this.trees.loadLanguage(languageId).then(
      (loaded) => {
        if (!loaded || this.disposed) return;
        for (const doc of this.index.recent())
          if (doc.languageId === languageId) this.gatherer.requestWarmUp(doc.uri);
        this.idleParses.schedule();
      },
      (error: unknown) => this.options.onError(`Loading the ${languageId} grammar failed: ${String(error)}`),
    );
  }

  /**
   * Activity (a keystroke, a request): parses the requests had no time for run at the next quiet moment,
   * a few milliseconds at a time.
   */
  scheduleWarmUp(): void {
    this.idleParses.schedule();
  }

  setProfile(profile: CompletionProfile): void {
    this.engine.setProfile(profile);
    this.engine.clearCache();
  }

  dispose(): void {
    this.disposed = true;
    this.idleParses.dispose();
    this.engine.cancelAll();
    this.retention.dispose();
    this.trees.dispose();
  }
}
