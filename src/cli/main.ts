// Entry point of the `aegis` command-line tool: dispatches on the first word to a subcommand module.
// Each subcommand takes its arguments and the process's streams and returns an exit code.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runGuardCommand } from './guardCommand';
import { runMetricsCommand } from './metricsCommand';

/** The streams a subcommand uses; tests and the bundle both pass the real process ones. */
export interface CliIo {
  readStdin(): Promise<string>;
  out(text: string): void;
  err(text: string): void;
  cwd: string;
}

interface Subcommand {
  summary: string;
  run(args: string[], io: CliIo): Promise<number>;
}

// Add a subcommand here: its one-line summary and its module's run function.
const SUBCOMMANDS: Readonly<Record<string, Subcommand>> = {
  guard: {
    summary: 'scan text or files with a guard policy (aegis guard scan --help)',
    run: runGuardCommand,
  },
  metrics: {
    summary: 'print the dashboard figures from a metrics database, or seed demo data (aegis metrics --help)',
    run: (args, io) =>
      runMetricsCommand(args, {
        stdout: (text) => io.out(text),
        stderr: (text) => io.err(text),
        env: process.env,
        ...(bundledSqlite() ? { nativeBinding: bundledSqlite() } : {}),
      }),
  },
};

/** The bundled CLI (dist/cli.js) ships better-sqlite3's binary beside it, in dist/native/. */
function bundledSqlite(): string | undefined {
  if (process.env.AEGIS_BUNDLED !== '1') return undefined;
  const path = join(__dirname, 'native', 'better_sqlite3.node');
  return existsSync(path) ? path : undefined;
}

export const USAGE = `Usage: aegis <command> [options]

Commands:
${Object.entries(SUBCOMMANDS)
  .map(([name, command]) => `  ${name.padEnd(10)} ${command.summary}`)
  .join('\n')}

Run 'aegis <command> --help' for the options of a command.
Exit codes: 0 success, 1 something was blocked or failed a check, 2 usage or configuration error.
`;

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = SUBCOMMANDS[name];
  if (!command) {
    io.err(`aegis: unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  return command.run(rest, io);
}

function processIo(): CliIo {
  return {
    readStdin: async (): Promise<string> => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin)
        chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
      return Buffer.concat(chunks).toString('utf8');
    },
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    cwd: process.cwd(),
  };
}

if (require.main === module) {
  main(process.argv.slice(2), processIo()).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`aegis: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
