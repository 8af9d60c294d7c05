// Ends a process together with every process it started. code-server forks a wrapper, the server, an
// extension host, a pty host and a file watcher; killing only the top pid leaves the rest running, so
// the tree is read from /proc before any signal is sent (children are re-parented once their parent dies).
import { readdirSync, readFileSync } from 'node:fs';

interface ProcStat {
  state: string;
  parent: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may itself contain spaces or parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', parent: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

/** The pid itself and all its living descendants (Linux; elsewhere only the pid itself). */
export function processTree(rootPid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [rootPid];
  }
  const children = new Map<number, number[]>();
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const parent = readStat(pid)?.parent;
    if (parent === undefined) continue;
    const list = children.get(parent) ?? [];
    list.push(pid);
    children.set(parent, list);
  }
  const result: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    result.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return result;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (process.platform !== 'linux') return true;
  // In a container whose init does not reap, an exited process lingers as a zombie: it is gone.
  const state = readStat(pid)?.state;
  return state !== undefined && state !== 'Z' && state !== 'X';
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/**
 * Sends SIGTERM to the whole tree (and its process group, when the root leads one), waits up to
 * `graceMs` for everything to exit, then SIGKILLs whatever is left.
 */
export async function killProcessTree(rootPid: number, graceMs = 5000): Promise<void> {
  const pids = processTree(rootPid);
  signal(-rootPid, 'SIGTERM');
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && pids.some(isAlive)) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  signal(-rootPid, 'SIGKILL');
  for (const pid of pids) if (isAlive(pid)) signal(pid, 'SIGKILL');
}
