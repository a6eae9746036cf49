import { beforeEach, describe, expect, it } from 'vitest';
import { signReplyToken } from '../../../shared/answers/reply-token.ts';
import { addReason, mergeReason, offeredToClients, seedCatalogue, type Catalogue } from '../../../shared/answers/reasons.ts';
import { recordAnswer, receiveSms, recordStaffAnswer, type SmsDependencies } from '../../../shared/answers/use-cases/answers.ts';
import { mapCandidate } from '../../../shared/answers/use-cases/catalogue.ts';
import { choicesFor, openReplyPage, submitReply } from '../../../shared/answers/use-cases/reply-page.ts';
import { clientOfViberContext } from '../../../shared/outreach/viber-subscription.ts';
import type { OutreachJob } from '../../../shared/lapse/episode.ts';
import { InMemoryAnswerStore } from '../../fakes/answer-store.ts';
import { InMemoryCatalogueStore } from '../../fakes/catalogue-store.ts';
import { InMemoryClientStore } from '../../fakes/client-store.ts';
import { InMemoryFollowUpStore } from '../../fakes/follow-up-store.ts';
import { InMemoryOutreachLog } from '../../fakes/outreach-log.ts';
import { InMemorySuppressionList } from '../../fakes/suppression-list.ts';

const at = '2026-05-01T10:00:00.000Z';
const ids = (choices: readonly { id: string }[]): string[] => choices.map((choice) => choice.id);
const seedIds = [
  'price',
  'waiting-time',
  'quality-of-care',
  'staff-attitude',
  'moved-away',
  'switched-provider',
  'schedule',
  'no-longer-needed',
  'insurance-or-payment',
  'other',
];
/** The catalogue as the stores read it back: reasons in key (id) order. */
const byId = (catalogue: Catalogue): Catalogue => ({ ...catalogue, reasons: [...catalogue.reasons].sort((a, b) => (a.id < b.id ? -1 : 1)) });

describe('the reasons the reply page offers', () => {
  it('never offers "passed away", not even from a catalogue stored before reasons said so', () => {
    const seeded = seedCatalogue();
    expect(seeded.reasons.find((reason) => reason.id === 'deceased')).toMatchObject({ offeredToClients: false });
    const stored: Catalogue = { ...seeded, reasons: seeded.reasons.map(({ offeredToClients: _offered, ...reason }) => reason) };

    expect(offeredToClients(stored.reasons.find((reason) => reason.id === 'deceased')!)).toBe(false);
    expect(stored.reasons.filter((reason) => reason.id !== 'deceased').every(offeredToClients)).toBe(true);
    expect(ids(choicesFor(seeded, 'en', new Map()))).not.toContain('deceased');
    expect(ids(choicesFor(stored, 'en', new Map()))).not.toContain('deceased');
  });

  it('offers the seed order, "other" last, before any answer is counted, however the store sorts the reasons', () => {
    expect(ids(choicesFor(seedCatalogue(), 'en', new Map()))).toEqual(seedIds);
    expect(ids(choicesFor(byId(seedCatalogue()), 'en', new Map()))).toEqual(seedIds);
  });

  it('puts the reasons this clinic’s clients give most first, and "other" last however often it is given', () => {
    const given = new Map([
      ['other', 40],
      ['moved-away', 12],
      ['schedule', 5],
      ['price', 5],
      ['deceased', 30],
      ['no-longer-needed', 1],
    ]);
    const choices = choicesFor(byId(seedCatalogue()), 'el', given);

    expect(ids(choices)).toEqual([
      'moved-away',
      'price',
      'schedule',
      'no-longer-needed',
      'waiting-time',
      'quality-of-care',
      'staff-attitude',
      'switched-provider',
      'insurance-or-payment',
      'other',
    ]);
    expect(choices[0]!.label).toMatch(/\p{Script=Greek}/u);
  });

  it('counts a merged reason’s answers under the reason it went into', () => {
    const merged = mergeReason(mergeReason(seedCatalogue(), 'schedule', 'waiting-time', at), 'switched-provider', 'schedule', at);
    const given = new Map([
      ['price', 6],
      ['waiting-time', 2],
      ['schedule', 3],
      ['switched-provider', 2],
      ['gone-from-the-catalogue', 50],
    ]);
    const choices = ids(choicesFor(merged, 'en', given));

    expect(choices.slice(0, 2)).toEqual(['waiting-time', 'price']);
    expect(choices).not.toContain('schedule');
    expect(choices).not.toContain('switched-provider');
    expect(choices.at(-1)).toBe('other');
  });

  it('offers reasons managers added after the seed ones when nobody gave them yet, in the catalogue’s order, and before them when given', () => {
    const added = addReason(
      addReason(seedCatalogue(), { id: 'parking', label: 'Parking', locale: 'en', churnType: 'voluntary' }, at),
      {
        id: 'accessibility',
        label: 'Hard to get in',
        locale: 'en',
        churnType: 'voluntary',
      },
      at,
    );

    expect(ids(choicesFor(added, 'en', new Map())).slice(-3)).toEqual(['parking', 'accessibility', 'other']);
    expect(ids(choicesFor(added, 'en', new Map([['accessibility', 1]])))[0]).toBe('accessibility');
  });
});

describe('counting the reasons given', () => {
  const secret = 'reply-choices-test-secret-0123456789';
  const phone = '+306912345678';
  const settings = { clinicName: 'Harbour Clinic', tokenSecrets: [secret] };
  const token = signReplyToken({ outreachId: 'job-1', purpose: 'reply', expiresAt: Date.parse('2026-06-01T00:00:00Z') / 1000 }, secret);
  const job: OutreachJob = { jobId: 'job-1', clientId: 'c-1', episodeId: '2026-05-11', request: 1, requestedOn: '2026-05-11', channels: ['sms', 'email'] };
  let deps: SmsDependencies;
  const sms = (body: string, inboundMessageId: string) =>
    receiveSms(
      { originationNumber: phone, destinationNumber: '+18005550100', messageBody: body, inboundMessageId, previousPublishedMessageId: 'provider-1' },
      deps,
    );
  const given = async () => Object.fromEntries(await deps.catalogue.reasonsGiven());

  beforeEach(async () => {
    deps = {
      answers: new InMemoryAnswerStore(),
      catalogue: new InMemoryCatalogueStore(),
      followUps: new InMemoryFollowUpStore(),
      clients: new InMemoryClientStore(),
      suppression: new InMemorySuppressionList(),
      log: new InMemoryOutreachLog(),
      messenger: { sendText: async () => 'm' },
      clinicName: 'Harbour Clinic',
      now: () => new Date('2026-05-12T10:00:00Z'),
    };
    await deps.clients.saveProfile({
      clientId: 'c-1',
      name: 'Maria Pappa',
      phone,
      locale: 'en',
      timeZone: 'Europe/Athens',
      consent: { email: true, sms: true, voice: false },
    });
    await deps.log.claim(job, 'sms', 'en', new Date('2026-05-11T09:00:00Z'));
    await deps.log.sent(job.jobId, 'provider-1', new Date('2026-05-11T09:00:01Z'));
  });

  it('counts an SMS answer once, however often the same message is delivered', async () => {
    await sms('3', 'in-1');
    await sms('3', 'in-1');
    await sms('3', 'in-1');

    expect(await given()).toEqual({ 'moved-away': 1 });
  });

  it('counts a page answer once however often it is submitted, and a changed reason under the new one', async () => {
    await submitReply(token, { reasonId: 'price', callMe: false, book: false }, settings, deps);
    await submitReply(token, { reasonId: 'price', text: 'also the parking', callMe: true, book: false }, settings, deps);
    expect(await given()).toEqual({ price: 1 });

    await submitReply(token, { reasonId: 'schedule', callMe: false, book: false }, settings, deps);
    expect(await given()).toEqual({ price: 1, schedule: 1 });
  });

  it('counts nothing for an answer without a reason, and counts it once a manager places it', async () => {
    const words = 'the lift is always broken and I use a wheelchair';
    const pending = await recordAnswer({ clientId: 'c-1', answerId: 'sms#w', channel: 'sms', mode: 'once', text: words, locale: 'en' }, deps);
    expect(pending.answer.reasonId).toBeUndefined();
    expect(await given()).toEqual({});

    expect(await mapCandidate(pending.answer.candidate!, 'quality-of-care', 'en', 'manager', deps)).toEqual({ placed: 1, alsoPlaced: 0 });
    expect(await given()).toEqual({ 'quality-of-care': 1 });
  });

  it('counts what staff record, and the page then offers the reasons given most first', async () => {
    // Each staff entry is its own answer (its id is the moment it was typed).
    let minute = 0;
    deps = { ...deps, now: () => new Date(Date.UTC(2026, 4, 12, 10, minute++)) };
    await recordStaffAnswer({ clientId: 'c-1', reasonId: 'schedule', by: 'anna' }, deps);
    await recordStaffAnswer({ clientId: 'c-1', reasonId: 'schedule', by: 'anna' }, deps);
    await recordStaffAnswer({ clientId: 'c-1', reasonId: 'deceased', by: 'anna' }, deps);
    expect(await given()).toEqual({ schedule: 2, deceased: 1 });
    await sms('2', 'in-2');

    const page = await openReplyPage(token, settings, deps);
    expect(ids(page.choices).slice(0, 3)).toEqual(['schedule', 'waiting-time', 'price']);
    expect(ids(page.choices)).not.toContain('deceased');
    expect(ids(page.choices).at(-1)).toBe('other');
  });

  it('offers a client who agreed to Viber the bot’s deep link, naming them, until they have subscribed', async () => {
    const withBot = { ...settings, viberBotUri: 'harbourclinic' };
    expect((await openReplyPage(token, withBot, deps)).viberLink).toBeUndefined();

    await deps.clients.saveProfile({ ...(await deps.clients.getClient('c-1'))!.profile, consent: { email: true, sms: true, voice: false, viber: true } });
    const link = (await openReplyPage(token, withBot, deps)).viberLink!;
    expect((await openReplyPage(token, settings, deps)).viberLink).toBeUndefined();
    const url = new URL(link);
    expect(`${url.protocol}${url.search.split('&')[0]}`).toBe('viber:?chatURI=harbourclinic');
    expect(clientOfViberContext(url.searchParams.get('context') ?? undefined, [secret], new Date('2026-05-12T10:00:00Z'))).toBe('c-1');

    await deps.clients.bindViberUser('c-1', 'vu-1');
    expect((await openReplyPage(token, withBot, deps)).viberLink).toBeUndefined();
  });
});
