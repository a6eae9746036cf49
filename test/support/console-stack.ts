/**
 * A seeded clinic behind `comeback serve`, as a manager meets it on a fresh machine: its own
 * local stack in a temporary folder (own ports), the demo clinic written, swept, asked and
 * exported by `comeback start`, then `comeback serve` with the console at `/`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../infra/local/stack.ts';

const bin = resolve(import.meta.dirname, '../../bin/comeback.js');

export interface CommandRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ConsoleStack {
  readonly origin: string;
  readonly comeback: (...args: string[]) => Promise<CommandRun>;
  /** What the API answers, with a local token of that group. */
  readonly api: <T>(group: 'managers' | 'staff', path: string, init?: { method?: string; body?: unknown }) => Promise<{ status: number; body: T }>;
  readonly stop: () => Promise<void>;
}

const waitForServe = async (origin: string, serve: ChildProcess, output: () => string): Promise<void> => {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (serve.exitCode !== null) throw new Error(`comeback serve exited (${serve.exitCode}):\n${output()}`);
    const ready = await fetch(`${origin}/config.json`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    await new Promise((wait) => setTimeout(wait, 500));
  }
  throw new Error(`comeback serve did not answer within 2 minutes:\n${output()}`);
};

export const startConsoleStack = async ({ clients = 400, seed = 7 } = {}): Promise<ConsoleStack> => {
  const directory = await mkdtemp(join(tmpdir(), 'comeback-console-'));
  const port = await freePort();
  const environment: NodeJS.ProcessEnv = {
    ...process.env,
    COMEBACK_DATA_DIR: join(directory, 'data'),
    COMEBACK_PORT_DYNAMODB: String(await freePort()),
    COMEBACK_PORT_MESSAGING: String(await freePort()),
    COMEBACK_PORT_EMAIL: String(await freePort()),
    COMEBACK_PORT_SMSVOICE: String(await freePort()),
    COMEBACK_PORT_WHATSAPP: String(await freePort()),
    COMEBACK_PORT_VIBER: String(await freePort()),
    REPLY_BASE_URL: `http://127.0.0.1:${port}`,
  };
  const comeback = (...args: string[]): Promise<CommandRun> =>
    new Promise((done) => {
      execFile(process.execPath, [bin, ...args], { env: environment, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
        done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
      );
    });
  const must = async (...args: string[]): Promise<CommandRun> => {
    const run = await comeback(...args);
    if (run.code !== 0) throw new Error(`comeback ${args.join(' ')} failed (${run.code}):\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}`);
    return run;
  };

  await must('stack', 'up', '--detach');
  let serve: ChildProcess | undefined;
  try {
    await must('start', '--clients', String(clients), '--seed', String(seed));
    let output = '';
    serve = spawn(process.execPath, [bin, 'serve', '--port', String(port), '--interval', '2'], { env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
    serve.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-5000)));
    serve.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-5000)));
    const origin = `http://127.0.0.1:${port}`;
    await waitForServe(origin, serve, () => output);

    const tokens = new Map<string, string>();
    const tokenOf = async (group: string): Promise<string> => {
      if (!tokens.has(group)) tokens.set(group, (await must('token', '--group', group, '--user', `${group}@clinic.example`)).stdout.trim());
      return tokens.get(group)!;
    };
    const running = serve;
    return {
      origin,
      comeback,
      api: async <T>(group: 'managers' | 'staff', path: string, init: { method?: string; body?: unknown } = {}) => {
        const response = await fetch(`${origin}${path}`, {
          method: init.method ?? 'GET',
          headers: { authorization: `Bearer ${await tokenOf(group)}`, ...(init.body !== undefined && { 'content-type': 'application/json' }) },
          ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
        });
        return { status: response.status, body: (await response.json()) as T };
      },
      stop: async () => {
        const exited = new Promise((done) => running.once('exit', done));
        running.kill('SIGINT');
        await Promise.race([exited, new Promise((done) => setTimeout(done, 10_000))]);
        await comeback('stack', 'down');
      },
    };
  } catch (error) {
    serve?.kill('SIGKILL');
    await comeback('stack', 'down');
    throw error;
  }
};
