// The HTML shell of every Aegis webview: a strict Content Security Policy (nothing but our own bundle, run
// with a fresh nonce per load, and our own stylesheet), the display language, and an empty mount point.
// Data never goes into this HTML: the page receives everything by postMessage.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export interface WebviewPage {
  /** dist/media, the only folder the webview may load from. */
  mediaRoot: vscode.Uri;
  /** The bundle's name: `<name>.js` and `<name>.css` in mediaRoot. */
  name: string;
  /** The document title (tests find the webview frame by it). */
  title: string;
  /** Whether the page draws images from data: URLs (the dashboard's chart legends). */
  dataImages?: boolean;
}

export function webviewHtml(webview: vscode.Webview, page: WebviewPage): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(page.mediaRoot, `${page.name}.js`));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(page.mediaRoot, `${page.name}.css`));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    ...(page.dataImages ? [`img-src ${webview.cspSource} data:`] : []),
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  const lang = vscode.env.language.replace(/[^A-Za-z0-9-]/g, '') || 'en';
  const title = page.title.replace(/[<>&"]/g, '');
  return `<!DOCTYPE html>
<html lang="${lang}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>${title}</title>
</head>
<body>
<main id="app" aria-busy="true"></main>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}
