import { BatchWriteCommand, ScanCommand, type ScanCommandOutput } from '@aws-sdk/lib-dynamodb';
import { freePort, startLocalStack } from '../../infra/local/stack.ts';
import { clientsTable } from '../../infra/resources.ts';
import { documentClient, profileAttributes } from '../../shared/aws/dynamo-client-store.ts';
import { buildApp } from '../../shared/app.ts';
import { eachLimited } from '../../shared/common/concurrency.ts';
import { bgNbdLogLikelihood, fitBgNbd, type Frequency } from '../../shared/stats/bg-nbd.ts';
import { parseClientRow, parseVisitRow } from '../../shared/visits/rows.ts';
import { generateClinic } from '../../infra/local/demo-clinic.ts';
import { addVisits, type VisitSummary } from '../../shared/visits/summary.ts';
import type { Visit } from '../../shared/visits/visit.ts';
import { defaultSweepSettings, runSweep } from '../../shared/lapse/use-cases/sweep.ts';
import { rate, timed, type Bench } from './harness.ts';
import { cdnowSummary } from '../support/cdnow.ts';

/**
 * BG/NBD fitted on 1,000,000 clients made by replicating the CDNOW summary, in this process.
 * The budget is 2 s; the baseline is one plain pass of the log-likelihood over every
 * client, which is what a fit without collapsing identical histories pays per evaluation.
 */
export const fitBench: Bench = {
  name: 'fit',
  async run(context) {
    const rows = cdnowSummary('cdnow_customers_summary.csv') as Frequency[];
    const clients = Array.from({ length: 1_000_000 }, (_, i) => rows[i % rows.length]!);
    context.progress('fit: BG/NBD on 1,000,000 clients');
    const fit = await timed(async () => fitBgNbd(clients));
    const pass = await timed(async () => clients.reduce((sum, client) => sum + bgNbdLogLikelihood(fit.value, client), 0));
    const budget = 2;
    return [
      {
        measure: 'BG/NBD fit, 1,000,000 clients',
        subject: `${fit.seconds.toFixed(2)} s, ${fit.value.iterations} iterations`,
        baseline: `${pass.seconds.toFixed(2)} s for one likelihood pass`,
        ratio: pass.seconds / fit.seconds,
        note: `r=${fit.value.r.toFixed(4)} alpha=${fit.value.alpha.toFixed(4)} a=${fit.value.a.toFixed(4)} b=${fit.value.b.toFixed(4)}, log-likelihood ${fit.value.logLikelihood.toFixed(1)}`,
      },
      {
        measure: 'BG/NBD fit against the budget',
        subject: `${fit.seconds.toFixed(2)} s`,
        baseline: `${budget} s (issue 3)`,
        ratio: budget / fit.seconds,
        target: 1,
      },
    ];
  },
};

const benchClients = 100_000;

/** Client items with real summaries: a seeded clinic's clients, each copied until there are enough. */
const clientItems = (asOf: string): Record<string, unknown>[] => {
  const clinic = generateClinic({ clients: 2_000, asOf, seed: 11 });
  const visitsOf = new Map<string, Visit[]>();
  clinic.visits.forEach((row, i) => {
    const visit = parseVisitRow(row, i + 2, { latestDay: asOf });
    if (!visit.ok) throw new Error(`seeded visit ${i} invalid: ${JSON.stringify(visit.errors)}`);
    visitsOf.set(visit.value.clientId, [...(visitsOf.get(visit.value.clientId) ?? []), visit.value]);
  });
  const originals = clinic.clients.map((row, i) => {
    const profile = parseClientRow(row, i + 2, { locale: 'en', timeZone: 'Europe/Athens' });
    if (!profile.ok) throw new Error(`seeded client ${i} invalid`);
    const visits = visitsOf.get(profile.value.clientId);
    return { profile: profile.value, summary: visits ? addVisits(undefined, visits) : undefined };
  });
  const items: Record<string, unknown>[] = [];
  for (let copy = 0; items.length < benchClients; copy++) {
    for (const { profile, summary } of originals) {
      if (items.length === benchClients) break;
      const clientId = `${profile.clientId}-${copy}`;
      items.push({ ...profileAttributes({ ...profile, clientId }), ...(summary && { summary: summary as VisitSummary }), version: 1 });
    }
  }
  return items;
};

/**
 * The weekly sweep over 100,000 clients on the local stack (DynamoDB Local, fauxqs), against
 * a plain parallel Scan of the same table with as many segments. The first run opens an
 * episode and queues a request for every lapsed client; a rerun is the steady state of a
 * weekly sweep, where most lapsed clients are already known. The first run warms DynamoDB
 * Local up before the scan and the rerun are timed (a warm-up scan of its own took 3 of the
 * part's 14 minutes on a busy 2-core machine).
 */
export const sweepBench: Bench = {
  name: 'sweep',
  async run(context) {
    const asOf = '2026-11-02';
    const stack = await startLocalStack({ inMemory: true, ports: { dynamodb: await freePort(), messaging: 0, email: 0, smsvoice: 0 } });
    try {
      const db = documentClient();
      const table = process.env[clientsTable.envVar]!;
      context.progress(`sweep: writing ${benchClients.toLocaleString('en')} clients with their visit summaries`);
      const items = clientItems(asOf);
      const batches: Record<string, unknown>[][] = [];
      for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
      await eachLimited(batches, 8, async (batch) => {
        let pending = batch.map((Item) => ({ PutRequest: { Item } }));
        while (pending.length > 0) {
          const result = await db.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
          pending = (result.UnprocessedItems?.[table] ?? []) as typeof pending;
        }
      });

      const dependencies = buildApp().sweepDependencies();
      const segments = dependencies.totalSegments;
      const scan = async (): Promise<number> => {
        const counts = await Promise.all(
          Array.from({ length: segments }, async (_, segment) => {
            let read = 0;
            let startKey: Record<string, unknown> | undefined;
            do {
              const page: ScanCommandOutput = await db.send(
                new ScanCommand({ TableName: table, Segment: segment, TotalSegments: segments, ExclusiveStartKey: startKey }),
              );
              read += page.Items?.length ?? 0;
              startKey = page.LastEvaluatedKey;
            } while (startKey);
            return read;
          }),
        );
        return counts.reduce((sum, n) => sum + n, 0);
      };
      context.progress('sweep: first run (fits the model, opens every episode)');
      const first = await timed(() => runSweep(defaultSweepSettings(asOf), dependencies));
      context.progress('sweep: plain parallel scan');
      const plain = await timed(scan);
      if (plain.value !== benchClients) throw new Error(`the scan read ${plain.value} clients`);
      context.progress('sweep: rerun (steady state)');
      const rerun = await timed(() => runSweep(defaultSweepSettings(asOf), dependencies));
      if (rerun.value.counts.clients !== benchClients || rerun.value.counts.episodesOpened !== 0)
        throw new Error('the rerun did not read every client once, or opened episodes');
      const c = first.value.counts;
      return [
        {
          measure: `sweep of ${benchClients.toLocaleString('en')} clients, steady state`,
          subject: rate(benchClients, rerun.seconds),
          baseline: rate(benchClients, plain.seconds),
          ratio: plain.seconds / rerun.seconds,
          target: 0.7,
          note: `${segments} segments; scores every client, checks ${rerun.value.counts.lapsed.toLocaleString('en')} lapsed against their episodes`,
        },
        {
          measure: `sweep of ${benchClients.toLocaleString('en')} clients, first run`,
          subject: rate(benchClients, first.seconds),
          baseline: rate(benchClients, plain.seconds),
          ratio: plain.seconds / first.seconds,
          note: `two passes (model inputs, then scoring) and ${c.episodesOpened.toLocaleString('en')} episodes opened, ${c.enqueued.toLocaleString('en')} requests queued`,
        },
      ];
    } finally {
      await stack.stop();
    }
  },
};
