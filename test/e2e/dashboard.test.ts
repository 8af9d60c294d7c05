// A team lead opens "Aegis: Open Dashboard" over a metrics database holding known events: reads the tiles,
// narrows them to one language, exports the CSV through VS Code's save dialog and reads the file, and sees
// the page in a light and a dark theme (screenshots in .test-runs/screenshots).
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame } from 'playwright-core';
import type { MetricEvent } from '../../src/dashboard/metricEvents';
import { tileText, waitForTile } from './dashboardPage';
import { seedLocalMetrics } from './localMetrics';
import { useE2eSession } from './e2eSession';
import { eventually } from '../support/waitFor';

const DAY = 86_400_000;
let counter = 0;

function envelope(ts: number, language: string): Omit<MetricEvent, 'kind'> {
  counter += 1;
  return {
    eventId: `e2e-dashboard-${counter}`,
    ts,
    developerId: language === 'python' ? 'dev-py' : 'dev-ts',
    machineId: 'machine-e2e',
    language,
    extensionVersion: '0.1.0',
    vscodeVersion: '1.100.3',
  };
}

function shownAndMaybeAccepted(ts: number, language: string, accept: boolean): MetricEvent[] {
  const id = `s-${counter}-${language}`;
  const events: MetricEvent[] = [
    {
      ...envelope(ts, language),
      kind: 'suggestionShown',
      suggestionId: id,
      model: 'e2e-model',
      shownChars: 20,
      shownLines: 2,
    },
  ];
  if (accept) {
    events.push({
      ...envelope(ts + 1000, language),
      kind: 'suggestionAccepted',
      suggestionId: id,
      model: 'e2e-model',
      partial: false,
      acceptedChars: 20,
      acceptedLines: 2,
    });
  }
  return events;
}

/** Today (two minutes ago): typescript 4 of 5 accepted, python 1 of 3; ten days ago 1 of 4; one block and two
 * redactions today. */
function knownEvents(now: number): MetricEvent[] {
  const today = now - 120_000;
  const before = now - 10 * DAY;
  const events: MetricEvent[] = [];
  for (let i = 0; i < 5; i += 1) events.push(...shownAndMaybeAccepted(today, 'typescript', i < 4));
  for (let i = 0; i < 3; i += 1) events.push(...shownAndMaybeAccepted(today, 'python', i < 1));
  for (let i = 0; i < 4; i += 1) events.push(...shownAndMaybeAccepted(before, 'typescript', i < 1));
  for (const [action, language] of [
    ['block', 'typescript'],
    ['redact', 'typescript'],
    ['redact', 'python'],
  ] as const) {
    events.push({
      ...envelope(today, language),
      kind: 'guardDecision',
      ruleId: 'aws-access-key',
      category: 'secret',
      direction: 'input',
      action,
      feature: 'chat',
      matchHash: `h${counter}`,
    });
  }
  return events;
}

describe('adoption dashboard, as a team lead sees it', function () {
  const { current } = useE2eSession({
    session: {
      name: 'e2e-dashboard',
      settings: { 'workbench.colorTheme': 'Default Light Modern' },
      env: { TZ: 'UTC' },
    },
    onStarted: (session) => seedLocalMetrics(session, knownEvents(Date.now())),
  });

  let frame: Frame;

  it('opens from the command palette and shows the known figures with their definitions', async () => {
    const { workbench } = current();
    await workbench.runCommand('Aegis: Open Dashboard');
    frame = await workbench.webviewFrame({ selector: '#tiles' });
    await waitForTile(frame, 'adoptionRateByCount', '62.5%'); // 5 of 8
    assert.equal(await tileText(frame, 'adoptionRateByLines'), '62.5%');
    assert.equal(await tileText(frame, 'guardBlocks'), '1');
    assert.equal(await tileText(frame, 'guardRedactions'), '2');
    assert.equal(await tileText(frame, 'activeDevelopers'), '2');
    const change = await frame.locator('.tile[data-metric="adoptionRateByCount"] .tile-change').innerText();
    assert.match(change, /\+37\.5 pp/); // 25% ten days ago
    const tooltip = await frame.locator('.tile[data-metric="adoptionRateByCount"]').getAttribute('title');
    assert.match(tooltip ?? '', /Accepted suggestions \/ shown suggestions/);
    assert.match(await frame.locator('#time-zone').innerText(), /UTC/);
    // A person tabs to a tile and reads its definition.
    await frame.locator('.tile[data-metric="codeGenerationRate"]').focus();
    assert.equal(await frame.locator('#def-codeGenerationRate').isVisible(), true);
    const rows = await frame.locator('#table-language tbody tr').allInnerTexts();
    assert.equal(rows.length, 2);
    assert.match(rows[0], /^typescript/);
    await workbench.screenshot('e2e-dashboard-light');
  });

  it('narrows every tile to the chosen language', async () => {
    const select = frame.locator('#filter-languages');
    await select.click();
    // The drop-down's options live in the control's shadow root, which locators see into.
    await frame.locator('#filter-languages li.option', { hasText: 'python' }).click();
    await frame.locator('h1').click(); // close the drop-down
    await waitForTile(frame, 'adoptionRateByCount', '33.3%'); // 1 of 3
    assert.equal(await tileText(frame, 'guardRedactions'), '1');
    assert.equal(await tileText(frame, 'guardBlocks'), '0');
    assert.equal(await frame.locator('#table-language tbody tr').count(), 1);
  });

  it('exports the numbers on screen to the CSV file picked in the save dialog', async () => {
    const { workbench, server } = current();
    await frame.locator('#export-csv').click();
    // VS Code's own save dialog (a quick input holding the proposed path in the workspace): accept it.
    const input = workbench.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    // The dialog fills in the proposed name a moment after it opens.
    await eventually(
      async () => /aegis-dashboard-.*\.csv$/.test(await input.inputValue()),
      'the proposed file name in the save dialog',
      20_000,
    );
    await workbench.page.keyboard.press('Enter');
    const folder = server.workspace ?? '';
    const deadline = Date.now() + 20_000;
    let file: string | undefined;
    while (file === undefined && Date.now() < deadline) {
      file = readdirSync(folder).find((name) => /^aegis-dashboard-.*\.csv$/.test(name));
      if (file === undefined) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(file, 'the CSV was written into the workspace');
    const path = join(folder, file);
    // The write may land a moment after the name appears.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.ok(existsSync(path));
    const csv = readFileSync(path, 'utf8');
    // The python filter on screen applies to the export: 1 of 3, and nothing shown before.
    assert.match(csv, /^adoptionRateByCount,0\.333333333333,,,$/m);
    assert.match(csv, /^guardRedactions,1,0,1,$/m);
    assert.match(csv, /^python,/m);
    assert.doesNotMatch(csv, /^typescript,/m);
  });

  it('follows the colour theme', async () => {
    const { workbench } = current();
    // As a person does it: the theme picker, filtered to the dark default theme.
    await workbench.runCommand('Preferences: Color Theme');
    const input = workbench.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.pressSequentially('Dark Modern', { delay: 20 });
    await workbench.page
      .locator('.quick-input-list .monaco-list-row.focused', { hasText: 'Dark Modern' })
      .waitFor({ state: 'visible' });
    await workbench.page.keyboard.press('Enter');
    const deadline = Date.now() + 20_000;
    let dark = false;
    while (!dark && Date.now() < deadline) {
      dark = await frame.evaluate(() => document.body.classList.contains('vscode-dark')).catch(() => false);
      if (!dark) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.ok(dark, 'the page received the dark theme');
    const background = await frame.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.notEqual(background, 'rgb(255, 255, 255)');
    await new Promise((resolve) => setTimeout(resolve, 500)); // charts redraw in the new colours
    await workbench.screenshot('e2e-dashboard-dark');
  });
});
