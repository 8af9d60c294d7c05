// A team member opens the dashboard's team view against a real PostgreSQL server: the test starts the
// PostgreSQL test server, sets up the team database, and sends three developers' known events to it with
// the project's own sync code; code-server's settings name that database and a reader login (not a lead).
// In the page, the Team choice first explains that no password is set and offers to set it (the real "Set
// Team Database Password" prompt), then shows the team's figures, withholds the per-developer table below
// the minimum group size, disables the developer filter with the reason, remembers the choice when the
// dashboard is opened again, explains an unreachable server and recovers with Retry; "My data" shows this
// machine's own figures throughout. Screenshots in .test-runs/screenshots.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame } from 'playwright-core';
import type { MetricEvent } from '../../src/dashboard/metricEvents';
import { MetricsStore } from '../../src/dashboard/metricsStore';
import { TeamSync } from '../../src/dashboard/teamSync';
import { eventually } from '../support/waitFor';
import { createTeamDatabase, postgresInstalled, startCluster } from '../unit/team/testPostgres';
import type { TeamTestDatabase, TestCluster } from '../unit/team/testPostgres';
import { tileText, waitForTile } from './dashboardPage';
import { seedLocalMetrics } from './localMetrics';
import { useE2eSession } from './e2eSession';

const TEAM = 'e2e-team';
let counter = 0;

function suggestions(
  developerId: string,
  language: string,
  ts: number,
  shown: number,
  accepted: number,
): MetricEvent[] {
  const events: MetricEvent[] = [];
  for (let i = 0; i < shown; i += 1) {
    counter += 1;
    const suggestionId = `team-e2e-${counter}`;
    const envelope = {
      ts,
      developerId,
      machineId: `machine-${developerId}`,
      language,
      extensionVersion: '0.1.0',
      vscodeVersion: '1.100.3',
    };
    events.push({
      ...envelope,
      eventId: `${suggestionId}-shown`,
      kind: 'suggestionShown',
      suggestionId,
      model: 'e2e-model',
      shownChars: 20,
      shownLines: 2,
    });
    if (i < accepted) {
      events.push({
        ...envelope,
        eventId: `${suggestionId}-accepted`,
        ts: ts + 1000,
        kind: 'suggestionAccepted',
        suggestionId,
        model: 'e2e-model',
        partial: false,
        acceptedChars: 20,
        acceptedLines: 2,
      });
    }
  }
  return events;
}

function guardBlock(developerId: string, ts: number): MetricEvent {
  counter += 1;
  return {
    eventId: `team-e2e-guard-${counter}`,
    ts,
    developerId,
    machineId: `machine-${developerId}`,
    language: 'typescript',
    extensionVersion: '0.1.0',
    vscodeVersion: '1.100.3',
    kind: 'guardDecision',
    ruleId: 'aws-access-key',
    category: 'secret',
    direction: 'input',
    action: 'block',
    feature: 'chat',
    matchHash: `h${counter}`,
  };
}

/** The team, two minutes ago: alice 3 of 4 accepted, bob 1 of 4, carol 2 of 2 (6 of 10), and one block. */
function teamEvents(now: number): Map<string, MetricEvent[]> {
  const ts = now - 120_000;
  return new Map([
    ['alice', [...suggestions('alice', 'typescript', ts, 4, 3), guardBlock('alice', ts)]],
    ['bob', suggestions('bob', 'python', ts, 4, 1)],
    ['carol', suggestions('carol', 'go', ts, 2, 2)],
  ]);
}

/** This machine's own data: 1 of 4 accepted, by a developer the team database has never heard of. */
function localEvents(now: number): MetricEvent[] {
  return suggestions('dev-local', 'typescript', now - 120_000, 4, 1);
}

describe('team dashboard, against a real PostgreSQL server', function () {
  let cluster: TestCluster | undefined;
  let database: TeamTestDatabase | undefined;
  let temp = '';

  before(async function () {
    this.timeout(120_000);
    if (!postgresInstalled()) {
      console.log('    (skipped: PostgreSQL server binaries are not installed; apt-get install postgresql)');
      this.skip();
    }
    cluster = startCluster();
    database = await createTeamDatabase(cluster);
    temp = mkdtempSync(join(tmpdir(), 'aegis-team-e2e-'));
    // Each developer's extension sends from its own local store, as its own login.
    let writer = 0;
    for (const [developer, events] of teamEvents(Date.now())) {
      writer += 1;
      const { store } = MetricsStore.open({ path: join(temp, `${developer}.sqlite`) });
      try {
        store.writeBatch(events);
        const sync: TeamSync = new TeamSync({
          store,
          settings: { connectionString: database.urlFor(`writer${writer}`), password: database.password },
          team: TEAM,
        });
        const result = await sync.sync();
        assert.equal(result.stored, events.length, `${developer}'s events reached the team database`);
      } finally {
        store.close();
      }
    }
  });

  after(() => {
    cluster?.remove();
    if (temp !== '') rmSync(temp, { recursive: true, force: true });
  });

  const { current } = useE2eSession({
    session: () => {
      assert.ok(database, 'the team database was set up');
      return {
        name: 'e2e-team-dashboard',
        settings: {
          'workbench.colorTheme': 'Default Light Modern',
          // A reader who is not a lead: sees the team's figures, not a filter by developer.
          'aegis.team.database': database.urlFor('reader'),
          'aegis.team.name': TEAM,
        },
        env: { TZ: 'UTC' },
      };
    },
    // The extension opens its database on first use; the dashboard has not been opened yet.
    onStarted: (session) => seedLocalMetrics(session, localEvents(Date.now())),
  });

  async function openDashboard(): Promise<Frame> {
    const { workbench } = current();
    await workbench.runCommand('Aegis: Open Dashboard');
    return workbench.webviewFrame({ selector: '#tiles' });
  }

  let frame: Frame;

  it("opens on this machine's own data, with a choice of the team", async () => {
    frame = await openDashboard();
    await waitForTile(frame, 'adoptionRateByCount', '25%'); // 1 of 4
    assert.equal(await frame.locator('#source-local').getAttribute('aria-checked'), 'true');
    assert.equal(await frame.locator('#source-team').innerText(), 'Team');
  });

  it('explains that no password is set, and sets it through the real prompt', async () => {
    const { workbench } = current();
    await frame.locator('#source-team').click();
    const panel = frame.locator('#team-panel');
    await eventually(
      async () => (await panel.getAttribute('data-problem')) === 'noPassword',
      'the team panel saying no password is set',
      30_000,
    );
    assert.match(await frame.locator('#team-headline').innerText(), /No password is set/);
    assert.match(await frame.locator('#team-detail').innerText(), /none is stored on this machine/);
    assert.equal(await frame.locator('#figures').isVisible(), false, 'no figures under the Team choice');
    await workbench.screenshot('e2e-team-dashboard-no-password');
    await frame.locator('#team-set-password').click();
    assert.match(await workbench.promptText(), /Team database password/);
    assert.ok(database);
    await workbench.answerPrompt(database.password);
    await panel.waitFor({ state: 'hidden', timeout: 30_000 });
  });

  it("shows the team's figures, and withholds the per-developer table below the group size", async () => {
    await waitForTile(frame, 'adoptionRateByCount', '60%'); // 6 of 10
    assert.equal(await tileText(frame, 'activeDevelopers'), '3');
    assert.equal(await tileText(frame, 'guardBlocks'), '1');
    assert.equal(await frame.locator('#source-team').getAttribute('aria-checked'), 'true');
    assert.match(await frame.locator('#team-scope').innerText(), new RegExp(`${TEAM}`));
    // Languages of the whole team, one row each.
    const languages = await frame.locator('#table-language tbody tr th').allInnerTexts();
    assert.deepEqual([...languages].sort(), ['go', 'python', 'typescript']);
    // Three developers, fewer than the default minimum of five: no per-developer rows, and why.
    const withheld = frame.locator('#table-developer .withheld');
    await withheld.waitFor({ state: 'visible' });
    assert.match(await withheld.innerText(), /holds 3 developers.*at least 5/s);
    assert.equal(await frame.locator('#table-developer tbody tr').count(), 0);
    // Not a lead: the developer filter is disabled, with the reason next to it.
    assert.equal(await frame.locator('#filter-developers').getAttribute('disabled'), '');
    assert.match(await frame.locator('#developer-reason').innerText(), /Only team leads/);
    // The pointer rests where Set Password was, over a tile whose definition would cover the screenshot.
    await current().workbench.page.mouse.move(5, 5);
    await current().workbench.screenshot('e2e-team-dashboard-team');
    await withheld.scrollIntoViewIfNeeded();
    await current().workbench.screenshot('e2e-team-dashboard-withheld');
  });

  it('remembers the Team choice when the dashboard is opened again', async () => {
    const { workbench } = current();
    await frame.locator('h1').click();
    await workbench.runCommand('View: Close Editor');
    await eventually(() => Promise.resolve(frame.isDetached()), 'the dashboard closed', 20_000);
    frame = await openDashboard();
    await waitForTile(frame, 'adoptionRateByCount', '60%');
    assert.equal(await frame.locator('#source-team').getAttribute('aria-checked'), 'true');
  });

  it('still shows this machine\'s own figures under "My data"', async () => {
    await frame.locator('#source-local').click();
    await waitForTile(frame, 'adoptionRateByCount', '25%');
    assert.equal(await tileText(frame, 'activeDevelopers'), '1');
    // Per-developer rows are the viewer's own and are not withheld.
    const developers = await frame.locator('#table-developer tbody tr th').allInnerTexts();
    assert.deepEqual(developers, ['dev-local']);
    assert.equal(await frame.locator('#filter-developers').getAttribute('disabled'), null);
    assert.equal(await frame.locator('#team-panel').isVisible(), false);
    await current().workbench.screenshot('e2e-team-dashboard-my-data');
  });

  it('says when the team database cannot be reached, keeps "My data", and recovers with Retry', async () => {
    assert.ok(cluster);
    cluster.stop();
    await frame.locator('#source-team').click();
    const panel = frame.locator('#team-panel');
    await eventually(
      async () => (await panel.getAttribute('data-problem')) === 'unreachable',
      'the team panel saying the database cannot be reached',
      45_000,
    );
    assert.match(await frame.locator('#team-headline').innerText(), /cannot be reached/);
    assert.equal(await frame.locator('#team-retry').isVisible(), true);
    await current().workbench.screenshot('e2e-team-dashboard-unreachable');
    await frame.locator('#source-local').click();
    await waitForTile(frame, 'adoptionRateByCount', '25%');
    // Back to Team while the server is still down: the same explanation, then Retry once it is back.
    await frame.locator('#source-team').click();
    await eventually(
      async () => (await panel.getAttribute('data-problem')) === 'unreachable',
      'the team panel after switching back',
      45_000,
    );
    cluster.start();
    await frame.locator('#team-retry').click();
    await waitForTile(frame, 'adoptionRateByCount', '60%');
    assert.equal(await panel.isVisible(), false);
  });
});
