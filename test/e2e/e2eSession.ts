// One end-to-end session: code-server with the packaged extension installed from its .vsix (the way a
// user installs it), a copy of the sample workspace opened in headless Chromium, and the workbench ready
// to drive once the extension has activated; and the mocha hooks every e2e suite wraps around it.
import * as assert from 'node:assert/strict';
import { appendFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { OpenAITestServer } from '../fixtures/openaiTestServer';
import { launchBrowser } from '../support/browser';
import type { BrowserSession, Workbench } from '../support/browser';
import { startCodeServer } from '../support/codeServer';
import type { CodeServer } from '../support/codeServer';
import { repoRoot, runStamp, sampleWorkspace, testRunsDir } from '../support/testRunPaths';

export interface E2eSession {
  readonly server: CodeServer;
  readonly browser: BrowserSession;
  readonly workbench: Workbench;
  /** Closes the browser and stops code-server; keeps logs and screenshots. */
  stop(): Promise<void>;
}

export interface E2eSessionOptions {
  /** Names logs and screenshots. */
  name: string;
  /** Extra user settings, e.g. `aegis.models` aimed at a local test server. */
  settings?: Record<string, unknown>;
  /** Extra environment for code-server and so the extension host. */
  env?: Record<string, string>;
  /** The folder to open (a fresh copy of it); the sample workspace by default. */
  workspace?: string;
  /**
   * Loads this extension under development instead of installing the Aegis .vsix, and waits for its status
   * bar item `readyItem` instead of Aegis's (the harness checks the helpers with a probe extension).
   */
  developmentExtension?: { path: string; readyItem: string };
}

/**
 * The .vsix under test: $AEGIS_VSIX when set (CI passes the artifact of `npm run package`), else the
 * newest aegis-code-assistant-*.vsix at the repository root.
 */
export function resolveVsix(): string {
  const fromEnv = process.env.AEGIS_VSIX;
  if (fromEnv !== undefined && fromEnv !== '') {
    const path = resolve(fromEnv);
    if (!existsSync(path)) throw new Error(`AEGIS_VSIX points at ${path}, which does not exist`);
    return path;
  }
  const candidates = readdirSync(repoRoot)
    .filter((name) => /^aegis-code-assistant-.*\.vsix$/.test(name))
    .map((name) => join(repoRoot, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  const newest = candidates[0];
  if (newest === undefined) {
    throw new Error('No .vsix to test: run `npm run package`, or set AEGIS_VSIX to a packaged extension.');
  }
  return newest;
}

export async function startE2eSession(options: E2eSessionOptions): Promise<E2eSession> {
  const consoleLog = join(testRunsDir('e2e'), `${options.name}-console-${runStamp()}.log`);
  const development = options.developmentExtension;
  const server = await startCodeServer({
    name: options.name,
    workspace: options.workspace ?? sampleWorkspace,
    installVsix: development === undefined ? resolveVsix() : undefined,
    settings: options.settings,
    env: options.env,
  });
  let browser: BrowserSession | undefined;
  try {
    browser = await launchBrowser({ onConsole: (line) => appendFileSync(consoleLog, `${line}\n`) });
    await browser.workbench.open(
      development === undefined
        ? server.workbenchUrl()
        : server.workbenchUrl({
            payload: [['extensionDevelopmentPath', server.remoteUri(development.path)]],
          }),
    );
    // The Aegis status bar item appears when activate() has run: typing before that would race the
    // registration of the completion provider.
    // Activation waits for the workbench to finish starting, which takes long on a loaded machine.
    await browser.workbench
      .statusBarItem(development?.readyItem ?? 'aegis.status')
      .waitFor({ state: 'visible', timeout: 90_000 });
  } catch (error) {
    await browser?.workbench.screenshot(`${options.name}-start-failed`).catch(() => undefined);
    await browser?.close();
    await server.stop();
    throw error;
  }
  const session = browser;
  return {
    server,
    browser: session,
    workbench: session.workbench,
    stop: async () => {
      await session.close();
      await server.stop();
    },
  };
}

export interface UseE2eSessionOptions {
  /** Started before the session and stopped after it, so the session's settings may use its `baseUrl`. */
  modelServer?: OpenAITestServer;
  /** The session to start; a function when it needs the started model server. */
  session: E2eSessionOptions | (() => E2eSessionOptions);
  /** Runs once the session has started, before the first test (e.g. to listen for dialogs). */
  onStarted?: (session: E2eSession) => void;
}

export interface E2eSessionAccess {
  /** The running session; fails the calling test when it did not start. */
  readonly current: () => E2eSession;
  /** `current().workbench`. */
  readonly workbench: () => Workbench;
}

/**
 * Registers a suite's hooks around one session: start the model server and the session (retried once), a
 * screenshot of every failed test, and stop both at the end. Call it in the `describe` body.
 */
export function useE2eSession(options: UseE2eSessionOptions): E2eSessionAccess {
  let session: E2eSession | undefined;

  before(async function () {
    // Two attempts of up to two minutes each.
    this.timeout(300_000);
    await options.modelServer?.start();
    const sessionOptions = typeof options.session === 'function' ? options.session() : options.session;
    // On a loaded machine the extension host can start later than the session's wait; one retry absorbs that.
    session = await startE2eSession(sessionOptions).catch(() => startE2eSession(sessionOptions));
    options.onStarted?.(session);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && session !== undefined) {
      await session.workbench.screenshot(`failed-${this.currentTest.fullTitle()}`).catch(() => undefined);
    }
  });

  after(async () => {
    await session?.stop();
    await options.modelServer?.stop();
  });

  const current = (): E2eSession => {
    assert.ok(session, 'the e2e session did not start');
    return session;
  };
  return { current, workbench: () => current().workbench };
}
