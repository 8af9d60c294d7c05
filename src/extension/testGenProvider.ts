// The VS Code side of unit-test generation: a "Generate tests" CodeLens above functions, methods and classes,
// the command on a selection or the editor context menu, the proposed file as a diff with Accept/Reject, running
// the tests in a terminal afterwards, and one repair round when they fail. The work itself is in src/assist/.
import { spawn } from 'node:child_process';
import * as vscode from 'vscode';
import { planTests } from '../assist/testFrameworkDetect';
import type { TestPlan } from '../assist/testFrameworkDetect';
import { createDiskFileSystem } from '../assist/testFrameworkFs';
import {
  GuardBlockedError,
  generateTests,
  NoCodeInAnswerError,
  repairTests,
} from '../assist/testGenPipeline';
import type { TestGenResult, TextGuard } from '../assist/testGenPipeline';
import {
  budgetSignatures,
  declarationAt,
  importCandidates,
  importSourceOf,
  localDeclarationLine,
  signatureOf,
  typeReferencesIn,
} from '../assist/testGenSignatures';
import { enclosingSymbol, leadingImports } from '../assist/testGenSymbols';
import type { SymbolLocator, TestableKind, TestableSymbol } from '../assist/testGenSymbols';
import type { AegisContext } from './aegisContext';

export const GENERATE_TESTS_COMMAND = 'aegis.tests.generate';
/** How long the prompt waits for the language server's definitions before it goes without them. */
const SIGNATURE_BUDGET_MS = 1_500;
const TEST_LANGUAGES = [
  'typescript',
  'typescriptreact',
  'javascript',
  'javascriptreact',
  'python',
  'go',
  'java',
  'rust',
];

/** Accepted test code, for the code generation rate (the lead connects it to the metrics store). */
export interface AcceptedTestsEvent {
  languageId: string;
  /** Characters and lines the assistant wrote into the file. */
  chars: number;
  lines: number;
  testFile: string;
}

export interface TestGenOptions {
  guard?: TextGuard;
  /** Puts back the values the guard replaced by placeholders in the prompt, in the proposal the user accepts. */
  restore?: (text: string) => string;
  symbols?: SymbolLocator;
  onAccepted?: (event: AcceptedTestsEvent) => void;
}

/** Symbols from the language servers (`vscode.executeDocumentSymbolProvider`). */
export class DocumentSymbolLocator implements SymbolLocator {
  async symbolsAt(document: { uri: string }): Promise<TestableSymbol[]> {
    const found = await vscode.commands.executeCommand<
      Array<vscode.DocumentSymbol | vscode.SymbolInformation>
    >('vscode.executeDocumentSymbolProvider', vscode.Uri.parse(document.uri));
    const out: TestableSymbol[] = [];
    const visit = (symbol: vscode.DocumentSymbol, insideClass: boolean): void => {
      const kind = testableKind(symbol.kind, insideClass);
      if (kind)
        out.push({
          kind,
          name: symbol.name,
          startLine: symbol.range.start.line,
          endLine: symbol.range.end.line,
        });
      const isClass = symbol.kind === vscode.SymbolKind.Class || symbol.kind === vscode.SymbolKind.Struct;
      // Functions nested in functions are implementation details; methods of classes are not.
      if (isClass || symbol.kind === vscode.SymbolKind.Module || symbol.kind === vscode.SymbolKind.Namespace)
        for (const child of symbol.children) visit(child, isClass);
    };
    for (const item of found ?? []) if ('children' in item) visit(item, false);
    return out;
  }
}

function testableKind(kind: vscode.SymbolKind, insideClass: boolean): TestableKind | undefined {
  switch (kind) {
    case vscode.SymbolKind.Function:
      return insideClass ? 'method' : 'function';
    case vscode.SymbolKind.Method:
      return 'method';
    case vscode.SymbolKind.Class:
    case vscode.SymbolKind.Struct:
      return 'class';
    default:
      return undefined;
  }
}

class GenerateTestsLens implements vscode.CodeLensProvider {
  constructor(private readonly symbols: SymbolLocator) {}

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const symbols = await this.symbols.symbolsAt({
      uri: document.uri.toString(),
      languageId: document.languageId,
      text: document.getText(),
    });
    return symbols.map((s) => {
      const range = new vscode.Range(s.startLine, 0, s.startLine, 0);
      return new vscode.CodeLens(range, {
        title: vscode.l10n.t('Generate tests'),
        command: GENERATE_TESTS_COMMAND,
        arguments: [document.uri, new vscode.Range(s.startLine, 0, s.endLine + 1, 0), s.name],
      });
    });
  }
}

export class TestGenFeature implements vscode.Disposable {
  private readonly symbols: SymbolLocator;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly ctx: AegisContext,
    private readonly options: TestGenOptions = {},
  ) {
    this.symbols = options.symbols ?? new DocumentSymbolLocator();
  }

  /** Registers the CodeLens and the command; the caller keeps the disposables. Proposals are shown through
   * the context's one provider of proposal documents (a second provider for the scheme would answer for it). */
  register(): vscode.Disposable[] {
    const selector = TEST_LANGUAGES.map((language) => ({ language, scheme: 'file' }));
    this.disposables.push(
      vscode.languages.registerCodeLensProvider(selector, new GenerateTestsLens(this.symbols)),
      vscode.commands.registerCommand(
        GENERATE_TESTS_COMMAND,
        (uri?: unknown, range?: unknown, name?: unknown) =>
          this.generate(
            uri instanceof vscode.Uri ? uri : undefined,
            range instanceof vscode.Range ? range : undefined,
            typeof name === 'string' ? name : undefined,
          ),
      ),
    );
    return [this];
  }

  private async generate(uri?: vscode.Uri, range?: vscode.Range, symbolName?: string): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const document = uri ? await vscode.workspace.openTextDocument(uri) : editor?.document;
    if (!document) return;
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    if (!folder) {
      void vscode.window.showWarningMessage(
        vscode.l10n.t('Aegis: open the file inside a workspace folder to generate tests.'),
      );
      return;
    }
    const sourcePath = vscode.workspace.asRelativePath(document.uri, false);
    const plan = await planTests(createDiskFileSystem(folder.uri.fsPath), sourcePath);
    if (!plan) {
      void vscode.window.showWarningMessage(
        vscode.l10n.t('Aegis: test generation does not support {0} files.', document.languageId),
      );
      return;
    }
    this.ctx.logger.info(`tests: ${plan.framework} -> ${plan.testFile} (${plan.evidence.join('; ')})`);

    let target = range;
    let name = symbolName;
    if (!target && editor && editor.document === document && !editor.selection.isEmpty)
      target = editor.selection;
    if (!target && editor && editor.document === document) {
      const symbols = await this.symbols.symbolsAt({
        uri: document.uri.toString(),
        languageId: document.languageId,
        text: document.getText(),
      });
      const symbol = enclosingSymbol(symbols, editor.selection.active.line);
      if (symbol) {
        target = new vscode.Range(symbol.startLine, 0, symbol.endLine + 1, 0);
        name = symbol.name;
      }
    }
    const code = document.getText(target);
    const testUri = vscode.Uri.joinPath(folder.uri, plan.testFile);
    const existing = plan.testFileExists || plan.layout === 'inline' ? await readText(testUri) : undefined;
    const example = plan.testFileExists ? undefined : await findExample(folder, plan);

    const profile = this.ctx.profileFor('tests');
    this.ctx.metrics.record({
      kind: 'interaction',
      feature: 'tests',
      action: 'request',
      userInitiated: true,
      model: profile.model,
      language: document.languageId,
    });
    const result = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: vscode.l10n.t('Aegis: writing tests…'),
        cancellable: true,
      },
      async (_progress, token) => {
        const controller = new AbortController();
        const sub = token.onCancellationRequested(() => controller.abort());
        try {
          const typeSignatures = await collectTypeSignatures(
            document,
            target ?? new vscode.Range(0, 0, document.lineCount, 0),
            SIGNATURE_BUDGET_MS,
          );
          return await generateTests(
            {
              model: await this.ctx.modelClient(),
              profile,
              ...(this.options.guard ? { guard: this.options.guard } : {}),
            },
            {
              target: plan,
              sourcePath,
              code,
              ...(name ? { symbolName: name } : {}),
              imports: leadingImports(document.getText()),
              typeSignatures,
              ...(example ? { example } : {}),
              ...(existing !== undefined ? { existingTestFile: existing } : {}),
            },
            controller.signal,
          );
        } catch (error) {
          if (!controller.signal.aborted) this.reportError(error);
          return undefined;
        } finally {
          sub.dispose();
        }
      },
    );
    if (result) await this.review(result, plan, testUri, false);
  }

  /** Shows the diff, writes on Accept, then offers to run the tests and, once, to repair them. */
  private async review(
    result: TestGenResult,
    plan: TestPlan,
    testUri: vscode.Uri,
    repaired: boolean,
  ): Promise<void> {
    for (const notice of result.notices) void vscode.window.showInformationMessage(`Aegis: ${notice}`);
    // The diff shows what will be written: the user's own values, not the placeholders the model saw.
    const proposed = this.options.restore?.(result.proposedContent) ?? result.proposedContent;
    const originalUri = this.ctx.proposals.add(testUri, result.originalContent ?? '');
    const proposalUri = this.ctx.proposals.add(testUri, proposed);
    await vscode.commands.executeCommand(
      'vscode.diff',
      originalUri,
      proposalUri,
      vscode.l10n.t('{0} (proposed tests)', plan.testFile),
      { preview: true },
    );
    const accept = vscode.l10n.t('Accept');
    const choice = await vscode.window.showInformationMessage(
      result.complete
        ? vscode.l10n.t('Aegis: write the proposed tests to {0}?', plan.testFile)
        : vscode.l10n.t(
            'Aegis: the answer was cut off; the proposal for {0} may be incomplete. Write it anyway?',
            plan.testFile,
          ),
      accept,
      vscode.l10n.t('Reject'),
    );
    this.ctx.proposals.forget(proposalUri);
    this.ctx.proposals.forget(originalUri);
    if (choice !== accept) return;

    await writeWhole(testUri, proposed);
    const added = Math.max(0, proposed.length - (result.originalContent ?? '').length);
    const model = this.ctx.profileFor('tests').model;
    this.ctx.metrics.record({
      kind: 'charsAdded',
      source: 'tests',
      model,
      chars: added,
      language: plan.languageId,
    });
    this.ctx.metrics.record({
      kind: 'interaction',
      feature: 'tests',
      action: 'apply',
      userInitiated: true,
      model,
      language: plan.languageId,
    });
    this.options.onAccepted?.({
      languageId: plan.languageId,
      chars: added,
      lines: result.code.split('\n').filter((l) => l.trim() !== '').length,
      testFile: plan.testFile,
    });
    await vscode.window.showTextDocument(testUri, { preview: false });

    const run = vscode.l10n.t('Run tests');
    const wantsRun = await vscode.window.showInformationMessage(
      vscode.l10n.t('Aegis: run `{0}`?', plan.runCommand),
      run,
    );
    if (wantsRun !== run) return;
    const folder = vscode.workspace.getWorkspaceFolder(testUri);
    if (!folder) return;
    const cwd = vscode.Uri.joinPath(folder.uri, plan.projectRoot).fsPath;
    const outcome = await runInTerminal(plan.runCommand, cwd);
    if (outcome.exitCode === 0 || repaired) return;

    const repair = vscode.l10n.t('Repair with Aegis');
    const wantsRepair = await vscode.window.showWarningMessage(
      vscode.l10n.t('Aegis: the tests failed (exit code {0}).', String(outcome.exitCode ?? '?')),
      repair,
    );
    if (wantsRepair !== repair) return;
    const profile = this.ctx.profileFor('tests');
    const fixed = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: vscode.l10n.t('Aegis: repairing the tests…'),
        cancellable: true,
      },
      async (_progress, token) => {
        const controller = new AbortController();
        const sub = token.onCancellationRequested(() => controller.abort());
        try {
          return await repairTests(
            {
              model: await this.ctx.modelClient(),
              profile,
              ...(this.options.guard ? { guard: this.options.guard } : {}),
            },
            result,
            outcome.output,
            controller.signal,
          );
        } catch (error) {
          if (!controller.signal.aborted) this.reportError(error);
          return undefined;
        } finally {
          sub.dispose();
        }
      },
    );
    if (fixed) await this.review(fixed, plan, testUri, true);
  }

  private reportError(error: unknown): void {
    const message =
      error instanceof GuardBlockedError || error instanceof NoCodeInAnswerError || error instanceof Error
        ? error.message
        : String(error);
    this.ctx.logger.warn(`tests: ${message}`);
    void vscode.window.showErrorMessage(`Aegis: ${message}`);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }
}

/**
 * Signatures of the types the code uses: declared in the same file, behind a relative import, or else where
 * the language server's definition points. Bounded in time: a language server still loading the project must
 * not hold the request up; what was found by then is used.
 */
export async function collectTypeSignatures(
  document: vscode.TextDocument,
  range: vscode.Range,
  budgetMs: number,
): Promise<string[]> {
  if (!['typescript', 'typescriptreact', 'javascript', 'javascriptreact'].includes(document.languageId))
    return [];
  const base = document.offsetAt(range.start);
  const references = typeReferencesIn(document.getText(range));
  const found: Array<string | undefined> = references.map(() => undefined);
  const lookups = references.map(async (reference, index) => {
    // Declarations in this file and behind relative imports are found without the language server, which
    // may still be loading the project; it answers the rest (path aliases, packages) when it can in time.
    const place =
      localPlace(document, reference.name) ??
      (await importedDeclarationOf(document, reference.name)) ??
      (await definitionOf(document, document.positionAt(base + reference.offset)));
    if (!place) return;
    // A definition inside the code under test is already in the prompt.
    if (
      place.document.uri.toString() === document.uri.toString() &&
      range.contains(new vscode.Position(place.line, 0))
    )
      return;
    const declaration = declarationAt(place.document.getText(), place.line);
    if (declaration !== undefined) found[index] = signatureOf(declaration);
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    Promise.allSettled(lookups),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, budgetMs);
    }),
  ]);
  clearTimeout(timer);
  return budgetSignatures(found.filter((s): s is string => s !== undefined));
}

interface DeclarationPlace {
  document: vscode.TextDocument;
  /** 0-based line where the declaration starts. */
  line: number;
}

const IMPORT_LINE = /^\s*(import|export\s+(\*|\{[^}]*\})\s+from)\b/;

/**
 * The language server's definition, unless it is the standard library or an import line: a TypeScript server
 * still loading the project answers from the one file it has, which ends at the import.
 */
async function definitionOf(
  document: vscode.TextDocument,
  position: vscode.Position,
): Promise<DeclarationPlace | undefined> {
  const definitions = await vscode.commands.executeCommand<Array<vscode.Location | vscode.LocationLink>>(
    'vscode.executeDefinitionProvider',
    document.uri,
    position,
  );
  for (const definition of definitions ?? []) {
    const uri = 'targetUri' in definition ? definition.targetUri : definition.uri;
    const line = (
      'targetUri' in definition
        ? (definition.targetSelectionRange ?? definition.targetRange)
        : definition.range
    ).start.line;
    if (/[\\/]node_modules[\\/]typescript[\\/]lib[\\/]/.test(uri.fsPath)) continue;
    const target =
      uri.toString() === document.uri.toString() ? document : await vscode.workspace.openTextDocument(uri);
    if (IMPORT_LINE.test(target.lineAt(Math.min(line, target.lineCount - 1)).text)) continue;
    return { document: target, line };
  }
  return undefined;
}

/** Follows a relative import of `name` to the file it names and the declaration there, without a server. */
async function importedDeclarationOf(
  document: vscode.TextDocument,
  name: string,
): Promise<DeclarationPlace | undefined> {
  const source = importSourceOf(document.getText(), name);
  if (!source) return undefined;
  const dir = vscode.Uri.joinPath(document.uri, '..');
  for (const candidate of importCandidates(source.specifier)) {
    const uri = vscode.Uri.joinPath(dir, candidate);
    try {
      await vscode.workspace.fs.stat(uri);
    } catch {
      continue;
    }
    const target = await vscode.workspace.openTextDocument(uri);
    const text = target.getText();
    const line =
      source.importedName === 'default'
        ? text.split(/\r?\n/).findIndex((l) => /^\s*export\s+default\b/.test(l))
        : (localDeclarationLine(text, source.importedName) ?? -1);
    return line === -1 ? undefined : { document: target, line };
  }
  return undefined;
}

function localPlace(document: vscode.TextDocument, name: string): DeclarationPlace | undefined {
  const line = localDeclarationLine(document.getText(), name);
  return line === undefined ? undefined : { document, line };
}

async function readText(uri: vscode.Uri): Promise<string | undefined> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return open.getText();
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return undefined;
  }
}

/** One existing test of the project, in the same naming style, as the model's style example. */
async function findExample(
  folder: vscode.WorkspaceFolder,
  plan: TestPlan,
): Promise<{ path: string; content: string } | undefined> {
  if (plan.layout === 'inline') return undefined;
  const glob = `**/${plan.naming.replace(/\{name\}|\{Name\}/, '*')}`;
  const [found] = await vscode.workspace.findFiles(
    new vscode.RelativePattern(folder, glob),
    '{**/node_modules/**,**/target/**,**/dist/**,**/.venv/**}',
    1,
  );
  if (!found) return undefined;
  const content = await readText(found);
  return content === undefined ? undefined : { path: vscode.workspace.asRelativePath(found, false), content };
}

/** Replaces the file's whole content through the editor (so undo works and open editors follow), then saves. */
async function writeWhole(uri: vscode.Uri, content: string): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  edit.createFile(uri, { ignoreIfExists: true });
  await vscode.workspace.applyEdit(edit);
  const document = await vscode.workspace.openTextDocument(uri);
  const replace = new vscode.WorkspaceEdit();
  replace.replace(uri, new vscode.Range(0, 0, document.lineCount, 0), content);
  await vscode.workspace.applyEdit(replace);
  await document.save();
}

/** Output kept for the repair prompt; the tail matters most and is what the pipeline sends. */
const MAX_OUTPUT_CHARS = 200_000;

/**
 * Runs the command in a terminal the user sees, as a task whose pseudoterminal owns the process, so that both
 * the exit code and the output are known here (a plain shell task reports only the exit code).
 */
export function runInTerminal(
  command: string,
  cwd: string,
): Promise<{ exitCode: number | undefined; output: string }> {
  return new Promise((resolve) => {
    let output = '';
    const write = new vscode.EventEmitter<string>();
    const close = new vscode.EventEmitter<number>();
    const pty: vscode.Pseudoterminal = {
      onDidWrite: write.event,
      onDidClose: close.event,
      open: () => {
        write.fire(`$ ${command}\r\n`);
        const child = spawn(command, { cwd, shell: true, env: process.env });
        const take = (chunk: Buffer): void => {
          const text = chunk.toString('utf8');
          output = (output + text).slice(-MAX_OUTPUT_CHARS);
          write.fire(text.replace(/\r?\n/g, '\r\n'));
        };
        child.stdout.on('data', take);
        child.stderr.on('data', take);
        child.on('error', (error) => {
          output += `\n${error.message}`;
          write.fire(`\r\n${error.message}\r\n`);
          close.fire(127);
          resolve({ exitCode: 127, output });
        });
        child.on('close', (code) => {
          write.fire(`\r\n[exit code ${code ?? '?'}]\r\n`);
          close.fire(code ?? 1);
          resolve({ exitCode: code ?? undefined, output });
        });
      },
      close: () => undefined,
    };
    const task = new vscode.Task(
      { type: 'aegis-tests' },
      vscode.TaskScope.Workspace,
      vscode.l10n.t('Aegis: run tests'),
      'Aegis',
      new vscode.CustomExecution(() => Promise.resolve(pty)),
    );
    void vscode.tasks.executeTask(task).then(undefined, (error: unknown) => {
      resolve({ exitCode: undefined, output: String(error) });
    });
  });
}
