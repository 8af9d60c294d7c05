// Builds the production bundles and packages them into aegis-code-assistant-<version>.vsix.
// Everything the extension needs is bundled (dependencies are not shipped as node_modules), except the
// native SQLite module, which sits in dist/native/ and is built for this machine's Node ABI.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version, name } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = join(root, `${name}-${version}.vsix`);

execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), '--production'], {
  stdio: 'inherit',
  cwd: root,
});
execFileSync(
  process.execPath,
  [
    join(root, 'node_modules/@vscode/vsce/vsce'),
    'package',
    '--no-dependencies',
    '--skip-license',
    '--no-rewrite-relative-links',
    '-o',
    out,
  ],
  { stdio: 'inherit', cwd: root },
);
console.log(out);
