import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedClinic, type SeedResult } from '../../../cli/seed-command.ts';
import { lapsedList } from '../../../cli/sweep-command.ts';
import { atRiskList } from '../../../cli/at-risk-command.ts';
import { addDays } from '../../../shared/common/dates.ts';
import { freePort, startLocalStack, type LocalStack } from '../../../infra/local/stack.ts';
import { InProcessSegmentRunner } from '../../../shared/aws/lambda-segment-runner.ts';
import { buildApp } from '../../../shared/app.ts';
import type { OutreachJob } from '../../../shared/lapse/episode.ts';
import { defaultSweepSettings, runSweep, sweepSegment, type SweepReport, type SweepSettings } from '../../../shared/lapse/use-cases/sweep.ts';
import { allClients } from '../../../cli/start-command.ts';

const asOf = '2026-05-11';
const settings = (extra: Partial<SweepSettings> = {}): SweepSettings => ({ ...defaultSweepSettings(asOf), listFlagged: true, ...extra });

/** Everything on the outreach queue right now, removed from it. */
const drainQueue = async (): Promise<OutreachJob[]> => {
  const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
  const QueueUrl = process.env.OUTREACH_QUEUE_URL!;
  const jobs: OutreachJob[] = [];
  try {
    for (;;) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 60 }));
      if (Messages.length === 0) return jobs;
      jobs.push(...Messages.map((message) => JSON.parse(message.Body!) as OutreachJob));
      await sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl, Entries: Messages.map((message, i) => ({ Id: String(i), ReceiptHandle: message.ReceiptHandle! })) }),
      );
    }
  } finally {
    sqs.destroy();
  }
};

const openEpisodes = async () => {
  const episodes = [];
  for await (const page of buildApp().lapseStore().openEpisodes()) episodes.push(...page);
  return episodes;
};

/** Everyone the sweep opens an episode for: lapsed regulars and early drop-outs. */
const lost = (counts: { lapsed: number; earlyDropOuts: number }): number => counts.lapsed + counts.earlyDropOuts;

describe('the weekly sweep on the local stack', () => {
  let stack: LocalStack;
  let seeded: SeedResult;
  let first: SweepReport;

  beforeAll(async () => {
    stack = await startLocalStack({ inMemory: true, ports: { dynamodb: await freePort(), messaging: 0, email: 0, smsvoice: 0 } });
    seeded = await seedClinic({ clients: '600', asOf, seed: '42' });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('with --dry-run scores and decides, and writes nothing: no episode, no message, no model', async () => {
    const report = await runSweep(settings({ dryRun: true }), buildApp().sweepDependencies());

    expect(report.counts.clients).toBe(600);
    expect(report.counts.scored + report.counts.noVisits).toBe(600);
    expect(report.counts.lapsed).toBeGreaterThan(20);
    expect(report.counts.episodesOpened).toBe(lost(report.counts));
    expect(report.fitted).toBeDefined();
    expect(await openEpisodes()).toEqual([]);
    expect(await drainQueue()).toEqual([]);
    expect(await buildApp().modelStore().latest()).toBeUndefined();
    expect((await allClients(buildApp().clientStore())).filter((client) => client.lapse)).toEqual([]);
  });

  it('opens an episode per lapsed client and queues one request per eligible one', async () => {
    first = await runSweep(settings(), buildApp().sweepDependencies());
    const { counts } = first;

    expect(first.fitted?.asOf).toBe(asOf);
    expect(await buildApp().modelStore().latest()).toEqual(first.fitted);
    expect(counts.episodesOpened).toBe(lost(counts));
    expect(counts.enqueued).toBe(counts.eligible);
    const skipped = Object.values(counts.skipped).reduce((sum, n) => sum + n, 0);
    expect(counts.eligible + skipped).toBe(lost(counts));

    const episodes = await openEpisodes();
    expect(episodes).toHaveLength(lost(counts));
    const jobs = await drainQueue();
    expect(jobs).toHaveLength(counts.enqueued);
    expect(new Set(jobs.map((job) => job.jobId)).size).toBe(jobs.length);
    // Every job belongs to an open episode outside the control group, and is its first request.
    const byClient = new Map(episodes.map((episode) => [episode.clientId, episode]));
    for (const job of jobs) {
      const episode = byClient.get(job.clientId)!;
      expect(episode.controlGroup).toBe(false);
      expect(job).toMatchObject({ episodeId: asOf, request: 1, requestedOn: asOf });
      expect(episode.requests[job.jobId]?.enqueuedAt).toBeDefined();
    }
    // The control group is recorded on the episode and never asked.
    const held = episodes.filter((episode) => episode.controlGroup);
    expect(held.length).toBe(counts.skipped['control-group'] ?? 0);
    expect(held.every((episode) => Object.keys(episode.requests).length === 0)).toBe(true);
    // Every episode says why, in numbers.
    for (const episode of episodes) {
      expect(episode.explanation.daysSinceLastVisit).toBeGreaterThan(0);
      expect(episode.explanation.rule).toMatch(/\w/);
    }
  });

  it('finds the clients the demo clinic made drift away, and leaves the weekly physio courses alone', () => {
    const lapsed = new Set(first.flagged.filter((f) => f.kind === 'lapsed').map((f) => f.clientId));
    const story = (name: string) =>
      Object.entries(seeded.clinic.profiles)
        .filter(([, s]) => s === name)
        .map(([id]) => id);
    const drifted = story('drifted-away');
    const physio = story('weekly-physio');
    const oneOff = story('one-off');
    const found = drifted.filter((id) => lapsed.has(id)).length / drifted.length;
    const falseAlarms = physio.filter((id) => lapsed.has(id)).length / physio.length;
    expect(found).toBeGreaterThanOrEqual(0.7);
    expect(falseAlarms).toBeLessThanOrEqual(0.1);
    expect(oneOff.filter((id) => lapsed.has(id))).toEqual([]);
  });

  it('run again for the same week: no second episode, no second message', async () => {
    const again = await runSweep(settings(), buildApp().sweepDependencies());

    expect(lost(again.counts)).toBe(lost(first.counts));
    expect(again.counts.episodesOpened).toBe(0);
    expect(again.counts.episodesAlreadyOpen).toBe(lost(first.counts));
    expect(again.counts.enqueued).toBe(0);
    expect(again.counts.skipped.cooldown).toBe(first.counts.enqueued);
    expect(await drainQueue()).toEqual([]);
    expect(await openEpisodes()).toHaveLength(lost(first.counts));
  });

  it('lists the lapsed clients with the money at risk, most first', async () => {
    const rows = await lapsedList();
    expect(rows).toHaveLength(lost(first.counts));
    const values = rows.map((row) => row.explanation.valueAtRisk?.minor ?? -1);
    expect(values).toEqual([...values].sort((a, b) => b - a));
    expect(values[0]).toBeGreaterThan(0);
  });

  it('names the clients still coming who will count as lost soon, each on the first day the sweep would flag them', async () => {
    const rows = await atRiskList(90, asOf);
    const open = new Set((await openEpisodes()).map((episode) => episode.clientId));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.some((row) => open.has(row.clientId))).toBe(false);
    expect(rows.map((row) => row.daysLeft)).toEqual([...rows.map((row) => row.daysLeft)].sort((p, q) => p - q));
    for (const row of rows) {
      expect(row.lostOn).toBe(addDays(asOf, row.daysLeft));
      expect(row.daysLeft).toBeGreaterThan(0);
      expect(row.daysLeft).toBeLessThanOrEqual(90);
      expect(row.explanation.daysSinceLastVisit).toBeGreaterThan(0);
    }
  });

  it('resends, once, what a run recorded but could not queue', async () => {
    // Six weeks on the cooldown is over: the eligible clients get their second request. The queue fails this time.
    const later = settings({ asOf: '2026-06-22' });
    const broken = buildApp().sweepDependencies();
    const failing = new InProcessSegmentRunner((request) =>
      sweepSegment(request, {
        ...buildApp().segmentDependencies(),
        queue: { enqueue: () => Promise.reject(new Error('queue unavailable')) },
      }),
    );
    await expect(runSweep(later, { ...broken, segments: failing })).rejects.toThrow(/queue unavailable/);
    expect(await drainQueue()).toEqual([]);
    const pending = (await allClients(buildApp().clientStore())).filter((client) => client.lapse?.pendingJob);
    expect(pending.length).toBeGreaterThan(0);

    const retried = await runSweep(later, buildApp().sweepDependencies());
    const jobs = await drainQueue();
    expect(retried.counts.resent).toBe(pending.length);
    expect(jobs.map((job) => job.jobId).sort()).toEqual(pending.map((client) => client.lapse!.pendingJob!.jobId).sort());
    // Second requests to last month's episodes, first ones to episodes opened this week.
    expect(jobs.some((job) => job.request === 2 && job.episodeId === asOf)).toBe(true);
    expect(jobs.every((job) => (job.episodeId === asOf ? job.request === 2 : job.request === 1))).toBe(true);
    expect((await allClients(buildApp().clientStore())).filter((client) => client.lapse?.pendingJob)).toEqual([]);

    // And once more, after this run's refit: scored with the same model as before, nothing left to send.
    expect(retried.fitted?.asOf).toBe('2026-06-22');
    const third = await runSweep(later, buildApp().sweepDependencies());
    expect(third.scoredWith).toEqual(retried.scoredWith);
    expect(third.fitted).toBeUndefined();
    expect(lost(third.counts)).toBe(lost(retried.counts));
    expect(third.counts.resent + third.counts.enqueued + third.counts.episodesOpened).toBe(0);
    expect(await drainQueue()).toEqual([]);
  });

  it('skips, counts and names the clients with a visit after its day, and scores everyone else', async () => {
    // Prepare: a sweep as of a week back, when some clients' last visits are still to come.
    const weekBack = '2026-05-04';
    const future = (await allClients(buildApp().clientStore())).filter((client) => client.summary && client.summary.lastVisit > weekBack);
    expect(future.length).toBeGreaterThan(0);

    // Act
    const report = await runSweep({ ...defaultSweepSettings(weekBack), dryRun: true, listFlagged: true }, buildApp().sweepDependencies());

    // Assess
    expect(report.counts.unusable).toBe(future.length);
    expect(report.counts.scored + report.counts.noVisits + report.counts.unusable).toBe(600);
    expect(report.fitted?.clients).toBe(report.counts.scored);
    const named = report.unusable.map((client) => client.clientId).sort();
    expect(named).toEqual(
      future
        .map((client) => client.profile.clientId)
        .sort()
        .slice(0, named.length),
    );
    expect(report.unusable[0]?.reason).toMatch(/has a visit on 2026-05-\d\d, after 2026-05-04/);
  });

  // Last: the tuning it stores holds for every later sweep of this clinic.
  it('uses the rule settings tuned and stored for the clinic, unless the environment sets them', async () => {
    const before = await runSweep(settings({ dryRun: true }), buildApp().sweepDependencies());
    expect(before.counts.earlyDropOuts).toBeGreaterThan(0);
    expect(before.tuning).toBeUndefined();
    const scores = { flagged: 1, precision: 1, recall: 1, f1: 1 };
    // Tuned so that nobody is an early drop-out within ten years.
    const never = { ...defaultSweepSettings(asOf).lapseRule, earlyDropOut: { gapMultiple: 3, minimumDays: 3650 } };
    await buildApp()
      .modelStore()
      .saveTuning({ tunedAt: '2026-05-10T06:00:00.000Z', cutoff: '2025-11-11', horizonDays: 180, judged: 100, rule: never, before: scores, after: scores });

    const tuned = await runSweep(settings({ dryRun: true }), buildApp().sweepDependencies());
    const fixed = await runSweep(settings({ dryRun: true, fixedRuleSettings: ['earlyDropOutMinimumDays'] }), buildApp().sweepDependencies());

    expect(tuned.tuning?.tunedAt).toBe('2026-05-10T06:00:00.000Z');
    expect(tuned.counts.earlyDropOuts).toBe(0);
    expect(fixed.counts.earlyDropOuts).toBe(before.counts.earlyDropOuts);
    expect(tuned.retuned).toBeUndefined();
  });

  it('tunes the rule again on the clinic’s history once the stored tuning is 90 days old, for the next sweep', async () => {
    const later = '2026-08-10';
    const report = await runSweep(settings({ asOf: later, dryRun: false }), buildApp().sweepDependencies());
    expect(report.tuning?.tunedAt).toBe('2026-05-10T06:00:00.000Z');
    expect(report.retuned?.cutoff).toBe(addDays(later, -180));
    expect(report.retuned!.after.f1).toBeGreaterThanOrEqual(report.retuned!.before.f1);
    const stored = await buildApp().modelStore().latestTuning();
    expect(stored?.tunedAt).toBe(report.retuned?.tunedAt);
    // The next sweep, days later, uses it and does not tune again.
    const next = await runSweep(settings({ asOf: addDays(later, 7), dryRun: true }), buildApp().sweepDependencies());
    expect(next.tuning?.tunedAt).toBe(report.retuned?.tunedAt);
    expect(next.retuned).toBeUndefined();
  });
});
