// Records usage metrics for this window: fills in the envelope every event carries (ids, time, developer,
// machine, versions), opens the SQLite store on first use (so activation never pays for it), shows the
// store's notices once, prunes old raw events daily, and flushes on shutdown.
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import * as vscode from 'vscode';
import type { EventEnvelope, MetricEvent } from '../dashboard/metricEvents';
import type { MetricsRecording } from '../dashboard/metricsRecording';
import type { MetricsStore } from '../dashboard/metricsStore';
import type { Logger } from './log';

/** An event as a feature reports it: everything but the envelope, which the service fills in. */
export type MetricInput = MetricEvent extends infer E
  ? E extends MetricEvent
    ? Omit<E, keyof EventEnvelope> & { language?: string }
    : never
  : never;

const DAY_MS = 86_400_000;

export class MetricsService implements vscode.Disposable {
  private recording: MetricsRecording | undefined;
  private opening: Promise<MetricsRecording | undefined> | undefined;
  /** Events recorded before the store finished opening; written once it has. */
  private pending: MetricEvent[] = [];
  private pruneTimer: ReturnType<typeof setInterval> | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly extensionVersion: string;

  constructor(
    private readonly extension: vscode.ExtensionContext,
    private readonly logger: Logger,
  ) {
    this.extensionVersion = (extension.extension.packageJSON as { version: string }).version;
  }

  /** Costs a few microseconds: the event joins a batch that is written off the hot path. */
  record(input: MetricInput): void {
    if (!vscode.workspace.getConfiguration('aegis').get<boolean>('metrics.enabled', true)) return;
    const event = {
      ...input,
      eventId: randomUUID(),
      ts: Date.now(),
      developerId: this.developerId(),
      machineId: vscode.env.machineId,
      language: input.language ?? '',
      extensionVersion: this.extensionVersion,
      vscodeVersion: vscode.version,
    } as MetricEvent;
    if (this.recording) {
      this.recording.recorder.record(event);
    } else {
      this.pending.push(event);
      void this.open();
    }
    for (const listener of this.listeners) listener();
  }

  /** The store the dashboard reads, or undefined while events are being spooled. */
  async store(): Promise<MetricsStore | undefined> {
    return (await this.open())?.store ?? undefined;
  }

  /** Writes what is batched now (the dashboard calls it before reading). */
  flush(): void {
    this.recording?.recorder.flush();
  }

  /** Called after each recorded event (the dashboard refreshes, at its own pace). */
  onDidRecord(listener: () => void): vscode.Disposable {
    this.listeners.add(listener);
    return new vscode.Disposable(() => this.listeners.delete(listener));
  }

  /** The developer id on every event: the configured name, or a hash of the OS user (never the name itself). */
  developerId(): string {
    const configured = vscode.workspace
      .getConfiguration('aegis')
      .get<string>('metrics.developerId', '')
      .trim();
    if (configured) return configured;
    let user = 'unknown';
    try {
      user = userInfo().username;
    } catch {
      // Some containers have no passwd entry for the user; the machine id still separates people.
    }
    return `user-${createHash('sha256').update(`${user}\u0000${vscode.env.machineId}`).digest('hex').slice(0, 12)}`;
  }

  private open(): Promise<MetricsRecording | undefined> {
    this.opening ??= this.openRecording();
    return this.opening;
  }

  private async openRecording(): Promise<MetricsRecording | undefined> {
    const dir = this.extension.globalStorageUri.fsPath;
    try {
      mkdirSync(dir, { recursive: true });
      // Loaded here, not at activation: better-sqlite3 and the schema are not needed until the first event.
      const { openMetricsRecording } = await import('../dashboard/metricsRecording');
      this.recording = openMetricsRecording({
        dbPath: `${dir}/metrics.sqlite`,
        spoolPath: `${dir}/metrics-spool.jsonl`,
        nativeBinding: vscode.Uri.joinPath(
          this.extension.extensionUri,
          'dist',
          'native',
          'better_sqlite3.node',
        ).fsPath,
      });
    } catch (error) {
      this.logger.error(`Usage metrics are off for this window: ${String(error)}`);
      this.pending = [];
      return undefined;
    }
    for (const event of this.pending.splice(0)) this.recording.recorder.record(event);
    for (const notice of this.recording.notices) {
      this.logger.warn(notice.message);
      if (notice.kind !== 'spoolImported')
        void vscode.window.showWarningMessage(vscode.l10n.t('Aegis: {0}', notice.message));
    }
    this.schedulePrune();
    return this.recording;
  }

  private schedulePrune(): void {
    const prune = (): void => {
      const days = vscode.workspace.getConfiguration('aegis').get<number>('metrics.retentionDays', 180);
      try {
        const removed = this.recording?.store?.prune(Date.now(), days) ?? 0;
        if (removed > 0) this.logger.info(`Pruned ${removed} raw metric events older than ${days} days.`);
      } catch (error) {
        this.logger.warn(`Pruning old metric events failed: ${String(error)}`);
      }
    };
    // Not at once: the first event of a session should not wait for a large delete.
    setTimeout(prune, 60_000).unref();
    this.pruneTimer = setInterval(prune, DAY_MS);
    this.pruneTimer.unref();
  }

  async close(): Promise<void> {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    const recording = this.opening ? await this.opening : undefined;
    this.recording = undefined;
    this.opening = Promise.resolve(undefined);
    await recording?.close();
  }

  dispose(): void {
    void this.close();
  }
}
