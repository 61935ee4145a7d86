/** Child processes of the bench (bare baselines), started like the server nodes: node --import tsx. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../test/helpers/server.js';
import { freePort } from '../../test/helpers/ports.js';

export interface BenchProcess {
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  readonly output: string[];
  signal(sig: NodeJS.Signals): void;
  kill(): Promise<void>;
}

/** Has a process started with gcOnSignal collect its garbage; resolves with its memory use then. */
export async function collectGarbage(p: BenchProcess, timeoutMs = 10_000): Promise<{ rss: number; heapUsed: number }> {
  const seen = p.output.filter((l) => l.includes('"msg":"gc-done"')).length;
  p.signal('SIGUSR2');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = p.output.filter((l) => l.includes('"msg":"gc-done"'));
    if (lines.length > seen) return JSON.parse(lines[lines.length - 1]!) as { rss: number; heapUsed: number };
    if (Date.now() > deadline) throw new Error(`process ${p.pid} did not report a garbage collection`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Spawns `script` (relative to the project root) and waits for its {"msg":"listening"} line. With
 * `gcOnSignal` the process can be told to collect garbage (see gc-on-signal.ts and collectGarbage()).
 */
export async function spawnBench(script: string, env: Record<string, string>, withPort = true, gcOnSignal = false): Promise<BenchProcess> {
  const port = withPort ? await freePort() : 0;
  const output: string[] = [];
  const preload = gcOnSignal ? ['--expose-gc', '--import', 'tsx', '--import', path.join(ROOT, 'scripts/bench/gc-on-signal.ts')] : ['--import', 'tsx'];
  const child: ChildProcess = spawn(process.execPath, [...preload, path.join(ROOT, script)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let buffer = '';
    let ready = false;
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (output.length < 1000 || line.includes('"msg":"gc-done"')) output.push(line);
        if (!ready && line.includes('"msg":"listening"')) {
          ready = true;
          resolve();
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, sig) => {
      if (!ready) reject(new Error(`${script} exited (${code ?? sig}) before listening:\n${output.slice(-20).join('\n')}`));
    });
  });
  return {
    pid: child.pid!,
    port,
    url: `http://127.0.0.1:${port}`,
    output,
    signal(sig) {
      child.kill(sig);
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Resident set size of a process in bytes (Linux /proc). */
export async function rssOf(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

/** CPU time (user + system) a process has used so far, in ms (Linux /proc). */
export function cpuTimeOf(pid: number): number {
  // Fields after the command name: state is field 3; utime and stime are fields 14 and 15 (clock ticks).
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/** Linux reports CPU times in clock ticks of 1/100 s on every common configuration. */
const CLOCK_TICKS = 100;
