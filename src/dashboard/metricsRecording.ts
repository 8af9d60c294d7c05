// Opens metrics recording for one window: the SQLite store when it works (importing any spooled events
// first), otherwise a JSONL spool, and the batched recorder in front of either. Callers show the notices.
import { EventRecorder } from './eventRecorder';
import type { EventRecorderOptions } from './eventRecorder';
import { SpoolSink, importSpool } from './eventSpool';
import { MetricsStore, NativeModuleUnavailableError, SchemaTooNewError } from './metricsStore';

export interface RecordingNotice {
  kind: 'corruptDatabaseReplaced' | 'storeUnavailable' | 'spoolImported';
  message: string;
}

export interface MetricsRecordingOptions {
  dbPath: string;
  /** Where events are spooled while the store cannot be used. */
  spoolPath: string;
  nativeBinding?: string;
  busyTimeoutMs?: number;
  recorder?: Omit<EventRecorderOptions, 'fallback'>;
  now?: () => number;
}

export interface MetricsRecording {
  recorder: EventRecorder;
  /** The open store, or null when events are being spooled. */
  store: MetricsStore | null;
  notices: RecordingNotice[];
  /** Flushes the recorder and closes the store. */
  close(): Promise<void>;
}

export function openMetricsRecording(options: MetricsRecordingOptions): MetricsRecording {
  const spool = new SpoolSink(options.spoolPath);
  const notices: RecordingNotice[] = [];
  let store: MetricsStore | null = null;
  try {
    const opened = MetricsStore.open({
      path: options.dbPath,
      ...(options.nativeBinding === undefined ? {} : { nativeBinding: options.nativeBinding }),
      ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }),
      ...(options.now === undefined ? {} : { now: options.now }),
    });
    store = opened.store;
    for (const notice of opened.notices) notices.push({ kind: notice.kind, message: notice.message });
  } catch (error) {
    if (!(error instanceof NativeModuleUnavailableError) && !(error instanceof SchemaTooNewError))
      throw error;
    notices.push({
      kind: 'storeUnavailable',
      message: `${error.message} Usage metrics are kept in ${options.spoolPath} and will be imported when the database can be opened.`,
    });
  }
  if (store !== null) {
    const imported = importSpool(options.spoolPath, store);
    if (imported.imported > 0) {
      notices.push({
        kind: 'spoolImported',
        message: `Imported ${imported.imported} usage events recorded while the metrics database was unavailable.`,
      });
    }
  }
  const recorder = new EventRecorder(store ?? spool, { ...options.recorder, fallback: spool });
  return {
    recorder,
    store,
    notices,
    async close() {
      await recorder.close();
      store?.close();
    },
  };
}
