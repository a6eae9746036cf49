import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { provisionTable } from '../../infra/local/provision.ts';
import { freePort, startDynamoDb, stopProcess } from '../../infra/local/stack.ts';
import type { TableDefinition } from '../../infra/resources.ts';

/** One line of the bench report: a measure of the product against a baseline run on the same machine, same run. */
export interface BenchResult {
  readonly measure: string;
  readonly subject: string;
  readonly baseline: string;
  /** subject / baseline, oriented so that higher is better. */
  readonly ratio: number;
  /** The ratio the issue asks for, if any. */
  readonly target?: number;
  readonly note?: string;
}

/** DynamoDB Local, for a part that writes to tables of its own. */
export interface DynamoAccess {
  readonly endpoint: string;
  readonly raw: DynamoDBClient;
  readonly db: DynamoDBDocumentClient;
  /** A fresh, uniquely named table from one of the product's table definitions. */
  table(definition: TableDefinition): Promise<string>;
}

export interface BenchContext {
  /** DynamoDB Local (Java, in memory), started on the part's first call and stopped when the part ends. */
  dynamoDb(): Promise<DynamoAccess>;
  progress(message: string): void;
}

/** One part of `npm run bench`: it returns its rows, or throws, and the other parts run either way. */
export interface Bench {
  readonly name: string;
  run(context: BenchContext): Promise<BenchResult[]>;
}

/** A part's context, and what ends what it started. */
export const benchContext = (progress: (message: string) => void): BenchContext & { close(): Promise<void> } => {
  let started: Promise<{ java: ChildProcess; access: DynamoAccess }> | undefined;
  let stopping = false;
  const start = async (): Promise<{ java: ChildProcess; access: DynamoAccess }> => {
    const port = await freePort();
    progress(`starting DynamoDB Local on port ${port}`);
    const java = await startDynamoDb(port, undefined);
    // Its exit is not an error of this process: the part's next call gets ECONNREFUSED and fails the part.
    java.on('error', (error) => progress(`DynamoDB Local: ${error.message}`));
    java.on('exit', (code, signal) => {
      if (!stopping) progress(`DynamoDB Local exited (${signal ?? code}) while the part ran`);
    });
    const endpoint = `http://127.0.0.1:${port}`;
    const raw = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
      maxAttempts: 10,
    });
    const access: DynamoAccess = {
      endpoint,
      raw,
      db: DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } }),
      table: async (definition) => {
        const name = `${definition.localName}-${randomUUID().slice(0, 8)}`;
        await provisionTable(raw, definition, name);
        return name;
      },
    };
    return { java, access };
  };
  return {
    progress,
    dynamoDb: async () => {
      started ??= start();
      return (await started).access;
    },
    close: async () => {
      if (!started) return;
      const running = await started.catch(() => undefined);
      running?.access.raw.destroy();
      stopping = true;
      if (running) await stopProcess(running.java);
    },
  };
};

/** Seconds taken by `work`, with its result. */
export { median, megabytes, rate, timed } from './figures.ts';

/* ---- peak memory ---- */

/** A process's peak resident set. */
export interface ProcessPeak {
  readonly pid: number;
  readonly name: string;
  readonly bytes: number;
}

/** The peak resident sets while a part ran: this process's, and each child process's (DynamoDB Local's is `java`). */
export interface MemoryPeaks {
  readonly self: number;
  /** `peak`: the kernel's high-water mark, reset as the part began; `sampled`: the largest of samples every 200 ms. */
  readonly how: 'peak' | 'sampled';
  readonly children: readonly ProcessPeak[];
}

const kilobytes = (status: string, field: 'VmHWM' | 'VmRSS'): number | undefined => {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) * 1024 : undefined;
};

/** A process's peak resident set so far (the kernel's VmHWM), in bytes; undefined once it is gone. */
export const peakRssOf = (pid: number): number | undefined => {
  const status = readStatus(pid);
  return status === undefined ? undefined : kilobytes(status, 'VmHWM');
};

const readStatus = (pid: number | 'self'): string | undefined => {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
};

setFlagsFromString('--expose-gc');
/** V8's own collector, for measures of what is really held. */
export const collectGarbage = runInNewContext('gc') as () => void;

/** Linux: writing 5 to clear_refs resets the process's VmHWM to its current resident set. */
const resetPeak = (pid: number | 'self'): boolean => {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
};

/** Every process descended from this one, read from /proc (empty elsewhere than Linux). */
export const descendants = (): number[] => {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return [];
  }
  for (const entry of entries) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // The process ended while being read.
    }
  }
  const found: number[] = [];
  const queue = [process.pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
};

/**
 * Watches the resident sets of this process and of every process it starts while a part runs.
 * On Linux the high-water marks are reset at the start, so each part's figures are its own;
 * where they cannot be, this process's resident set is sampled instead.
 */
export const watchMemory = (): { stop(): MemoryPeaks } => {
  // What earlier parts left on the heap is given back first, as far as V8 gives it back.
  collectGarbage();
  const reset = resetPeak('self');
  for (const pid of descendants()) resetPeak(pid);
  let sampledSelf = process.memoryUsage.rss();
  const peaks = new Map<number, ProcessPeak>();
  const sample = (): void => {
    sampledSelf = Math.max(sampledSelf, process.memoryUsage.rss());
    for (const pid of descendants()) {
      const status = readStatus(pid);
      if (!status) continue;
      const bytes = kilobytes(status, 'VmHWM') ?? kilobytes(status, 'VmRSS') ?? 0;
      // Node.js names its main thread, and with it the process, MainThread.
      const name = (/^Name:\s+(.*)$/m.exec(status)?.[1] ?? '?').replace(/^MainThread$/, 'node');
      const known = peaks.get(pid);
      if (!known || bytes > known.bytes) peaks.set(pid, { pid, name, bytes });
    }
  };
  const timer = setInterval(sample, 200);
  timer.unref();
  return {
    stop: () => {
      sample();
      clearInterval(timer);
      const own = reset ? readStatus('self') : undefined;
      const hwm = own ? kilobytes(own, 'VmHWM') : undefined;
      return {
        self: hwm ?? sampledSelf,
        how: hwm !== undefined ? 'peak' : 'sampled',
        children: [...peaks.values()].sort((a, b) => b.bytes - a.bytes),
      };
    },
  };
};
