// Entry point of the `aegis` command-line tool: dispatches on the first word to a subcommand module.
// Each subcommand takes its arguments and the process's streams and returns an exit code.
import { runGuardCommand } from './guardCommand';

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

// Add a subcommand here: one line naming its module's run function (e.g. `metrics` for metrics export).
const SUBCOMMANDS: Readonly<Record<string, Subcommand>> = {
  guard: {
    summary: 'scan text or files with a guard policy (aegis guard scan --help)',
    run: runGuardCommand,
  },
};

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
