import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoClientStore } from '../../../shared/aws/dynamo-client-store.ts';
import { DynamoLapseStore } from '../../../shared/aws/dynamo-lapse-store.ts';
import { DynamoModelStore } from '../../../shared/aws/dynamo-model-store.ts';
import { DynamoSuppressionList } from '../../../shared/aws/dynamo-suppression-list.ts';
import { outreachJobId, type LapseEpisode, type LapseMark, type OutreachJob } from '../../../shared/lapse/episode.ts';
import type { TunedLapseRule } from '../../../shared/lapse/tuned-rule.ts';
import { defaultLapseRule } from '../../../shared/lapse/lapse-rule.ts';
import type { FittedLapseModel } from '../../../shared/lapse/lapse-model.ts';
import { freshTables, type TestTables } from '../../support/tables.ts';

const episode = (clientId: string, day: string): LapseEpisode => ({
  clientId,
  episodeId: day,
  status: 'open',
  openedOn: day,
  openedAt: `${day}T06:00:00.000Z`,
  explanation: { rule: 'rhythm and model agree', lastVisit: '2026-01-10', daysSinceLastVisit: 120, visitDays: 9, usualGapDays: 14, pAlive: 0.08 },
  controlGroup: false,
  requests: {},
});

const markOf = (e: LapseEpisode, extra: Partial<LapseMark> = {}): LapseMark => ({
  episodeId: e.episodeId,
  status: 'open',
  openedOn: e.openedOn,
  requests: 0,
  controlGroup: e.controlGroup,
  ...extra,
});

const jobFor = (e: LapseEpisode, request: number): OutreachJob => ({
  jobId: outreachJobId(e.clientId, e.episodeId, request),
  clientId: e.clientId,
  episodeId: e.episodeId,
  request,
  requestedOn: e.openedOn,
  channels: ['email'],
});

describe('DynamoLapseStore on DynamoDB Local', () => {
  let tables: TestTables;
  let lapses: DynamoLapseStore;
  let clients: DynamoClientStore;

  beforeEach(async () => {
    const fresh = await freshTables();
    tables = fresh.tables;
    lapses = new DynamoLapseStore(tables, fresh.db, () => new Date('2026-05-11T06:01:00.000Z'));
    clients = new DynamoClientStore(tables, fresh.db);
    for (const id of ['c-1', 'c-2', 'c-3']) {
      await clients.saveProfile({
        clientId: id,
        locale: 'en',
        timeZone: 'Europe/London',
        consent: { email: true, sms: false, voice: false },
        email: `${id}@example.com`,
      });
    }
  });

  it('opens one episode per client, whatever the number of tries, and marks the client', async () => {
    const first = episode('c-1', '2026-05-11');
    expect(await lapses.openEpisode(first, markOf(first))).toBe('opened');
    expect(await lapses.openEpisode(first, markOf(first))).toBe('already-open');
    // A later week does not open a second one while the first is open.
    const later = episode('c-1', '2026-05-18');
    expect(await lapses.openEpisode(later, markOf(later))).toBe('already-open');

    expect(await lapses.episodesOf('c-1')).toEqual([first]);
    expect((await clients.getClient('c-1'))?.lapse).toEqual(markOf(first));
  });

  it('never opens an episode for a client who does not exist', async () => {
    const ghost = episode('nobody', '2026-05-11');
    expect(await lapses.openEpisode(ghost, markOf(ghost))).toBe('already-open');
    expect(await lapses.episodesOf('nobody')).toEqual([]);
  });

  it('records a request once: a second run with the same mark finds a conflict', async () => {
    const e = episode('c-1', '2026-05-11');
    await lapses.openEpisode(e, markOf(e));
    const job = jobFor(e, 1);

    expect(await lapses.recordRequest(job, markOf(e))).toBe('recorded');
    expect(await lapses.recordRequest(job, markOf(e))).toBe('conflict');

    const mark = (await clients.getClient('c-1'))?.lapse;
    expect(mark).toMatchObject({ requests: 1, lastRequestOn: '2026-05-11', pendingJob: job });
    expect((await lapses.episodesOf('c-1'))[0]?.requests).toEqual({ [job.jobId]: { request: 1, requestedOn: '2026-05-11' } });
  });

  it('confirms a queued job: clears it from the client and notes when on the episode, twice without harm', async () => {
    const e = episode('c-1', '2026-05-11');
    await lapses.openEpisode(e, markOf(e));
    const job = jobFor(e, 1);
    await lapses.recordRequest(job, markOf(e));

    await lapses.confirmQueued(job);
    await lapses.confirmQueued(job);

    const mark = (await clients.getClient('c-1'))?.lapse;
    expect(mark?.pendingJob).toBeUndefined();
    expect(mark?.requests).toBe(1);
    expect((await lapses.episodesOf('c-1'))[0]?.requests[job.jobId]).toEqual({ request: 1, requestedOn: '2026-05-11', enqueuedAt: '2026-05-11T06:01:00.000Z' });
    // The next request goes on from the confirmed mark.
    expect(await lapses.recordRequest(jobFor(e, 2), mark!)).toBe('recorded');
  });

  it('lists open episodes, newest first', async () => {
    for (const [id, day] of [
      ['c-1', '2026-05-04'],
      ['c-2', '2026-05-18'],
      ['c-3', '2026-05-11'],
    ] as const) {
      const e = episode(id, day);
      await lapses.openEpisode(e, markOf(e));
    }
    const listed: string[] = [];
    for await (const page of lapses.openEpisodes()) listed.push(...page.map((e) => `${e.clientId} ${e.openedOn}`));
    expect(listed).toEqual(['c-2 2026-05-18', 'c-3 2026-05-11', 'c-1 2026-05-04']);
  });
});

describe('DynamoSuppressionList and DynamoModelStore on DynamoDB Local', () => {
  it('says which of many keys are suppressed, across batch limits', async () => {
    const { tables, db } = await freshTables();
    const list = new DynamoSuppressionList(tables.suppression, db);
    await list.add({ key: 'email:gone@example.com', reason: 'bounce', at: '2026-05-01T00:00:00Z' });
    await list.add({ key: 'client:c-7', reason: 'opt-out', at: '2026-05-01T00:00:00Z' });
    const asked = [...Array.from({ length: 250 }, (_, i) => `email:c${i}@example.com`), 'email:gone@example.com', 'client:c-7'];
    expect(await list.suppressed(asked)).toEqual(new Set(['email:gone@example.com', 'client:c-7']));
    expect(await list.suppressed([])).toEqual(new Set());
  });

  it('returns the fit for the latest day, up to a day when asked', async () => {
    const { tables, db } = await freshTables();
    const models = new DynamoModelStore(tables.models, db);
    expect(await models.latest()).toBeUndefined();
    const fittedModel = (fittedAt: string): FittedLapseModel => ({
      fittedAt,
      asOf: fittedAt.slice(0, 10),
      clients: 100,
      bgnbd: { r: 0.5, alpha: 20, a: 0.8, b: 3, logLikelihood: -1000, iterations: 20, clients: 100 },
      monthlyDiscountRate: 0.01,
    });
    await models.save(fittedModel('2026-05-11T06:00:00.000Z'));
    await models.save(fittedModel('2026-05-04T06:00:00.000Z'));
    // A past week swept again by hand, later: a fit for an older day, fitted after the others.
    await models.save({ ...fittedModel('2026-05-04T06:00:00.000Z'), fittedAt: '2026-05-12T09:00:00.000Z' });
    await models.save({ ...fittedModel('2026-05-11T06:00:00.000Z'), fittedAt: '2026-05-11T07:00:00.000Z' });
    expect(await models.latest()).toEqual({ ...fittedModel('2026-05-11T06:00:00.000Z'), fittedAt: '2026-05-11T07:00:00.000Z' });
    expect(await models.latest('2026-05-10')).toEqual({ ...fittedModel('2026-05-04T06:00:00.000Z'), fittedAt: '2026-05-12T09:00:00.000Z' });
    expect(await models.latest('2026-05-03')).toBeUndefined();
  });

  it('keeps each tuning of the rule as a version and gives the newest, apart from the fits', async () => {
    const { tables, db } = await freshTables();
    const models = new DynamoModelStore(tables.models, db);
    expect(await models.latestTuning()).toBeUndefined();
    const scores = { flagged: 10, precision: 0.8, recall: 0.7, f1: 0.7467 };
    const tuning = (tunedAt: string, pAliveBelow: number): TunedLapseRule => ({
      tunedAt,
      cutoff: '2026-01-01',
      horizonDays: 180,
      judged: 500,
      rule: { ...defaultLapseRule, pAliveBelow },
      before: scores,
      after: { ...scores, f1: 0.8 },
    });
    await models.saveTuning(tuning('2026-03-01T06:00:00.000Z', 0.6));
    await models.saveTuning(tuning('2026-06-01T06:00:00.000Z', 0.7));
    await models.saveTuning(tuning('2026-04-01T06:00:00.000Z', 0.4));
    expect(await models.latestTuning()).toEqual(tuning('2026-06-01T06:00:00.000Z', 0.7));
    expect(await models.latest()).toBeUndefined();
  });
});
