import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnop';

export interface ServerProcess {
  readonly port: number;
  readonly url: string;
  readonly nodeId: string;
  readonly pid: number | undefined;
  /** Every line the process wrote (JSON logs and anything else). */
  readonly output: string[];
  /** Parsed JSON log lines. */
  logs(): Record<string, unknown>[];
  /** Starts it again on the same port (after kill/stop). */
  start(): Promise<void>;
  /** Sends a signal without waiting (SIGSTOP/SIGCONT for freezing). */
  signal(sig: NodeJS.Signals): void;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (graceful) and wait for the exit; returns the exit code. */
  stop(): Promise<number | null>;
  readonly running: boolean;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface ServerOptions {
  redisUrl: string;
  topology: string;
  env?: Record<string, string>;
  nodeId?: string;
  port?: number;
  /** Extra node flags for the server process (e.g. --cpu-prof for a profile). */
  nodeArgs?: string[];
}

let counter = 0;

/** Spawns a real server process (the same entry point as production) and waits until it listens. */
export async function startServer(options: ServerOptions): Promise<ServerProcess> {
  let port = options.port ?? (await freePort());
  const nodeId = options.nodeId ?? `test-node-${process.pid}-${++counter}`;
  const output: string[] = [];
  let child: ChildProcess | undefined;

  const start = () =>
    new Promise<void>((resolve, reject) => {
      const c = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', path.join(ROOT, 'server/src/main.ts')], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          NODE_ENV: 'test',
          PORT: String(port),
          HOST: '127.0.0.1',
          REDIS_URL: options.redisUrl,
          HOTLINE_TOPOLOGY: options.topology,
          HOTLINE_TOKEN_SECRET: TEST_SECRET,
          HOTLINE_NODE_ID: nodeId,
          HOTLINE_CONSOLE_DIR: '',
          LOG_LEVEL: 'info',
          // Tests push traffic far faster than any operator; the abuse tests set tight limits themselves.
          HOTLINE_RATE_USER: '100000/1s',
          HOTLINE_RATE_POST: '100000/1s',
          HOTLINE_RATE_LOGIN: '100000/1m',
          ...options.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = c;
      let listening = false;
      let buffer = '';
      const onData = (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          output.push(line);
          if (!listening && line.includes('"msg":"listening"')) {
            listening = true;
            resolve();
          }
        }
      };
      c.stdout!.on('data', onData);
      c.stderr!.on('data', onData);
      c.once('exit', (code, sig) => {
        if (!listening) reject(new Error(`server ${nodeId} exited (${code ?? sig}) before listening:\n${output.slice(-20).join('\n')}`));
      });
    });

  const waitExit = async (): Promise<number | null> => {
    const c = child;
    if (!c) return null;
    if (c.exitCode !== null || c.signalCode !== null) return c.exitCode;
    return new Promise((resolve) => c.once('exit', (code) => resolve(code)));
  };

  // A free port can be taken by another process between freePort() and the server's listen: the first
  // start then moves to another free port (never a restart, which must keep its port).
  for (let attempt = 1; ; attempt++) {
    try {
      await start();
      break;
    } catch (err) {
      const taken = output.some((l) => l.includes('EADDRINUSE'));
      if (!taken || options.port !== undefined || attempt >= 3) throw err;
      output.length = 0;
      port = await freePort();
    }
  }
  const proc: ServerProcess = {
    port,
    url: `http://127.0.0.1:${port}`,
    nodeId,
    get pid() {
      return child?.pid;
    },
    output,
    logs: () =>
      output.flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
    start,
    signal(sig) {
      child?.kill(sig);
    },
    async kill() {
      child?.kill('SIGCONT');
      child?.kill('SIGKILL');
      await waitExit();
    },
    async stop() {
      child?.kill('SIGCONT');
      child?.kill('SIGTERM');
      return waitExit();
    },
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    async [Symbol.asyncDispose]() {
      await proc.kill();
    },
  };
  return proc;
}

/** How many hotline:send events a node has answered ok, from its /metrics. */
export async function sendsAnswered(url: string): Promise<number> {
  const m = /hotline_event_duration_seconds_count\{[^}]*event="hotline:send",outcome="ok"\} (\d+)/.exec(await (await fetch(`${url}/metrics`)).text());
  return m ? Number(m[1]) : 0;
}
