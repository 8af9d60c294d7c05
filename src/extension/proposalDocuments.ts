// Proposed file versions shown in `vscode.diff` before anything is written: one read-only document
// provider for every feature that proposes code (chat's Apply, test generation). One scheme, one provider:
// two providers registered for the same scheme would answer for each other's documents.
import * as vscode from 'vscode';

export const PROPOSAL_SCHEME = 'aegis-proposal';

export class ProposalDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private readonly registration: vscode.Disposable;
  private counter = 0;
  readonly onDidChange = this.changed.event;

  constructor() {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(PROPOSAL_SCHEME, this);
  }

  /** A new proposal named after the file it would change; each call gets its own URI. */
  add(original: vscode.Uri, text: string): vscode.Uri {
    const name = original.path.split('/').pop() ?? 'proposal';
    const uri = vscode.Uri.from({ scheme: PROPOSAL_SCHEME, path: `/${++this.counter}/${name}` });
    this.set(uri, text);
    return uri;
  }

  /** Replaces a proposal's text (e.g. after a repair round); an open diff updates. */
  set(uri: vscode.Uri, text: string): void {
    this.contents.set(uri.path, text);
    this.changed.fire(uri);
  }

  // Keyed by path: a URI that comes back from a remote workbench (code-server) is not always spelled the same.
  forget(uri: vscode.Uri): void {
    this.contents.delete(uri.path);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.path) ?? '';
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}
