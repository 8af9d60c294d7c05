// Drives the VS Code workbench in Debian's Chromium through playwright-core, in the terms a person would
// use: open the workbench, run a command from the palette, open a file, type, wait for ghost text, press
// keys, read the status bar, notifications and webviews, take screenshots. Selectors for VS Code's DOM
// live only here, so a VS Code upgrade that moves them is fixed in one file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Frame, Locator, Page } from 'playwright-core';
import { testRunsDir } from './testRunPaths';

export const chromiumPath = process.env.AEGIS_CHROMIUM ?? '/usr/bin/chromium';

/** Flags verified to run Debian's Chromium headless in a container, offline. */
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--lang=en-US',
];

/** How long a person would wait for the UI to react before calling it broken. */
// A ceiling, not a pace: a loaded 2-core CI machine can take this long to draw what a person waits for.
const uiTimeoutMs = 45_000;

export interface BrowserSession {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly workbench: Workbench;
  /** Closes the browser and removes its profile. Safe to call twice. */
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** Show the window (needs a display); the default is headless. */
  headed?: boolean;
  /** Called for each message the workbench page logs, e.g. to keep them in a log file. */
  onConsole?: (line: string) => void;
}

export async function launchBrowser(options: LaunchOptions = {}): Promise<BrowserSession> {
  const profile = mkdtempSync(join(tmpdir(), 'aegis-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: options.headed !== true,
      args: chromiumArgs,
      viewport: { width: 1400, height: 900 },
      locale: 'en-US',
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const onConsole = options.onConsole;
  if (onConsole !== undefined) {
    page.on('console', (message) => onConsole(`[${message.type()}] ${message.text()}`));
    page.on('pageerror', (error) => onConsole(`[pageerror] ${error.message}`));
  }
  let closed = false;
  return {
    context,
    page,
    workbench: new Workbench(page),
    close: async () => {
      if (closed) return;
      closed = true;
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One VS Code workbench page, operated like a person operates it. */
export class Workbench {
  constructor(readonly page: Page) {}

  /** Opens the workbench URL and waits until the editor area and the status bar are on screen. */
  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    await this.page.locator('#workbench\\.parts\\.statusbar').waitFor({ state: 'visible', timeout: 60_000 });
    await this.page.locator('#workbench\\.parts\\.editor').waitFor({ state: 'visible', timeout: 60_000 });
  }

  /** F1, type the command's label, wait until the palette has it selected, Enter. */
  async runCommand(label: string): Promise<void> {
    await this.dismissQuickInput();
    await this.page.keyboard.press('F1');
    const input = this.quickInputBox();
    await input.waitFor({ state: 'visible', timeout: uiTimeoutMs });
    await input.pressSequentially(label, { delay: 20 });
    await this.focusRow(label);
    await this.page.keyboard.press('Enter');
    // Done when the palette has closed, or has turned into the command's own prompt (an input box or a
    // pick list, which no longer holds the ">" of the command palette).
    const deadline = Date.now() + uiTimeoutMs;
    while (Date.now() < deadline) {
      if (!(await this.quickInputWidget().isVisible())) return;
      if (!(await input.inputValue().catch(() => '>')).startsWith('>')) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`The command palette stayed open after choosing "${label}"`);
  }

  /**
   * Answers the input box a command opened (e.g. the API key prompt; password boxes included): types
   * `text` like a person and presses Enter. Resolves when the box has closed.
   */
  async answerPrompt(text: string): Promise<void> {
    const input = this.quickInputBox();
    await input.waitFor({ state: 'visible', timeout: uiTimeoutMs });
    await input.pressSequentially(text, { delay: 20 });
    await this.page.keyboard.press('Enter');
    await this.quickInputWidget().waitFor({ state: 'hidden', timeout: uiTimeoutMs });
  }

  /** The prompt (placeholder) and title of the open quick input, to check what a command is asking. */
  async promptText(): Promise<string> {
    await this.quickInputWidget().waitFor({ state: 'visible', timeout: uiTimeoutMs });
    const placeholder = (await this.quickInputBox().getAttribute('placeholder')) ?? '';
    const title = (await this.page.locator('.quick-input-widget .quick-input-title').innerText()).trim();
    return [title, placeholder].filter((part) => part !== '').join(': ');
  }

  /** Ctrl+P, type the workspace-relative path, Enter; resolves once its editor has focus. A quick pick whose
   * list never shows (seen under heavy load: the row is there but has no size) is closed and opened once more,
   * as a person would. */
  async openFile(relativePath: string): Promise<void> {
    const fileName = relativePath.split('/').pop() ?? relativePath;
    for (let attempt = 1; ; attempt++) {
      await this.dismissQuickInput();
      await this.page.keyboard.press('Control+P');
      const input = this.quickInputBox();
      await input.waitFor({ state: 'visible', timeout: uiTimeoutMs });
      await input.pressSequentially(relativePath, { delay: 20 });
      try {
        await this.focusRow(fileName);
        break;
      } catch (error) {
        if (attempt >= 2) throw error;
      }
    }
    await this.page.keyboard.press('Enter');
    await this.page
      .locator('.tabs-container .tab.active', { hasText: fileName })
      .waitFor({ state: 'visible', timeout: uiTimeoutMs });
    await this.page.locator('.editor-instance .monaco-editor.focused').waitFor({ timeout: uiTimeoutMs });
  }

  /** Types into whatever has focus, one key at a time like a person (default 60 ms between keys). */
  async type(text: string, delayMs = 60): Promise<void> {
    await this.page.keyboard.type(text, { delay: delayMs });
  }

  /** Presses one key or chord, e.g. 'Tab', 'Escape', 'Control+End'. */
  async press(key: string): Promise<void> {
    await this.page.keyboard.press(key);
  }

  /**
   * Waits for an inline suggestion (ghost text) and returns what it shows, lines joined by '\n'. Monaco
   * draws the first line as `.ghost-text-decoration` token spans inside the cursor's line and any further
   * lines as `.ghost-text` spans in a preview zone below it.
   */
  async waitForGhostText(timeoutMs = uiTimeoutMs): Promise<string> {
    const ghost = this.page.locator(
      '.monaco-editor.focused .ghost-text-decoration, .monaco-editor.focused .suggest-preview-text .ghost-text',
    );
    await ghost.first().waitFor({ state: 'visible', timeout: timeoutMs });
    // No named helper functions inside evaluate(): tsx would wrap them in a `__name` call that does not
    // exist in the page.
    const lines = await this.page.evaluate(() => {
      const editor = document.querySelector('.monaco-editor.focused');
      if (editor === null) return [];
      const first = Array.from(editor.querySelectorAll('.view-lines .ghost-text-decoration'))
        .map((span) => span.textContent ?? '')
        .join('');
      const rest = Array.from(editor.querySelectorAll('.suggest-preview-text .view-line'))
        .map((line) => ({
          top: parseFloat((line as HTMLElement).style.top || '0'),
          text: line.textContent ?? '',
        }))
        .sort((a, b) => a.top - b.top)
        .map((line) => line.text);
      return [first, ...rest];
    });
    return lines.map((line) => line.replace(/\u00a0/g, ' ')).join('\n');
  }

  /** Whether ghost text is showing right now (for asserting that it went away). */
  async hasGhostText(): Promise<boolean> {
    const ghost = this.page.locator(
      '.monaco-editor.focused .ghost-text-decoration, .monaco-editor.focused .suggest-preview-text .ghost-text',
    );
    return (await ghost.count()) > 0;
  }

  /** The text of the focused editor, as rendered (VS Code renders only visible lines). */
  async editorText(): Promise<string> {
    const lines = await this.page
      .locator('.monaco-editor.focused .view-lines .view-line')
      .evaluateAll((nodes) =>
        nodes
          .map((node) => ({
            top: parseFloat((node as HTMLElement).style.top || '0'),
            text: node.textContent ?? '',
          }))
          .sort((a, b) => a.top - b.top)
          .map((line) => line.text.replace(/\u00a0/g, ' ')),
      );
    return lines.join('\n');
  }

  /**
   * A status bar item by the id its extension gave it. VS Code prefixes extension items with the
   * extension id (`aegis.aegis-code-assistant.aegis.status`), so both forms match.
   */
  statusBarItem(id: string): Locator {
    return this.page
      .locator(
        `#workbench\\.parts\\.statusbar .statusbar-item[id="${id}"], #workbench\\.parts\\.statusbar .statusbar-item[id$=".${id}"]`,
      )
      .first();
  }

  /** The visible text of a status bar item (icons are glyphs and drop out). */
  async statusBarText(id: string): Promise<string> {
    const item = this.statusBarItem(id);
    await item.waitFor({ state: 'visible', timeout: uiTimeoutMs });
    return (await item.innerText()).trim();
  }

  /** The messages of the notification toasts on screen now. */
  async notifications(): Promise<string[]> {
    const messages = this.page.locator('.notification-toast .notification-list-item-message');
    return (await messages.allInnerTexts()).map((text) => text.trim());
  }

  /** Waits for a toast whose message contains `text`, returns its full message. */
  async waitForNotification(text: string | RegExp, timeoutMs = uiTimeoutMs): Promise<string> {
    const toast = this.page
      .locator('.notification-toast .notification-list-item-message', { hasText: text })
      .first();
    await toast.waitFor({ state: 'visible', timeout: timeoutMs });
    return (await toast.innerText()).trim();
  }

  /** The title and detail of a modal dialog on screen (e.g. "Command ... resulted in an error"), if any. */
  async modalDialogText(): Promise<string | undefined> {
    const dialog = this.page.locator('.monaco-dialog-box');
    if ((await dialog.count()) === 0 || !(await dialog.first().isVisible())) return undefined;
    const parts = await dialog
      .first()
      .locator('.dialog-message-text, .dialog-message-detail')
      .allInnerTexts();
    return parts.map((part) => part.trim()).join(': ');
  }

  /** The name of the output channel showing in the Output view, or undefined when the view is closed. */
  async visibleOutputChannel(): Promise<string | undefined> {
    const select = this.page.locator('.part.panel .composite.title select.monaco-select-box').first();
    if ((await select.count()) === 0 || !(await select.isVisible())) return undefined;
    return select.evaluate((node) => {
      const element = node as HTMLSelectElement;
      return element.options[element.selectedIndex]?.text;
    });
  }

  /**
   * The frame holding a webview's content. Webviews are an outer iframe (VS Code's host page) with the
   * extension's HTML in an inner one; this returns the frame whose document title (the `<title>` of the
   * extension's HTML; VS Code's own previews have none) matches and/or that contains `selector`.
   */
  async webviewFrame(
    match: { title?: string | RegExp; selector?: string },
    timeoutMs = uiTimeoutMs,
  ): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    const title =
      typeof match.title === 'string' ? new RegExp(escapeRegExp(match.title)) : (match.title ?? undefined);
    while (Date.now() < deadline) {
      for (const frame of this.page.frames()) {
        // Webview frames are served from VS Code's webview host page; skip the workbench and its workers.
        if (frame.isDetached() || !frame.url().includes('/webview/browser/pre/')) continue;
        try {
          if (title !== undefined && !title.test(await frame.title())) continue;
          if (match.selector !== undefined && (await frame.locator(match.selector).count()) === 0) continue;
          // The outer host frame has no content of its own; it only qualifies if nothing else was asked.
          if (title === undefined && match.selector === undefined) continue;
          return frame;
        } catch {
          // The frame navigated or went away while we looked; try the next one.
        }
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`No webview frame matching ${JSON.stringify({ ...match, title: String(match.title) })}`);
  }

  /** Saves a full-page screenshot to .test-runs/screenshots/<name>.png and returns the path. */
  async screenshot(name: string): Promise<string> {
    const path = join(testRunsDir('screenshots'), `${name.replace(/[^\w.-]+/g, '-')}.png`);
    await this.page.screenshot({ path });
    return path;
  }

  private quickInputWidget(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  private quickInputBox(): Locator {
    return this.page.locator('.quick-input-widget .quick-input-box input');
  }

  /**
   * Waits for the quick pick row whose label is exactly `label` and moves the focus onto it with the
   * arrow keys, as a person does when fuzzy matching ranks a longer entry first ("Open Locked Preview
   * to the Side" above "Open Preview"). On timeout, says which rows it did show.
   */
  private async focusRow(label: string): Promise<void> {
    const exactLabel = new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`, 'i');
    const rows = this.page.locator('.quick-input-widget .monaco-list-row');
    const wanted = rows.filter({ has: this.page.locator('.label-name', { hasText: exactLabel }) }).first();
    try {
      await wanted.waitFor({ state: 'visible', timeout: uiTimeoutMs });
      for (let step = 0; step < 50; step++) {
        if (await wanted.evaluate((node) => node.classList.contains('focused'))) return;
        await this.page.keyboard.press('ArrowDown');
      }
      throw new Error('the arrow keys never reached it');
    } catch (error) {
      const shown = (await rows.allInnerTexts()).map((row) => row.replace(/\s+/g, ' ').trim()).join(' | ');
      throw new Error(`The quick pick did not offer "${label}"; it showed: ${shown || 'nothing'}`, {
        cause: error,
      });
    }
  }

  private async dismissQuickInput(): Promise<void> {
    if (await this.quickInputWidget().isVisible()) {
      await this.page.keyboard.press('Escape');
      await this.quickInputWidget().waitFor({ state: 'hidden', timeout: uiTimeoutMs });
    }
  }
}
