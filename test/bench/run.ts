/**
 * `npm run bench [-- NAME ...]`: the speed and memory targets of the issues, each measured as
 * a ratio against a baseline run on this machine in the same run.
 *
 * Each part runs on its own and prints its rows, its time and its peak memory as soon as it
 * ends, so a later crash loses nothing printed before. A part that throws, is left behind by an
 * error nobody caught (an emulator's ECONNREFUSED on a socket) or overruns its time
 * (COMEBACK_BENCH_PART_MINUTES, 20 by default) is reported as failed, and the next part runs.
 * Exit code 1 when a ratio misses its target or a part failed; 2 for an unknown part. The npm
 * script sets POWERTOOLS_LOG_LEVEL=WARN, as the CLI does, so the local stack's functions (the
 * Viber webhook) do not print their INFO lines between the bench's own.
 */
import { table } from '../../cli/output.ts';
import { benchContext, descendants, megabytes, watchMemory, type Bench, type BenchResult, type MemoryPeaks } from './harness.ts';

/** The parts, each loaded only when it runs: a part whose module cannot load fails alone. */
const parts: readonly { readonly name: string; load(): Promise<Bench> }[] = [
  { name: 'import', load: async () => (await import('./import.ts')).importBench },
  { name: 'streaming', load: async () => (await import('./import.ts')).streamingBench },
  { name: 'fit', load: async () => (await import('./sweep.ts')).fitBench },
  { name: 'fit-file', load: async () => (await import('./fit-file.ts')).fitFileBench },
  { name: 'lapse', load: async () => (await import('./lapse.ts')).lapseBench },
  { name: 'answers', load: async () => (await import('./answers.ts')).answersBench },
  { name: 'sweep', load: async () => (await import('./sweep.ts')).sweepBench },
  { name: 'outreach', load: async () => (await import('./outreach.ts')).outreachBench },
  { name: 'lost-report', load: async () => (await import('./reports.ts')).lostReportBench },
  { name: 'month-pruning', load: async () => (await import('./reports.ts')).monthPruningBench },
  { name: 'bundles', load: async () => (await import('./bundles.ts')).bundlesBench },
];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !parts.some((part) => part.name === name));
if (unknown.length > 0) {
  console.error(`unknown bench: ${unknown.join(', ')} (benches: ${parts.map((part) => part.name).join(', ')})`);
  process.exit(2);
}
const selected = wanted.length > 0 ? parts.filter((part) => wanted.includes(part.name)) : parts;

const partMinutes = Number(process.env.COMEBACK_BENCH_PART_MINUTES ?? 20);
if (!(partMinutes > 0)) {
  console.error(`COMEBACK_BENCH_PART_MINUTES=${process.env.COMEBACK_BENCH_PART_MINUTES}: a number of minutes above 0`);
  process.exit(2);
}

const runStarted = performance.now();
const elapsed = (since: number): string => `${Math.round((performance.now() - since) / 1000)} s`;
const progress = (message: string): void => console.error(`  [${elapsed(runStarted).padStart(6)}] ${message}`);

/*
 * An error no part's code caught (an 'error' event on a socket or stream nobody listens to, a
 * rejection nobody awaits) fails the part that is running instead of ending the whole run.
 */
let faultOfRunningPart: ((error: Error) => void) | undefined;
const unexpected = (error: unknown): void => {
  const failure = error instanceof Error ? error : new Error(String(error));
  if (faultOfRunningPart) faultOfRunningPart(failure);
  else console.error(`bench: an error outside any part: ${failure.stack ?? failure.message}`);
};
process.on('uncaughtException', unexpected);
process.on('unhandledRejection', unexpected);

const verdict = (result: BenchResult): string =>
  result.target === undefined ? '' : result.ratio >= result.target ? `ok (target ${result.target})` : `MISSED (target ${result.target})`;
const missed = (result: BenchResult): boolean => result.target !== undefined && !(result.ratio >= result.target);

const memoryLine = (peaks: MemoryPeaks): string => {
  const java = peaks.children.filter((child) => child.name === 'java');
  const others = peaks.children.filter((child) => child.name !== 'java');
  return [
    `this process ${megabytes(peaks.self)}`,
    ...java.map((child) => `DynamoDB Local (java, pid ${child.pid}) ${megabytes(child.bytes)}`),
    ...others.slice(0, 3).map((child) => `${child.name} (pid ${child.pid}) ${megabytes(child.bytes)}`),
  ].join('; ');
};

interface PartOutcome {
  readonly name: string;
  readonly seconds: number;
  readonly results: readonly BenchResult[];
  readonly error?: Error;
}

/** Runs one part to its end, its failure or its deadline, whichever comes first. */
const runPart = async (part: (typeof parts)[number]): Promise<PartOutcome> => {
  const started = performance.now();
  const context = benchContext(progress);
  const memory = watchMemory();
  let deadline: NodeJS.Timeout | undefined;
  const stopped = new Promise<never>((_, reject) => {
    faultOfRunningPart = reject;
    deadline = setTimeout(() => reject(new Error(`did not finish within ${partMinutes} min (COMEBACK_BENCH_PART_MINUTES)`)), partMinutes * 60_000);
  });
  stopped.catch(() => undefined);
  let results: readonly BenchResult[] = [];
  let error: Error | undefined;
  try {
    const bench = await Promise.race([part.load(), stopped]);
    results = await Promise.race([bench.run(context), stopped]);
  } catch (failure) {
    error = failure instanceof Error ? failure : new Error(String(failure));
  } finally {
    clearTimeout(deadline);
    faultOfRunningPart = undefined;
  }
  await context.close().catch((failure: unknown) => progress(`${part.name}: stopping DynamoDB Local: ${String(failure)}`));
  const peaks = memory.stop();
  const outcome: PartOutcome = { name: part.name, seconds: (performance.now() - started) / 1000, results, ...(error && { error }) };

  console.log(`\n${part.name}: ${error ? 'FAILED' : 'done'} in ${outcome.seconds.toFixed(0)} s`);
  if (results.length > 0) {
    console.log(
      table(
        results.map((r) => [r.measure, r.subject, r.baseline, `${r.ratio.toFixed(2)}x`, verdict(r)]),
        { header: ['measure', 'comeback', 'baseline', 'ratio', ''], alignRight: [3], indent: 2 },
      ),
    );
    for (const result of results.filter((r) => r.note)) console.log(`  ${result.measure}: ${result.note}`);
  }
  if (error) console.log(`  error: ${(error.stack ?? error.message).split('\n').join('\n  ')}`);
  console.log(`  peak RSS${peaks.how === 'sampled' ? ' (sampled)' : ''}: ${memoryLine(peaks)}`);
  return outcome;
};

const outcomes: PartOutcome[] = [];
for (const part of selected) {
  progress(`${part.name}: starting`);
  outcomes.push(await runPart(part));
}

const all = outcomes.flatMap((outcome) => outcome.results.map((result) => ({ ...result, bench: outcome.name })));
console.log(`\nall parts (${elapsed(runStarted)}):`);
if (all.length > 0) {
  console.log(
    table(
      all.map((r) => [r.bench, r.measure, r.subject, r.baseline, `${r.ratio.toFixed(2)}x`, verdict(r)]),
      { header: ['bench', 'measure', 'comeback', 'baseline', 'ratio', ''], alignRight: [4], indent: 2 },
    ),
  );
}
console.log(`  ${outcomes.map((outcome) => `${outcome.name} ${outcome.error ? 'FAILED' : 'ok'} ${outcome.seconds.toFixed(0)} s`).join(', ')}`);
const failed = outcomes.filter((outcome) => outcome.error);
const missedTargets = all.filter(missed);
if (failed.length > 0) console.log(`  failed: ${failed.map((outcome) => `${outcome.name} (${outcome.error!.message.split('\n')[0]})`).join('; ')}`);
if (missedTargets.length > 0) console.log(`  missed: ${missedTargets.map((r) => `${r.bench}: ${r.measure}`).join('; ')}`);

// What a failed or overrun part left running (its emulators, its workers) ends with the run.
for (const pid of descendants()) {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}
process.exit(failed.length > 0 || missedTargets.length > 0 ? 1 : 0);
