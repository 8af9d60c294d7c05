// Endpoint health: marking an endpoint down, failing fast, probing back with growing delays, recovering.

import assert from 'node:assert/strict';
import { EndpointHealth } from '../../../src/model/endpointHealth';
import type { EndpointStatusChange, HealthTimers } from '../../../src/model/endpointHealth';
import { ModelRequestError } from '../../../src/model/modelErrors';
import { OpenAITestServer } from '../../fixtures/openaiTestServer';
import { closedPort, drain, drainError, makeHarness, testProfile } from './clientHarness';

/** Timers that only run when the test fires them, so probe schedules can be read without waiting. */
class ManualTimers implements HealthTimers {
  readonly pending = new Map<number, { callback: () => void; ms: number }>();
  readonly scheduled: number[] = [];
  private next = 1;

  setTimeout(callback: () => void, ms: number): unknown {
    const handle = this.next++;
    this.pending.set(handle, { callback, ms });
    this.scheduled.push(ms);
    return handle;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** Runs the one pending timer. */
  fire(): void {
    const [handle, timer] = [...this.pending.entries()][0] ?? [];
    assert.ok(handle !== undefined && timer, 'a probe is scheduled');
    this.pending.delete(handle);
    timer.callback();
  }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('EndpointHealth', () => {
  const server = new OpenAITestServer();
  before(() => server.start());
  after(() => server.stop());
  beforeEach(() => server.reset());

  function setup(failureThreshold = 3): {
    health: EndpointHealth;
    timers: ManualTimers;
    changes: EndpointStatusChange[];
  } {
    const timers = new ManualTimers();
    const health = new EndpointHealth({
      getApiKey: () => Promise.resolve('sk-probe'),
      failureThreshold,
      timers,
    });
    const changes: EndpointStatusChange[] = [];
    health.onDidChange((change) => changes.push(change));
    return { health, timers, changes };
  }

  it('marks an endpoint down after repeated server failures, then fails fast without sending', async () => {
    const { health, changes } = setup(3);
    server.setDefault({ status: 500 });
    const { client, events } = makeHarness({ gate: health });
    const profile = testProfile(server.baseUrl);
    const call = () =>
      client.streamCompletion(
        profile,
        { prompt: 'x' },
        { signal: new AbortController().signal, feature: 'completion' },
      );

    for (let i = 0; i < 3; i++) await drainError(call());
    assert.equal(health.status(profile.id), 'unreachable');
    assert.deepEqual(changes, [{ profileId: profile.id, status: 'unreachable', previous: 'unknown' }]);
    assert.equal(server.requests.length, 3);

    const { error } = await drainError(call());
    assert.ok(error instanceof ModelRequestError);
    assert.equal(error.kind, 'unreachable');
    assert.match(error.message, /not reachable/);
    assert.equal(server.requests.length, 3, 'the fourth request never left the machine');
    assert.equal(events.length, 4);
    assert.equal(events[3]?.outcome, 'failed');
    assert.equal(events[3]?.errorKind, 'unreachable');
    assert.equal(events[3]?.attempts, 0);
    health.dispose();
  });

  it('does not count auth errors or a success in between as endpoint failures', () => {
    const { health } = setup(2);
    const profile = testProfile(server.baseUrl);
    health.recordOutcome(profile, 'timeout');
    health.recordOutcome(profile, 'ok');
    health.recordOutcome(profile, 'timeout');
    health.recordOutcome(profile, 'auth');
    health.recordOutcome(profile, 'unreachable');
    assert.equal(health.status(profile.id), 'reachable');
    assert.equal(health.failFast(profile), undefined);
    health.dispose();
  });

  it('probes a down endpoint with growing delays while it stays down', async () => {
    const { health, timers } = setup(1);
    const profile = testProfile(`http://127.0.0.1:${await closedPort()}/v1`);
    health.recordOutcome(profile, 'unreachable');
    assert.deepEqual(timers.scheduled, [5_000]);
    timers.fire();
    await until(() => timers.scheduled.length === 2, 'the second probe to be scheduled');
    timers.fire();
    await until(() => timers.scheduled.length === 3, 'the third probe to be scheduled');
    assert.deepEqual(timers.scheduled, [5_000, 10_000, 20_000]);
    assert.equal(health.status(profile.id), 'unreachable');
    assert.match(health.failFast(profile)?.message ?? '', /within 20 s/);
    health.dispose();
    assert.equal(timers.pending.size, 0, 'dispose cancels the pending probe');
  });

  it('recovers when a background probe gets an answer, and requests flow again', async () => {
    const { health, timers, changes } = setup(1);
    const profile = testProfile(server.baseUrl, { headers: { 'X-Tenant': 'team-a' } });
    health.recordOutcome(profile, 'timeout');
    assert.equal(health.status(profile.id), 'unreachable');

    timers.fire();
    await until(() => health.status(profile.id) === 'reachable', 'the endpoint to recover');
    assert.deepEqual(
      changes.map((c) => c.status),
      ['unreachable', 'reachable'],
    );
    assert.equal(timers.pending.size, 0, 'no further probes once it is back');
    const probe = server.requests[0];
    assert.equal(probe?.method, 'GET');
    assert.equal(probe?.path, '/v1/models');
    assert.equal(probe?.headers.authorization, 'Bearer sk-probe');
    assert.equal(probe?.headers['x-tenant'], 'team-a');

    server.setDefault({ text: 'back' });
    const { client } = makeHarness({ gate: health });
    const { text } = await drain(
      client.streamCompletion(
        profile,
        { prompt: 'x' },
        { signal: new AbortController().signal, feature: 'completion' },
      ),
    );
    assert.equal(text, 'back');
    health.dispose();
  });

  it('treats a 5xx answer from the model list as still down', async () => {
    const { health } = setup(1);
    server.setModelsStatus(503);
    const profile = testProfile(server.baseUrl);
    assert.equal(await health.probe(profile), false);
    assert.equal(health.status(profile.id), 'unreachable');
    server.setModelsStatus(200);
    assert.equal(await health.probe(profile), true);
    assert.equal(health.status(profile.id), 'reachable');
    health.dispose();
  });

  it('forgets a profile whose settings changed', () => {
    const { health, timers, changes } = setup(1);
    const profile = testProfile(server.baseUrl);
    health.recordOutcome(profile, 'server');
    health.forget(profile.id);
    assert.equal(health.status(profile.id), 'unknown');
    assert.equal(timers.pending.size, 0);
    assert.deepEqual(
      changes.map((c) => c.status),
      ['unreachable', 'unknown'],
    );
    health.dispose();
  });
});
