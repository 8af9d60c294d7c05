// Starts and stops a real VS Code server (code-server, installed into tools/code-server by
// scripts/install-code-server.sh) in complete isolation: its own HOME, XDG dirs, user data and extensions,
// so a run never reads or writes the developer's own VS Code state and two runs never share anything.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { killProcessTree } from './processTree';
import { repoRoot, runStamp, testRunsDir } from './testRunPaths';

export const codeServerBin = join(repoRoot, 'tools', 'code-server', 'node_modules', '.bin', 'code-server');

export interface CodeServerOptions {
  /** Folder opened by the workbench URL (absolute, or relative to the repository root). */
  workspace?: string;
  /**
   * Open a fresh copy of `workspace` (default true), so tests that type and save never change the
   * fixture in the repository. The copy keeps the folder's name.
   */
  copyWorkspace?: boolean;
  /** A .vsix installed into the fresh extensions dir before the server starts, as a user would. */
  installVsix?: string;
  /** Extra user settings, merged over the isolating defaults (e.g. `aegis.models` aimed at a test server). */
  settings?: Record<string, unknown>;
  /** Extra environment; the extension host inherits the server's environment. */
  env?: Record<string, string>;
  /** Names the log files of this run. */
  name?: string;
  /** How long to wait for /healthz. */
  startTimeoutMs?: number;
}

export interface CodeServer {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** The folder the workbench opens (the temp copy, unless copyWorkspace was false). */
  readonly workspace: string | undefined;
  /** code-server's own stdout and stderr. */
  readonly logFile: string;
  /** Where the server's user-data logs (extension host, output channels) are copied on stop(). */
  readonly logsDir: string;
  readonly userDataDir: string;
  /** The URL a person would open; `payload` pairs are VS Code's workbench payload (e.g. extension tests). */
  workbenchUrl(options?: { folder?: string; payload?: Array<[string, string]> }): string;
  /** A `vscode-remote://` URI for an absolute path on this machine, as the workbench payload expects. */
  remoteUri(absolutePath: string): string;
  /** Kills the whole process tree, keeps the logs, removes the temp dirs. Safe to call twice. */
  stop(): Promise<void>;
}

/** Settings that keep a test run quiet, offline and deterministic. */
const isolatingSettings: Record<string, unknown> = {
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.settings.enableNaturalLanguageSearch': false,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'chat.commandCenter.enabled': false,
  'window.commandCenter': false,
  'files.hotExit': 'off',
  'editor.inlineSuggest.enabled': true,
};

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** An environment with nothing inherited that would tie code-server to another VS Code or to tsx. */
function isolatedEnv(home: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('VSCODE_') || key.startsWith('ELECTRON_') || key === 'NODE_OPTIONS') continue;
    if (key.startsWith('XDG_')) continue;
    env[key] = value;
  }
  Object.assign(env, {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    XDG_RUNTIME_DIR: join(home, '.run'),
    // No extension marketplace: a test run must not reach the network (code-server reads this as its
    // product.json extensionsGallery; without a serviceUrl the gallery is off).
    EXTENSIONS_GALLERY: '{}',
  });
  Object.assign(env, extra);
  return env;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): Promise<void> {
  return new Promise((resolveRun, reject) => {
    const fd = openSync(logFile, 'a');
    const child = spawn(command, args, { env, stdio: ['ignore', fd, fd] });
    child.on('error', (error) => {
      closeSync(fd);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      closeSync(fd);
      if (code === 0) resolveRun();
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code ?? signal}; see ${logFile}`));
    });
  });
}

async function waitForHealth(origin: string, child: ChildProcess, timeoutMs: number, logFile: string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`code-server exited early (${child.exitCode ?? child.signalCode}); see ${logFile}`);
    }
    try {
      const response = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`code-server did not answer ${origin}/healthz within ${timeoutMs} ms; see ${logFile}`);
}

export async function startCodeServer(options: CodeServerOptions = {}): Promise<CodeServer> {
  if (!existsSync(codeServerBin)) {
    throw new Error(`code-server is not installed at ${codeServerBin}; run scripts/install-code-server.sh`);
  }
  const name = `${options.name ?? 'code-server'}-${runStamp()}`;
  const logsRoot = testRunsDir('logs');
  const logFile = join(logsRoot, `${name}.log`);
  const logsDir = join(logsRoot, name);
  const temp = mkdtempSync(join(tmpdir(), 'aegis-code-server-'));
  const home = join(temp, 'home');
  const userDataDir = join(temp, 'user-data');
  const extensionsDir = join(temp, 'extensions');
  for (const dir of [home, join(home, '.run'), join(userDataDir, 'User'), extensionsDir]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...isolatingSettings, ...options.settings }, null, 2),
  );
  const env = isolatedEnv(home, options.env ?? {});
  const common = ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  const cleanupTemp = () => rmSync(temp, { recursive: true, force: true });
  let workspace = options.workspace === undefined ? undefined : resolve(repoRoot, options.workspace);
  try {
    if (workspace !== undefined && options.copyWorkspace !== false) {
      const copy = join(temp, 'workspace', basename(workspace));
      cpSync(workspace, copy, { recursive: true });
      workspace = copy;
    }
    if (options.installVsix !== undefined) {
      await run(
        codeServerBin,
        [...common, '--install-extension', resolve(options.installVsix)],
        env,
        logFile,
      );
    }
  } catch (error) {
    cleanupTemp();
    throw error;
  }

  // A port picked here can be taken before code-server binds it; a second attempt makes that harmless.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const args = [
      ...common,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      '--locale',
      'en',
      ...(workspace === undefined ? [] : [workspace]),
    ];
    const fd = openSync(logFile, 'a');
    // detached: the server leads its own process group, so stop() can signal everything it started.
    const child = spawn(codeServerBin, args, { env, cwd: home, detached: true, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    // If this process dies without calling stop() (a crash, mocha's Ctrl+C), still take the server down.
    const killOnExit = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    process.on('exit', killOnExit);
    const kill = async () => {
      process.off('exit', killOnExit);
      if (child.pid !== undefined) await killProcessTree(child.pid);
    };
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await kill();
      try {
        cpSync(join(userDataDir, 'logs'), logsDir, { recursive: true });
      } catch {
        // No logs written (the server never got that far).
      }
      cleanupTemp();
    };
    try {
      await waitForHealth(origin, child, options.startTimeoutMs ?? 30_000, logFile);
    } catch (error) {
      if (attempt < 2) {
        await kill();
        continue;
      }
      await stop();
      throw error;
    }
    return {
      port,
      origin,
      workspace,
      logFile,
      logsDir,
      userDataDir,
      remoteUri: (absolutePath) => `vscode-remote://127.0.0.1:${port}${absolutePath}`,
      workbenchUrl: ({ folder = workspace, payload } = {}) => {
        const query = new URLSearchParams();
        if (folder !== undefined) query.set('folder', folder);
        if (payload !== undefined) query.set('payload', JSON.stringify(payload));
        const search = query.toString();
        return `${origin}/${search === '' ? '' : `?${search}`}`;
      },
      stop,
    };
  }
}
