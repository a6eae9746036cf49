/**
 * `npm run bench [-- NAME ...]`: the speed and memory targets of the issues, each measured as
 * a ratio against a baseline run on this machine in the same run. Exit code 1 when a ratio
 * misses its target.
 */
import { freePort, startDynamoDb, stopProcess } from '../../infra/local/stack.ts';
import { table } from '../../cli/output.ts';
import { benchContext, type Bench, type BenchResult } from './harness.ts';
import { importBench, streamingBench } from './import.ts';
import { fitBench, sweepBench } from './sweep.ts';
import { outreachBench } from './outreach.ts';
import { lostReportBench, monthPruningBench } from './reports.ts';
import { lapseBench } from './lapse.ts';
import { answersBench } from './answers.ts';

const benches: readonly Bench[] = [
  importBench,
  streamingBench,
  fitBench,
  lapseBench,
  answersBench,
  sweepBench,
  outreachBench,
  lostReportBench,
  monthPruningBench,
];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !benches.some((bench) => bench.name === name));
if (unknown.length > 0) {
  console.error(`unknown bench: ${unknown.join(', ')} (benches: ${benches.map((b) => b.name).join(', ')})`);
  process.exit(2);
}
const selected = wanted.length > 0 ? benches.filter((bench) => wanted.includes(bench.name)) : benches;

const port = await freePort();
const java = await startDynamoDb(port, undefined);
const results: (BenchResult & { bench: string })[] = [];
try {
  const context = benchContext(`http://127.0.0.1:${port}`, (message) => console.error(`  ${message}`));
  for (const bench of selected) {
    for (const result of await bench.run(context)) results.push({ ...result, bench: bench.name });
  }
} finally {
  await stopProcess(java);
}

const verdict = (result: BenchResult): string =>
  result.target === undefined ? '' : result.ratio >= result.target ? `ok (target ${result.target})` : `MISSED (target ${result.target})`;
console.log(
  '\n' +
    table(
      results.map((r) => [r.bench, r.measure, r.subject, r.baseline, `${r.ratio.toFixed(2)}x`, verdict(r)]),
      { header: ['bench', 'measure', 'comeback', 'baseline', 'ratio', ''], alignRight: [4] },
    ),
);
for (const result of results.filter((r) => r.note)) console.log(`  ${result.bench}: ${result.measure}: ${result.note}`);
if (results.some((r) => r.target !== undefined && r.ratio < r.target)) process.exitCode = 1;
