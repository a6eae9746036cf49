import { beforeEach, describe, expect, it } from 'vitest';
import { recordStaffAnswer, type AnswerDependencies } from '../../../shared/answers/use-cases/answers.ts';
import { moveFollowUp } from '../../../shared/answers/use-cases/follow-ups.ts';
import { outreachJobId, type LapseEpisode, type OutreachJob } from '../../../shared/lapse/episode.ts';
import type { LapseStore } from '../../../shared/lapse/ports/lapse-store.ts';
import { clientCard } from '../../../shared/visits/use-cases/client-card.ts';
import { InMemoryAnswerStore } from '../../fakes/answer-store.ts';
import { InMemoryCatalogueStore } from '../../fakes/catalogue-store.ts';
import { InMemoryClientStore } from '../../fakes/client-store.ts';
import { InMemoryFollowUpStore } from '../../fakes/follow-up-store.ts';
import { InMemoryOutreachLog } from '../../fakes/outreach-log.ts';
import { InMemorySuppressionList } from '../../fakes/suppression-list.ts';

const episode = (clientId: string, episodeId: string, requests: LapseEpisode['requests'], status: LapseEpisode['status'] = 'open'): LapseEpisode => ({
  clientId,
  episodeId,
  status,
  openedOn: episodeId,
  openedAt: `${episodeId}T03:00:00.000Z`,
  explanation: { kind: 'lapsed-regular', rule: 'rhythm and model agree', lastVisit: '2026-01-10', daysSinceLastVisit: 120, visitDays: 9, usualGapDays: 30 },
  controlGroup: false,
  requests,
});

const job = (clientId: string, episodeId: string, request: number): OutreachJob => ({
  jobId: outreachJobId(clientId, episodeId, request),
  clientId,
  episodeId,
  request,
  requestedOn: episodeId,
  channels: ['sms', 'email'],
});

describe('the client card', () => {
  let deps: AnswerDependencies & { lapses: LapseStore };
  let episodes: LapseEpisode[];
  let now: Date;

  beforeEach(async () => {
    episodes = [];
    now = new Date('2026-05-30T10:00:00Z');
    deps = {
      answers: new InMemoryAnswerStore(),
      catalogue: new InMemoryCatalogueStore(),
      followUps: new InMemoryFollowUpStore(),
      clients: new InMemoryClientStore(),
      suppression: new InMemorySuppressionList(),
      log: new InMemoryOutreachLog(),
      lapses: { episodesOf: async (clientId: string) => episodes.filter((each) => each.clientId === clientId) } as unknown as LapseStore,
      now: () => now,
    };
    for (const clientId of ['c-1', 'c-2']) {
      await deps.clients.saveProfile({
        clientId,
        name: `Client ${clientId}`,
        phone: '+306912345678',
        locale: 'el',
        timeZone: 'Europe/Athens',
        consent: { email: true, sms: true, voice: false },
      });
    }
  });

  it('is undefined for a client that does not exist', async () => {
    expect(await clientCard('c-404', deps)).toBeUndefined();
  });

  it('shows each request of every episode with its channel and delivery, and one still queued', async () => {
    episodes = [
      episode('c-1', '2025-11-02', { '1': { request: 1, requestedOn: '2025-11-02' } }, 'won-back'),
      episode('c-1', '2026-05-11', {
        '2': { request: 2, requestedOn: '2026-05-25' },
        '1': { request: 1, requestedOn: '2026-05-11', enqueuedAt: '2026-05-11T03:00:01.000Z' },
      }),
    ];
    await deps.log.skipped(job('c-1', '2025-11-02', 1), 'suppressed', new Date('2025-11-02T03:00:02Z'));
    await deps.log.claim(job('c-1', '2026-05-11', 1), 'sms', 'el', new Date('2026-05-11T09:00:00Z'));
    await deps.log.sent(outreachJobId('c-1', '2026-05-11', 1), 'provider-1', new Date('2026-05-11T09:00:01Z'));
    await deps.log.delivery(outreachJobId('c-1', '2026-05-11', 1), 'delivered', ['sent'], '2026-05-11T09:00:05.000Z');
    // Another client's request never shows.
    await deps.log.claim(job('c-2', '2026-05-11', 1), 'email', 'el', new Date('2026-05-11T09:00:00Z'));

    const card = await clientCard('c-1', deps);

    expect(card!.requests).toEqual([
      {
        outreachId: outreachJobId('c-1', '2025-11-02', 1),
        episodeId: '2025-11-02',
        request: 1,
        requestedOn: '2025-11-02',
        status: 'skipped',
        updatedAt: '2025-11-02T03:00:02.000Z',
        reason: 'suppressed',
      },
      {
        outreachId: outreachJobId('c-1', '2026-05-11', 1),
        episodeId: '2026-05-11',
        request: 1,
        requestedOn: '2026-05-11',
        status: 'delivered',
        channel: 'sms',
        sentAt: '2026-05-11T09:00:01.000Z',
        updatedAt: '2026-05-11T09:00:05.000Z',
      },
      { outreachId: outreachJobId('c-1', '2026-05-11', 2), episodeId: '2026-05-11', request: 2, requestedOn: '2026-05-25', status: 'queued' },
    ]);
    expect(card!.episodes.map((each) => each.episodeId)).toEqual(['2025-11-02', '2026-05-11']);
  });

  it("shows the follow-ups the client's answers opened, in any status, and no other client's", async () => {
    await recordStaffAnswer({ clientId: 'c-1', reasonId: 'price', by: 'desk', callMe: true, on: '2026-05-20' }, deps);
    now = new Date('2026-05-30T11:00:00Z');
    await recordStaffAnswer({ clientId: 'c-1', reasonId: 'staff-attitude', by: 'desk', note: 'rude at reception' }, deps);
    await recordStaffAnswer({ clientId: 'c-2', reasonId: 'price', by: 'desk', callMe: true }, deps);
    const [callBack] = await deps.followUps.list('open');
    await moveFollowUp(callBack!.followUpId, 'contacted', { by: 'desk', note: 'left a message' }, deps);

    const card = await clientCard('c-1', deps);

    expect(card!.followUps.map((each) => [each.clientId, each.kind, each.status, each.reasonId])).toEqual([
      ['c-1', 'call-back', 'contacted', 'price'],
      ['c-1', 'complaint', 'open', 'staff-attitude'],
    ]);
    expect(card!.followUps[0]!.history.at(-1)).toMatchObject({ status: 'contacted', by: 'desk', note: 'left a message' });
    expect(card!.answers.map((each) => [each.channel, each.reason?.id, each.text])).toEqual([
      ['staff', 'price', undefined],
      ['staff', 'staff-attitude', 'rude at reception'],
    ]);
    expect(card!.requests).toEqual([]);
  });

  it('says when the client opted out of every channel', async () => {
    expect((await clientCard('c-1', deps))!.optedOut).toBe(false);
    await deps.suppression.add({ key: 'client:c-1', reason: 'opt-out', at: '2026-05-30T10:00:00.000Z' });
    expect((await clientCard('c-1', deps))!.optedOut).toBe(true);
  });
});
