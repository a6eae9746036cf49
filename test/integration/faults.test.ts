import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordDeliveryEvents } from '../../cli/outreach-command.ts';
import { sendRecord, type Sender } from '../../functions/send-outreach/handler.ts';
import { deadLetterUrlOf, drainQueue as drainThrough } from '../../infra/local/queue-drain.ts';
import { dynamoIsReady, freePort, localSmsConfigurationSet, readStackState, startDynamoDb, startLocalStack, type LocalStack } from '../../infra/local/stack.ts';
import { outreachQueue, visitsTable } from '../../infra/resources.ts';
import { sqsClient } from '../../shared/aws/sqs-outreach-queue.ts';
import { openTableFile, tableFromRows } from '../../shared/files/table-file.ts';
import { buildApp } from '../../shared/app.ts';
import { clientColumns, visitColumns } from '../../shared/visits/columns.ts';
import { maxItemsPerWrite } from '../../shared/visits/ports/client-store.ts';
import { csvCell } from '../../shared/common/csv.ts';
import { addDays } from '../../shared/common/dates.ts';
import { outreachJobId, type OutreachJob } from '../../shared/lapse/episode.ts';
import type { OutreachRecord } from '../../shared/outreach/outreach-record.ts';
import { verifyReplyToken } from '../../shared/answers/reply-token.ts';
import { generateClinic, type SeededClinic } from '../../infra/local/demo-clinic.ts';
import { importFile, type ImportOptions, type ImportReport } from '../../shared/visits/use-cases/import-file.ts';
import { defaultSweepSettings, runSweep, type SweepReport, type SweepSettings } from '../../shared/lapse/use-cases/sweep.ts';
import type { SendOutcome } from '../../shared/outreach/use-cases/send-outreach.ts';
import type { SegmentRunner } from '../../shared/lapse/ports/sweep-segments.ts';
import { allClients } from '../../cli/start-command.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * Issue 12, "Prove it": DynamoDB Local (with its data on disk) is killed with SIGKILL in the
 * middle of an import, a sweep and a send; each must end with an error (never a hang), and
 * after a restart on the same folder and a second run, the counts are exact: every visit once,
 * one episode per lapsed client, one request per eligible client on the queue, one message per
 * request in the outboxes.
 */

const asOf = '2026-05-11';
const secret = 'faults-test-secret-0123456789abcdef';

/** The promise's outcome, or a failure naming what hung. */
const within = <T>(what: string, promise: Promise<T>, timeoutMs: number): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} hung for ${timeoutMs / 1000} s`)), timeoutMs)));
  return Promise.race([promise, hung]).finally(() => clearTimeout(timer));
};

/** Everything on the outreach queue right now, removed from it. */
const takeQueue = async (): Promise<OutreachJob[]> => {
  const sqs = sqsClient();
  const QueueUrl = process.env[outreachQueue.envVar]!;
  const jobs: OutreachJob[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 60 }));
    if (Messages.length === 0) return jobs;
    jobs.push(...Messages.map((message) => JSON.parse(message.Body!) as OutreachJob));
    await sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl, Entries: Messages.map((message, i) => ({ Id: String(i), ReceiptHandle: message.ReceiptHandle! })) }),
    );
  }
};

const putOnQueue = async (jobs: readonly OutreachJob[]): Promise<void> => {
  const QueueUrl = process.env[outreachQueue.envVar]!;
  for (let start = 0; start < jobs.length; start += 10) {
    await sqsClient().send(
      new SendMessageBatchCommand({ QueueUrl, Entries: jobs.slice(start, start + 10).map((job, i) => ({ Id: String(i), MessageBody: JSON.stringify(job) })) }),
    );
  }
};

/** Messages waiting to be received, and those received and not yet deleted (or back after a failure). */
const queueDepth = async (QueueUrl: string): Promise<{ waiting: number; inFlight: number }> => {
  const { Attributes = {} } = await sqsClient().send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return { waiting: Number(Attributes.ApproximateNumberOfMessages ?? 0), inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) };
};

const countVisitItems = async (): Promise<number> => {
  const db = new DynamoDBClient({});
  try {
    let count = 0;
    let ExclusiveStartKey: Record<string, never> | undefined;
    do {
      const page = await db.send(
        new ScanCommand({
          TableName: process.env[visitsTable.envVar]!,
          Select: 'COUNT',
          ConsistentRead: true,
          ...(ExclusiveStartKey && { ExclusiveStartKey }),
        }),
      );
      count += page.Count ?? 0;
      ExclusiveStartKey = page.LastEvaluatedKey as typeof ExclusiveStartKey;
    } while (ExclusiveStartKey);
    return count;
  } finally {
    db.destroy();
  }
};

const openEpisodes = async () => {
  const episodes = [];
  for await (const page of buildApp().lapseStore().openEpisodes()) episodes.push(...page);
  return episodes;
};

const outreachRecords = async (): Promise<OutreachRecord[]> => {
  const records: OutreachRecord[] = [];
  for await (const page of buildApp().deliveryDependencies().log.all()) records.push(...page);
  return records;
};

/** The request each message in the outboxes answers: SMS and calls carry it as context, emails in their signed reply link. */
const outboxJobIds = async (ports: LocalStack['ports']): Promise<string[]> => {
  const ids: string[] = [];
  const texts = (await (await fetch(`http://127.0.0.1:${ports.smsvoice}/messages`)).json()) as { context?: { outreachId?: string } }[];
  for (const text of texts) ids.push(text.context?.outreachId ?? 'no context');
  // The local stack offers WhatsApp and a Viber bot too: their emulators keep our outreach id on each message.
  const whatsApp = (await (await fetch(`http://127.0.0.1:${ports.whatsapp}/messages`)).json()) as { outreachId?: string }[];
  for (const message of whatsApp) ids.push(message.outreachId ?? 'no outreach id');
  const viber = (await (await fetch(`http://127.0.0.1:${ports.viber}/messages`)).json()) as { trackingData?: string }[];
  for (const message of viber) ids.push(message.trackingData ?? 'no tracking data');
  const store = (await (await fetch(`http://127.0.0.1:${ports.email}/store`)).json()) as { emails: { body: { html?: string; text?: string } }[] };
  for (const email of store.emails) {
    const token = /\/r\/([\w.-]+)/.exec(email.body.text ?? email.body.html ?? '')?.[1];
    ids.push(token ? verifyReplyToken(token, [secret], 'reply', Math.floor(Date.now() / 1000)).outreachId : 'no reply link');
  }
  return ids;
};

describe('DynamoDB Local killed mid-import, mid-sweep and mid-send: exact counts after a restart', () => {
  let stack: LocalStack;
  let dataDir: string;
  let dynamoPort: number;
  let java: { pid: number; child?: ChildProcess };
  let clinic: SeededClinic;
  let visitsFile: string;
  let dry: SweepReport;
  let queued: OutreachJob[];
  let duplicates: number;
  const previousDataDir = process.env.COMEBACK_DATA_DIR;

  /** SIGKILL, as a crash or an OOM kill would: no shutdown, nothing flushed on the way out. */
  const killDynamo = (): void => {
    process.kill(java.pid, 'SIGKILL');
  };
  const restartDynamo = async (): Promise<void> => {
    await waitFor('the killed DynamoDB Local to stop answering', async () => !(await dynamoIsReady(dynamoPort)), { timeoutMs: 30_000, intervalMs: 50 });
    // The port is free once the killed process is gone; DynamoDB Local binds it again.
    const child = await startDynamoDb(dynamoPort, join(dataDir, 'dynamodb'));
    java = { pid: child.pid!, child };
  };

  const settings = (extra: Partial<SweepSettings> = {}): SweepSettings => ({ ...defaultSweepSettings(asOf), listFlagged: true, ...extra });
  const visitOptions = (onRows?: (rows: number) => void): ImportOptions => ({
    kind: 'visits',
    clientDefaults: buildApp().clinicDefaults(),
    today: addDays(asOf, 1),
    // Small chunks, so the progress callback fires while most of the file is still to be written.
    chunkRows: 250,
    lapses: buildApp().lapseStore(),
    ...(onRows && { onRows }),
  });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'comeback-faults-'));
    process.env.COMEBACK_DATA_DIR = dataDir;
    process.env.SWEEP_SEGMENTS = '16';
    dynamoPort = await freePort();
    // Registered, so the stack records the Java process's id as `comeback stack up` does.
    stack = await startLocalStack({ register: true, ports: { dynamodb: dynamoPort, messaging: 0, email: 0, smsvoice: 0 } });
    const state = await readStackState();
    expect(state?.javaPid).toBeGreaterThan(0);
    java = { pid: state!.javaPid! };
    Object.assign(process.env, {
      CLINIC_NAME: 'Harbour Clinic',
      REPLY_BASE_URL: 'https://reply.harbour.example/',
      REPLY_SECRET: secret,
      EMAIL_FROM: 'care@harbour.example',
      SMS_ORIGINATION_IDENTITY: '+18005550100',
      SMS_CONFIGURATION_SET: localSmsConfigurationSet,
      // The emulator takes what it is given; the send's kill point is counted in jobs, not seconds.
      SMS_MESSAGES_PER_SECOND: '200',
    });

    // A few hundred clients with a few thousand visits; the clients first, the visits as a file.
    clinic = generateClinic({ clients: 300, asOf, seed: 12 });
    await importFile(tableFromRows(clinic.clients as Record<string, string>[], clientColumns), buildApp().clientStore(), {
      kind: 'clients',
      clientDefaults: buildApp().clinicDefaults(),
      today: addDays(asOf, 1),
    });
    visitsFile = join(dataDir, 'visits.csv');
    const lines = [visitColumns.join(','), ...clinic.visits.map((visit) => visitColumns.map((column) => csvCell(visit[column] ?? '')).join(','))];
    await writeFile(visitsFile, `${lines.join('\n')}\n`);
  }, 180_000);

  afterAll(async () => {
    if (java?.child) java.child.kill('SIGKILL');
    await stack?.stop();
    if (previousDataDir === undefined) delete process.env.COMEBACK_DATA_DIR;
    else process.env.COMEBACK_DATA_DIR = previousDataDir;
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('an import killed mid-way ends with an error; run again, every visit is there once and every summary adds up', async () => {
    expect(clinic.visits.length).toBeGreaterThan(3000);
    let killedAt = 0;
    const interrupted = importFile(
      await openTableFile(visitsFile),
      buildApp().clientStore(),
      visitOptions((rows) => {
        if (killedAt === 0 && rows >= 1000) {
          killedAt = rows;
          killDynamo();
        }
      }),
    );
    await expect(within('the interrupted import', interrupted, 60_000)).rejects.toThrow(/ECONNREFUSED|ECONNRESET|socket hang up/);
    expect(killedAt).toBeGreaterThan(0);
    expect(killedAt).toBeLessThan(clinic.visits.length);
    await restartDynamo();

    const report: ImportReport = await within(
      'the second import',
      importFile(await openTableFile(visitsFile), buildApp().clientStore(), visitOptions()),
      60_000,
    );

    expect(report.rowsRead).toBe(clinic.visits.length);
    expect(report.skipped).toBe(0);
    expect(report.imported + report.unchanged).toBe(clinic.visits.length);
    // The rows before the kill were written by the first run, but for one transaction: DynamoDB
    // Local (SQLite) can lose the last transaction it acknowledged before a SIGKILL (DynamoDB does
    // not). Lost whole, visits and summary together, it is simply written again.
    expect(report.unchanged).toBeGreaterThanOrEqual(killedAt - maxItemsPerWrite);
    expect(await countVisitItems()).toBe(clinic.visits.length);
    const recorded = await buildApp()
      .clientStore()
      .findRecordedVisits(clinic.visits.map((visit) => visit.visit_id!));
    expect(recorded.size).toBe(clinic.visits.length);

    // Each client's summary counts exactly the visits and the spend the file holds for them.
    const expected = new Map<string, { visits: number; spend: number }>();
    for (const visit of clinic.visits) {
      const totals = expected.get(visit.client_id!) ?? { visits: 0, spend: 0 };
      totals.visits++;
      totals.spend += Math.round(Number(visit.amount) * 100);
      expected.set(visit.client_id!, totals);
    }
    const clients = await allClients(buildApp().clientStore());
    expect(clients).toHaveLength(clinic.clients.length);
    const actual = new Map(
      clients
        .filter((client) => client.summary)
        .map((client) => [client.profile.clientId, { visits: client.summary!.visits, spend: client.summary!.totalSpend }]),
    );
    expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected));
  }, 180_000);

  it('a sweep killed mid-way ends with an error; run again for the same day, one episode per lapsed client and each eligible client’s request queued', async () => {
    dry = await runSweep(settings({ dryRun: true }), buildApp().sweepDependencies());
    expect(dry.counts.lapsed).toBeGreaterThan(10);
    expect(dry.counts.eligible).toBeGreaterThan(10);
    expect(dry.flaggedOmitted).toBe(0);
    const dryLapsed = dry.flagged
      .filter((flag) => flag.kind === 'lapsed' || flag.kind === 'early-drop-out')
      .map((flag) => flag.clientId)
      .sort();
    expect(dryLapsed).toHaveLength(dry.counts.lapsed + dry.counts.earlyDropOuts);
    const eligible = dry.flagged
      .filter((flag) => flag.outreach === 'would-enqueue')
      .map((flag) => outreachJobId(flag.clientId, asOf, 1))
      .sort();
    expect(eligible).toHaveLength(dry.counts.eligible);

    // The first sweep of a clinic makes two passes (the model's inputs, then the scoring): killed in
    // the second, when three segments are done, one is half-way and the rest have not started
    // (two at a time, as a Lambda with a concurrency of two would run them).
    const deps = buildApp().sweepDependencies();
    const lanes: Promise<unknown>[] = [Promise.resolve(), Promise.resolve()];
    let lane = 0;
    const twoAtATime: SegmentRunner = {
      run: (request) => {
        const index = lane++ % 2;
        const report = lanes[index]!.then(() => deps.segments.run(request));
        lanes[index] = report.then(
          () => undefined,
          () => undefined,
        );
        return report;
      },
    };
    let calls = 0;
    let killed = false;
    const interrupted = runSweep(settings(), {
      ...deps,
      segments: twoAtATime,
      onSegmentDone: () => {
        if (++calls === deps.totalSegments + 3) {
          killed = true;
          killDynamo();
        }
      },
    });
    await expect(within('the interrupted sweep', interrupted, 60_000)).rejects.toThrow();
    expect(killed).toBe(true);
    // What the interrupted run put on the queue, and the requests it recorded but never confirmed queued.
    const fromFirst = await takeQueue();
    await restartDynamo();
    const pending = (await allClients(buildApp().clientStore())).flatMap((client) => (client.lapse?.pendingJob ? [client.lapse.pendingJob.jobId] : []));
    expect(fromFirst.length).toBeGreaterThan(0);
    expect(fromFirst.length).toBeLessThan(eligible.length);

    const again = await within('the second sweep', runSweep(settings(), buildApp().sweepDependencies()), 60_000);
    const fromSecond = await takeQueue();

    // Exactly one open episode per lapsed client of the dry run.
    expect(again.counts.lapsed + again.counts.earlyDropOuts).toBe(dry.counts.lapsed + dry.counts.earlyDropOuts);
    const episodes = await openEpisodes();
    expect(episodes.map((episode) => episode.clientId).sort()).toEqual(dryLapsed);
    expect(episodes.every((episode) => episode.episodeId === asOf)).toBe(true);
    // Between them, the two runs queued each eligible client's first request, and nothing else.
    const firstIds = fromFirst.map((job) => job.jobId);
    const secondIds = fromSecond.map((job) => job.jobId);
    expect(new Set(firstIds).size).toBe(firstIds.length);
    expect(new Set(secondIds).size).toBe(secondIds.length);
    expect([...new Set([...firstIds, ...secondIds])].sort()).toEqual(eligible);
    // The second run queued what the first never queued, and resent what it recorded without confirming.
    expect(again.counts.resent).toBe(pending.length);
    expect(secondIds.sort()).toEqual([...new Set([...pending, ...eligible.filter((id) => !firstIds.includes(id))])].sort());
    // So the only requests queued twice are those queued by the first run in the moment before their
    // confirmation (SQS has no transaction with DynamoDB); the sender's claim makes them one message.
    const twice = firstIds.filter((id) => secondIds.includes(id));
    expect(twice.every((id) => pending.includes(id))).toBe(true);
    queued = [...fromFirst, ...fromSecond];
    duplicates = twice.length;

    const byClient = new Map(episodes.map((episode) => [episode.clientId, episode]));
    for (const job of queued) {
      const episode = byClient.get(job.clientId)!;
      expect(episode.controlGroup).toBe(false);
      expect(job).toMatchObject({ episodeId: asOf, request: 1, requestedOn: asOf });
      expect(episode.requests[job.jobId]?.enqueuedAt).toBeDefined();
    }
    expect((await allClients(buildApp().clientStore())).filter((client) => client.lapse?.pendingJob)).toEqual([]);
  }, 180_000);

  it('a send killed mid-way leaves the rest on the queue; sent again, every request went out exactly once', async () => {
    // Everything both sweeps queued, the twice-queued requests included, as the sender would find it.
    await putOnQueue(queued);
    const requests = new Set(queued.map((job) => job.jobId));
    const queueUrl = process.env[outreachQueue.envVar]!;
    const base = await buildApp().sender();
    // Every hour is a sending hour here: the test must not depend on the time of day in the clients' zones.
    const allDay: Sender = { ...base, settings: { ...base.settings, window: { startMinute: 0, endMinute: 24 * 60 } } };
    const outcomes: SendOutcome[] = [];
    const failedReceipts: string[] = [];
    const send = (retryAfterSeconds: number, onHandled?: () => void) =>
      drainThrough(sqsClient(), queueUrl, (record) => sendRecord(record, allDay), {
        retryAfterSeconds,
        onHandled: (outcome) => {
          outcomes.push(outcome);
          onHandled?.();
        },
        onFailed: (_, record) => failedReceipts.push(record.receiptHandle),
      });

    // Killed after a third of the jobs are handled. What fails stays invisible for the cloud's
    // minutes (were it received again while the table is down, its receive count would climb
    // towards the dead-letter queue, as it would in the cloud over hours).
    const killAfter = Math.floor(queued.length / 3);
    let handled = 0;
    const first = await within(
      'the interrupted send',
      send(600, () => ++handled === killAfter && killDynamo()),
      90_000,
    );
    expect(first.handled).toBe(killAfter);
    expect(first.failed).toBe(queued.length - killAfter);
    // Nothing is lost: every failed job is still on the queue, in flight until its timeout runs out.
    expect(await queueDepth(queueUrl)).toEqual({ waiting: 0, inFlight: queued.length - killAfter });
    await restartDynamo();

    // The timeout runs out (a second here, not 0: fauxqs 2.4.1 with its data on disk drops a
    // message whose visibility is set to 0), and none went to the dead-letter queue.
    for (const ReceiptHandle of failedReceipts)
      await sqsClient().send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle, VisibilityTimeout: 1 }));
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await queueDepth(deadLetterUrlOf(queueUrl, outreachQueue))).toEqual({ waiting: 0, inFlight: 0 });
    const second = await within('the second send', send(1), 60_000);
    expect(second.failed).toBe(0);
    expect(second.handled).toBe(queued.length - killAfter);
    expect(await takeQueue()).toEqual([]);
    await recordDeliveryEvents();

    // One message per request in the outboxes, none twice.
    const sentIds = await outboxJobIds(stack.ports);
    expect(new Set(sentIds).size).toBe(sentIds.length);
    const sent = outcomes.filter((outcome) => outcome.kind === 'sent');
    expect(sent).toHaveLength(sentIds.length);
    // Each twice-queued request was sent once and recognised the second time.
    expect(outcomes.filter((outcome) => outcome.kind === 'duplicate')).toHaveLength(duplicates);
    expect(outcomes).toHaveLength(requests.size + duplicates);
    // One record per request; those that went out carry the provider's message id, the rest say why not.
    const records = await outreachRecords();
    expect(records.map((record) => record.outreachId).sort()).toEqual([...requests].sort());
    expect(
      records
        .filter((record) => record.providerMessageId)
        .map((record) => record.outreachId)
        .sort(),
    ).toEqual([...sentIds].sort());
    const byStatus: Record<string, number> = {};
    for (const record of records) byStatus[record.status] = (byStatus[record.status] ?? 0) + 1;
    const byOutcome: Record<string, number> = {};
    for (const outcome of outcomes) {
      const key = outcome.kind === 'skipped' ? 'skipped' : outcome.kind === 'failed' ? 'failed' : outcome.kind;
      byOutcome[key] = (byOutcome[key] ?? 0) + 1;
    }
    expect(byStatus.sending ?? 0).toBe(0);
    expect(byStatus.retry ?? 0).toBe(0);
    expect(byStatus.skipped ?? 0).toBe(byOutcome.skipped ?? 0);
    expect((byStatus.sent ?? 0) + (byStatus.delivered ?? 0) + (byStatus.clicked ?? 0)).toBe(sent.length);
    expect(sent.length).toBeGreaterThan(0);
  }, 180_000);
});
