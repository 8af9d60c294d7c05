// Test harness for the model client: a profile pointing at the test server, a client whose events and
// retry waits are recorded, and a way to read a whole stream including its return value.

import { ModelClient } from '../../../src/model/modelClient';
import type {
  EndpointGate,
  ModelClientDeps,
  ModelStream,
  RequestEvent,
  StreamResult,
} from '../../../src/model/modelClient';
import { DEFAULT_PROFILE } from '../../../src/model/profiles';
import type { ModelProfile } from '../../../src/model/profiles';

export function testProfile(baseUrl: string, overrides: Partial<ModelProfile> = {}): ModelProfile {
  return { ...DEFAULT_PROFILE, id: 'test-endpoint', baseUrl, headers: {}, timeoutMs: 5_000, ...overrides };
}

export interface Harness {
  client: ModelClient;
  events: RequestEvent[];
  /** The waits the client asked for between attempts, in milliseconds. */
  sleeps: number[];
}

export interface HarnessOptions {
  apiKey?: string;
  gate?: EndpointGate;
  /** Use the client's real, abortable sleep instead of recording waits and skipping them. */
  realSleep?: boolean;
  retry?: ModelClientDeps['retry'];
}

export function makeHarness(options: HarnessOptions = {}): Harness {
  const events: RequestEvent[] = [];
  const sleeps: number[] = [];
  const deps: ModelClientDeps = {
    getApiKey: () => Promise.resolve(options.apiKey),
    onRequest: (event) => events.push(event),
    now: () => Date.now(),
    ...(options.gate ? { gate: options.gate } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
  };
  if (!options.realSleep) {
    deps.sleep = (ms, signal) => {
      sleeps.push(ms);
      return signal.aborted ? Promise.reject(new Error('aborted')) : Promise.resolve();
    };
  }
  return { client: new ModelClient(deps), events, sleeps };
}

export interface Drained {
  deltas: string[];
  text: string;
  result: StreamResult;
}

/** Reads a stream to its end; rejects with the stream's error. */
export async function drain(stream: ModelStream, onDelta?: (delta: string) => void): Promise<Drained> {
  const deltas: string[] = [];
  for (;;) {
    const step = await stream.next();
    if (step.done) return { deltas, text: deltas.join(''), result: step.value };
    deltas.push(step.value);
    onDelta?.(step.value);
  }
}

/** Reads a stream and returns the error it failed with, or fails the test when it did not fail. */
export async function drainError(stream: ModelStream): Promise<{ error: unknown; deltas: string[] }> {
  const deltas: string[] = [];
  try {
    for await (const delta of stream) deltas.push(delta);
  } catch (error) {
    return { error, deltas };
  }
  throw new Error(`expected the stream to fail, but it produced ${JSON.stringify(deltas.join(''))}`);
}

/** A port on 127.0.0.1 that nothing listens on (it was just released). */
export async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = address && typeof address === 'object' ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
