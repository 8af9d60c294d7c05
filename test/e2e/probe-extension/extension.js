// Test-only extension for the e2e harness's own tests: after "const total = " it suggests a fixed
// two-line completion, so the harness's ghost-text, accept and editor-reading helpers can be checked
// against the real VS Code DOM without depending on a model.
const vscode = require('vscode');

exports.activate = (context) => {
  const provider = {
    provideInlineCompletionItems(document, position) {
      const before = document.lineAt(position.line).text.slice(0, position.character);
      if (!before.endsWith('const total = ')) return [];
      return [new vscode.InlineCompletionItem('cart.totalCents(0.2);\nconsole.log(total);')];
    },
  };
  context.subscriptions.push(
    vscode.languages.registerInlineCompletionItemProvider({ pattern: '**' }, provider),
  );
  const item = vscode.window.createStatusBarItem('probe.ready', vscode.StatusBarAlignment.Left, 0);
  item.text = 'probe ready';
  item.show();
  context.subscriptions.push(item);
};
