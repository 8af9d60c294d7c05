// Builds every bundle with esbuild: the extension (Node, CommonJS, 'vscode' external), the command-line
// tool, one browser bundle per webview (media/<name>/main.ts), and the host-test bundle (test/host/index.ts).
// Native and WASM assets are copied beside the bundles so that the packaged .vsix is self-contained.
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const dist = join(root, 'dist');

// dist/ is overwritten in place, not deleted first: a host or e2e run may be reading it at this moment.
mkdirSync(dist, { recursive: true });

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
};

const nodeBuilds = [
  { entryPoints: { extension: 'src/extension/extension.ts' }, outdir: dist },
  { entryPoints: { cli: 'src/cli/main.ts' }, outdir: dist, banner: { js: '#!/usr/bin/env node' } },
];
nodeBuilds.push({
  entryPoints: { activationProbe: 'bench/host/activationProbe.ts' },
  outdir: join(dist, 'host-bench'),
});
if (existsSync(join(root, 'test/host/index.ts'))) {
  nodeBuilds.push({ entryPoints: { index: 'test/host/index.ts' }, outdir: join(dist, 'host-tests') });
}

const nodeOptions = nodeBuilds
  .filter((b) => Object.values(b.entryPoints).every((p) => existsSync(join(root, p))))
  .map((b) => ({
    ...common,
    ...b,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'mocha'],
    // better-sqlite3 finds its binary through 'bindings'; we pass nativeBinding instead.
    define: { 'process.env.AEGIS_BUNDLED': '"1"' },
  }));

const mediaDir = join(root, 'media');
const webviews = existsSync(mediaDir)
  ? readdirSync(mediaDir).filter((name) => existsSync(join(mediaDir, name, 'main.ts')))
  : [];
const browserOptions = webviews.map((name) => ({
  ...common,
  entryPoints: { [name]: `media/${name}/main.ts` },
  outdir: join(dist, 'media'),
  platform: 'browser',
  format: 'iife',
  target: 'es2022',
  loader: { '.css': 'text' },
}));

function copyAssets() {
  const native = join(root, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
  if (existsSync(native)) {
    mkdirSync(join(dist, 'native'), { recursive: true });
    cpSync(native, join(dist, 'native/better_sqlite3.node'));
  }
  const wasm = join(root, 'node_modules/@vscode/tree-sitter-wasm/wasm');
  if (existsSync(wasm)) {
    cpSync(wasm, join(dist, 'tree-sitter'), {
      recursive: true,
      filter: (src) => !src.endsWith('.d.ts'),
    });
  }
  for (const name of webviews) {
    const css = join(mediaDir, name, 'style.css');
    if (existsSync(css)) cpSync(css, join(dist, 'media', `${name}.css`));
  }
}

const all = [...nodeOptions, ...browserOptions];
if (watch) {
  for (const options of all) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
  }
  copyAssets();
  console.log('Watching for changes...');
} else {
  await Promise.all(all.map((options) => esbuild.build(options)));
  copyAssets();
}
