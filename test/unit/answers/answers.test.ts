import { beforeEach, describe, expect, it } from 'vitest';
import { longestAnswerText } from '../../../shared/answers/answer.ts';
import type { OutreachJob } from '../../../shared/lapse/episode.ts';
import type { LapseStore } from '../../../shared/lapse/ports/lapse-store.ts';
import { FollowUpTransitionError } from '../../../shared/answers/follow-up.ts';
import { signReplyToken, ReplyTokenError } from '../../../shared/answers/reply-token.ts';
import type { OutgoingText } from '../../../shared/outreach/ports/messenger.ts';
import { recordAnswer, receiveSms, recordStaffAnswer, type SmsDependencies } from '../../../shared/answers/use-cases/answers.ts';
import { mapCandidate, mergeReasons, reasonCounts } from '../../../shared/answers/use-cases/catalogue.ts';
import { clientCard } from '../../../shared/visits/use-cases/client-card.ts';
import { moveFollowUp } from '../../../shared/answers/use-cases/follow-ups.ts';
import { openReplyPage, submitReply, unsubscribeByToken } from '../../../shared/answers/use-cases/reply-page.ts';
import { CatalogueConflictError } from '../../../shared/answers/ports/catalogue-store.ts';
import { matchAnswer } from '../../../shared/answers/reason-matching.ts';
import { learnAlias } from '../../../shared/answers/reasons.ts';
import { InMemoryAnswerStore } from '../../fakes/answer-store.ts';
import { InMemoryCatalogueStore } from '../../fakes/catalogue-store.ts';
import { InMemoryClientStore } from '../../fakes/client-store.ts';
import { InMemoryFollowUpStore } from '../../fakes/follow-up-store.ts';
import { InMemoryOutreachLog } from '../../fakes/outreach-log.ts';
import { InMemorySuppressionList } from '../../fakes/suppression-list.ts';

const secret = 'answers-test-secret-0123456789abcdef';
const phone = '+306912345678';

describe('capturing answers', () => {
  let deps: SmsDependencies;
  let texts: OutgoingText[];
  const job: OutreachJob = { jobId: 'job-1', clientId: 'c-1', episodeId: '2026-05-11', request: 1, requestedOn: '2026-05-11', channels: ['sms', 'email'] };
  const sms = (body: string, inboundMessageId: string, previousPublishedMessageId?: string) =>
    receiveSms(
      {
        originationNumber: phone,
        destinationNumber: '+18005550100',
        messageBody: body,
        inboundMessageId,
        ...(previousPublishedMessageId && { previousPublishedMessageId }),
      },
      deps,
    );

  beforeEach(async () => {
    texts = [];
    deps = {
      answers: new InMemoryAnswerStore(),
      catalogue: new InMemoryCatalogueStore(),
      followUps: new InMemoryFollowUpStore(),
      clients: new InMemoryClientStore(),
      suppression: new InMemorySuppressionList(),
      log: new InMemoryOutreachLog(),
      messenger: { sendText: async (text) => `m-${texts.push(text)}` },
      clinicName: 'Harbour Clinic',
      now: () => new Date('2026-05-12T10:00:00Z'),
    };
    await deps.clients.saveProfile({
      clientId: 'c-1',
      name: 'Μαρία Παππά',
      phone,
      locale: 'el',
      timeZone: 'Europe/Athens',
      consent: { email: true, sms: true, voice: false },
    });
    await deps.log.claim(job, 'sms', 'el', new Date('2026-05-11T09:00:00Z'));
    await deps.log.sent(job.jobId, 'provider-1', new Date('2026-05-11T09:00:01Z'));
  });

  it('ties an SMS digit to the request it answers, and drops a second delivery of the same message', async () => {
    const first = await sms('1', 'in-1', 'provider-1');
    const again = await sms('1', 'in-1', 'provider-1');

    expect(first).toMatchObject({
      kind: 'answer',
      result: { outcome: 'created', answer: { clientId: 'c-1', outreachId: 'job-1', reasonId: 'price', method: 'digit', confidence: 1 } },
    });
    expect(again).toMatchObject({ kind: 'answer', result: { outcome: 'duplicate' } });
    expect(await deps.answers.answersOf('c-1')).toHaveLength(1);
  });

  it('finds the client by number when the reply names no message, and keeps a stranger’s reply for review', async () => {
    expect(await sms('2', 'in-2')).toMatchObject({ kind: 'answer', result: { answer: { clientId: 'c-1', reasonId: 'waiting-time' } } });
    const stranger = await receiveSms(
      { originationNumber: '+306900000000', destinationNumber: '+18005550100', messageBody: 'who is this?', inboundMessageId: 'in-3' },
      deps,
    );
    expect(stranger).toEqual({ kind: 'unmatched', duplicate: false });
    expect(await deps.answers.answersOf('unmatched')).toEqual([expect.objectContaining({ from: '+306900000000', text: 'who is this?' })]);
  });

  it.each(['STOP', 'stop', ' Stop ', 'opt out', 'Unsubscribe', 'стоп', 'Στοπ'])('opts the client out of every channel on "%s"', async (body) => {
    expect(await sms(body, 'in-stop', 'provider-1')).toEqual({ kind: 'opted-out', clientId: 'c-1', duplicate: false });
    expect(await deps.suppression.suppressed([`client:c-1`, `phone:${phone}`])).toEqual(new Set([`client:c-1`, `phone:${phone}`]));
  });

  it('answers HELP once, in the client’s language, however often it is delivered', async () => {
    await sms('HELP', 'in-help', 'provider-1');
    await sms('HELP', 'in-help', 'provider-1');
    expect(texts).toEqual([expect.objectContaining({ to: phone, body: expect.stringMatching(/^Harbour Clinic: ρωτήσαμε/) })]);
  });

  it('keeps words it cannot place for a manager; once placed, the same words match by themselves', async () => {
    const words = 'ο σκύλος μου δεν του αρέσει το ασανσέρ';
    const pending = await sms(words, 'in-4', 'provider-1');
    expect(pending).toMatchObject({ kind: 'answer', result: { answer: { method: 'none' } } });
    const candidate = pending.kind === 'answer' ? pending.result.answer.candidate! : '';
    expect((await deps.catalogue.candidates()).map((c) => [c.text, c.locales, c.answers])).toEqual([[candidate, ['el'], 1]]);

    expect(await mapCandidate(candidate, 'quality-of-care', 'el', 'manager', deps)).toEqual({ placed: 1, alsoPlaced: 0 });
    const next = await sms(words.toUpperCase(), 'in-5', 'provider-1');

    expect(next).toMatchObject({ kind: 'answer', result: { answer: { reasonId: 'quality-of-care', method: 'alias', confidence: 1 } } });
    expect(await deps.catalogue.candidates()).toEqual([]);
    expect((await deps.answers.answersOf('c-1')).map((a) => a.reasonId)).toEqual(['quality-of-care', 'quality-of-care']);
  });

  it(`keeps at most ${longestAnswerText} characters of a long answer, never half an emoji, and says it was cut`, async () => {
    const result = await recordAnswer(
      { clientId: 'c-1', answerId: 'page#long', channel: 'page', mode: 'upsert', text: `a${'😀'.repeat(longestAnswerText + 200)}`, locale: 'el' },
      deps,
    );

    expect([...result.answer.text!]).toHaveLength(longestAnswerText);
    expect(result.answer.text!.endsWith('😀')).toBe(true);
    expect(result.answer).toMatchObject({ truncated: true, textLength: longestAnswerText + 201 });
    const short = await recordAnswer({ clientId: 'c-1', answerId: 'page#short', channel: 'page', mode: 'upsert', text: 'ακριβό', locale: 'el' }, deps);
    expect(short.answer).not.toHaveProperty('truncated');
  });

  describe('long answers in any script', () => {
    /** About 600 characters of Greek: over 1,024 bytes in UTF-8, with no word a reason knows. */
    const greek = (length: number) =>
      'ο σκύλος μου δεν του αρέσει το ασανσέρ και η γάτα φοβάται τη σκάλα '
        .repeat(Math.ceil(length / 66))
        .slice(0, length)
        .trim();
    const russian = (length: number) =>
      'моя собака боится лифта а кошка не любит лестницу '
        .repeat(Math.ceil(length / 50))
        .slice(0, length)
        .trim();

    it('lands a long Greek SMS once, on the client card and among the pending answers', async () => {
      const body = greek(1100);
      expect(Buffer.byteLength(body)).toBeGreaterThan(1024);

      const first = await sms(body, 'in-long', 'provider-1');
      const again = await sms(body, 'in-long', 'provider-1');

      expect(first).toMatchObject({ kind: 'answer', result: { outcome: 'created', answer: { text: body, method: 'none' } } });
      expect(again).toMatchObject({ kind: 'answer', result: { outcome: 'duplicate' } });
      const card = await clientCard('c-1', { ...deps, lapses: { episodesOf: async () => [] } as unknown as LapseStore });
      expect(card!.answers).toEqual([expect.objectContaining({ answerId: 'sms#in-long', text: body })]);
      const candidate = first.kind === 'answer' ? first.result.answer.candidate! : '';
      expect((await deps.catalogue.candidates()).map((c) => [c.text, c.answers])).toEqual([[candidate, 1]]);
      expect(await deps.answers.waitingOn(candidate)).toEqual([expect.objectContaining({ answerId: 'sms#in-long', candidate })]);
    });

    it('cuts a 20,000-character SMS to what is kept, lands it once and tells staff it was longer', async () => {
      const body = greek(20_000);

      const first = await sms(body, 'in-huge', 'provider-1');
      await sms(body, 'in-huge', 'provider-1');

      const [stored] = await deps.answers.answersOf('c-1');
      expect(stored).toMatchObject({ answerId: 'sms#in-huge', truncated: true, textLength: [...body].length });
      expect([...stored!.text!]).toHaveLength(longestAnswerText);
      expect(await deps.catalogue.candidates()).toEqual([expect.objectContaining({ truncated: true, answers: 1 })]);
      expect(first).toMatchObject({ kind: 'answer', result: { outcome: 'created' } });
    });

    it('keeps a long reply from an unknown number for review, cut like any other', async () => {
      const body = russian(5000);
      expect(
        await receiveSms({ originationNumber: '+306900000000', destinationNumber: '+18005550100', messageBody: body, inboundMessageId: 'in-stranger' }, deps),
      ).toEqual({ kind: 'unmatched', duplicate: false });
      expect(await deps.answers.answersOf('unmatched')).toEqual([expect.objectContaining({ truncated: true, textLength: [...body].length })]);
    });

    it('lands a long Russian answer from the page once however often it is submitted, and a manager can place it', async () => {
      const text = russian(700);
      const input = { clientId: 'c-1', answerId: 'page#job-1', channel: 'page' as const, mode: 'upsert' as const, outreachId: 'job-1', text, locale: 'ru' };

      const first = await recordAnswer(input, deps);
      const second = await recordAnswer(input, deps);

      expect([first.outcome, second.outcome]).toEqual(['created', 'updated']);
      const candidate = first.answer.candidate!;
      expect(Buffer.byteLength(candidate)).toBeGreaterThan(1024);
      expect((await deps.catalogue.candidates()).map((c) => [c.text, c.answers])).toEqual([[candidate, 1]]);
      expect(await mapCandidate(candidate, 'other', 'ru', 'manager', deps)).toEqual({ placed: 1, alsoPlaced: 0 });
      expect(await deps.catalogue.candidates()).toEqual([]);
      expect(await deps.answers.answersOf('c-1')).toEqual([expect.objectContaining({ reasonId: 'other', method: 'alias' })]);
      expect((await deps.catalogue.load()).aliases).toEqual([expect.objectContaining({ text: candidate, reasonId: 'other' })]);
      expect((await recordAnswer({ ...input, answerId: 'page#job-2' }, deps)).answer).toMatchObject({ reasonId: 'other', method: 'alias' });
    });
  });

  describe('free-text opt-outs', () => {
    const email = 'maria@example.com';
    const everyKey = ['client:c-1', `phone:${phone}`, `email:${email}`];

    beforeEach(async () => {
      const client = await deps.clients.getClient('c-1');
      await deps.clients.saveProfile({ ...client!.profile, email: 'Maria@Example.com' });
    });

    it.each([
      'Please stop texting me',
      'please remove me',
      'не пишите мне больше',
      'μη μου ξαναστείλετε',
      'ნუ მწერთ',
      'আমাকে আর মেসেজ পাঠাবেন না',
      'សូមកុំផ្ញើសារមកខ្ញុំទៀត',
      'huwag na kayong mag-text',
    ])('suppresses the client, their phone and their email on "%s" by SMS, once however often it is delivered', async (body) => {
      const first = await sms(body, 'in-out', 'provider-1');
      const again = await sms(body, 'in-out', 'provider-1');

      expect(first).toEqual({ kind: 'opted-out', clientId: 'c-1', duplicate: false });
      expect(again).toEqual({ kind: 'opted-out', clientId: 'c-1', duplicate: true });
      expect(await deps.suppression.suppressed(everyKey)).toEqual(new Set(everyKey));
      expect(await deps.answers.answersOf('c-1')).toEqual([expect.objectContaining({ answerId: 'sms#in-out', optedOut: true, text: body })]);
      expect(await deps.catalogue.candidates()).toEqual([]);
    });

    it('treats "I stopped coming because of the prices" as an answer, not an opt-out', async () => {
      expect(await sms('I stopped coming because of the prices', 'in-price', 'provider-1')).toMatchObject({
        kind: 'answer',
        result: { answer: { reasonId: 'price' } },
      });
      expect(await deps.suppression.suppressed(everyKey)).toEqual(new Set());
    });

    it('opts out from the reply page’s text box and from a note staff typed, the same way', async () => {
      const page = await recordAnswer(
        {
          clientId: 'c-1',
          answerId: 'page#job-1',
          channel: 'page',
          mode: 'upsert',
          outreachId: 'job-1',
          text: 'Too expensive. Please stop emailing me.',
          locale: 'en',
        },
        deps,
      );
      expect(page.answer).toMatchObject({ optedOut: true });
      expect(await deps.suppression.suppressed(everyKey)).toEqual(new Set(everyKey));
      expect(await deps.catalogue.candidates()).toEqual([]);

      await deps.clients.saveProfile({
        clientId: 'c-2',
        name: 'Ivan',
        phone: '+306955555555',
        locale: 'ru',
        timeZone: 'Europe/Athens',
        consent: { email: false, sms: true, voice: false },
      });
      const staff = await recordStaffAnswer({ clientId: 'c-2', reasonId: 'price', by: 'anna', note: 'сказал: не пишите мне больше' }, deps);
      expect(staff.answer).toMatchObject({ reasonId: 'price', optedOut: true });
      expect(await deps.suppression.suppressed(['client:c-2', 'phone:+306955555555'])).toEqual(new Set(['client:c-2', 'phone:+306955555555']));
    });
  });

  describe('learning from chosen answers', () => {
    const page = (answerId: string, chosenReasonId: string, text: string) =>
      recordAnswer({ clientId: 'c-1', answerId, channel: 'page', mode: 'upsert', chosenReasonId, text, locale: 'en' }, deps);

    it('learns the words a client wrote beside the reason they chose, and staff’s note beside theirs, without placing the same words by themselves', async () => {
      // Act
      await page('page#job-1', 'price', 'my pension does not stretch to it any more');
      await recordStaffAnswer({ clientId: 'c-1', reasonId: 'schedule', note: 'works night shifts at the port', by: 'reception' }, deps);
      const catalogue = await deps.catalogue.load();
      const again = matchAnswer(catalogue, 'my pension does not stretch to it any more', 'en');

      // Assess
      expect(catalogue.aliases.map(({ text, reasonId, source }) => [text, reasonId, source])).toEqual([
        ['my pension does not stretch to it any more', 'price', 'client'],
        ['works night shifts at the port', 'schedule', 'staff'],
      ]);
      expect(again.method).not.toBe('alias');
    });

    it('never lets a client’s words replace a manager’s mapping, and learns nothing from a repeat', async () => {
      // Prepare
      await deps.catalogue.save(await deps.catalogue.load(), learnAlias(await deps.catalogue.load(), 'the stairs', 'moved-away', 'en', 'x'), {
        kind: 'learn',
        at: 'x',
      });
      const version = (await deps.catalogue.load()).version;

      // Act
      await page('page#job-1', 'quality-of-care', 'the stairs');
      await page('page#job-1', 'quality-of-care', 'the stairs');

      // Assess
      const catalogue = await deps.catalogue.load();
      expect(catalogue.version).toBe(version);
      expect(catalogue.aliases).toEqual([expect.objectContaining({ text: 'the stairs', reasonId: 'moved-away' })]);
    });

    it('keeps the answer when the catalogue cannot be changed', async () => {
      // Prepare
      deps.catalogue.save = async () => {
        throw new CatalogueConflictError('someone else changed it');
      };

      // Act
      const result = await page('page#job-1', 'price', 'too dear for me now');

      // Assess
      expect(result.answer).toMatchObject({ reasonId: 'price', method: 'chosen' });
      expect(await deps.answers.get('c-1', 'page#job-1')).toMatchObject({ reasonId: 'price' });
    });
  });

  it('re-counts history when a reason is merged into another', async () => {
    await sms('2', 'in-6', 'provider-1');
    const count = async (id: string) => (await reasonCounts(deps)).counts.find((c) => c.reason.id === id)!.answers;
    expect(await count('waiting-time')).toBe(1);

    await mergeReasons('waiting-time', 'schedule', 'manager', deps);

    expect(await count('schedule')).toBe(1);
    expect(await count('waiting-time')).toBe(0);
    expect((await deps.catalogue.changes()).map((c) => c.kind)).toEqual(['seed', 'merge']);
  });

  it('ends outreach on an involuntary reason, and opens a follow-up staff move on', async () => {
    const result = await recordStaffAnswer({ clientId: 'c-1', reasonId: 'moved-away', by: 'anna', note: 'moved to Thessaloniki', callMe: true }, deps);

    expect(result.outreachEnded).toBe(true);
    expect((await deps.clients.getClient('c-1'))?.outreachEnded).toBe('moved-away');
    expect(result.followUps).toHaveLength(1);
    const id = result.followUps[0]!;
    await moveFollowUp(id, 'contacted', { by: 'anna' }, deps);
    const resolved = await moveFollowUp(id, 'resolved', { by: 'nikos', note: 'gave the new branch address' }, deps);
    expect(resolved.history.map((step) => [step.status, step.by])).toEqual([
      ['open', undefined],
      ['contacted', 'anna'],
      ['resolved', 'nikos'],
    ]);
    await expect(moveFollowUp(id, 'contacted', { by: 'anna' }, deps)).rejects.toBeInstanceOf(FollowUpTransitionError);
  });

  describe('the reply page', () => {
    const settings = { clinicName: 'Harbour Clinic', tokenSecrets: [secret] };
    const token = (purpose: 'reply' | 'unsubscribe', expiresAt = Date.parse('2026-06-01T00:00:00Z') / 1000) =>
      signReplyToken({ outreachId: 'job-1', purpose, expiresAt }, secret);

    it('shows the reasons in the client’s language and keeps one answer however often it is submitted', async () => {
      const page = await openReplyPage(token('reply'), settings, deps);
      expect(page.context).toMatchObject({ clientId: 'c-1', locale: 'el', firstName: 'Μαρία' });
      expect(page.choices.find((choice) => choice.id === 'price')?.label).toMatch(/\p{Script=Greek}/u);

      const first = await submitReply(token('reply'), { reasonId: 'price', callMe: false, book: false }, settings, deps);
      const second = await submitReply(token('reply'), { reasonId: 'schedule', text: '<script>alert(1)</script>', callMe: true, book: false }, settings, deps);

      expect([first.result.outcome, second.result.outcome]).toEqual(['created', 'updated']);
      expect(await deps.answers.answersOf('c-1')).toEqual([
        expect.objectContaining({ reasonId: 'schedule', method: 'chosen', text: '<script>alert(1)</script>', callMe: true }),
      ]);
      expect((await openReplyPage(token('reply'), settings, deps)).previous).toMatchObject({ reasonId: 'schedule' });
    });

    it('refuses a tampered, expired or wrong-purpose link', async () => {
      const good = token('reply');
      const tampered = `${good.slice(0, -2)}${good.endsWith('AA') ? 'BB' : 'AA'}`;
      const problem = async (promise: Promise<unknown>) =>
        promise.then(
          () => 'none',
          (error: unknown) => (error instanceof ReplyTokenError ? error.problem : String(error)),
        );
      expect(await problem(openReplyPage(tampered, settings, deps))).toBe('bad-signature');
      expect(await problem(openReplyPage(token('reply', Date.parse('2026-05-01T00:00:00Z') / 1000), settings, deps))).toBe('expired');
      expect(await problem(openReplyPage(token('unsubscribe'), settings, deps))).toBe('wrong-purpose');
    });

    it('unsubscribes from every channel with the unsubscribe link', async () => {
      await unsubscribeByToken(token('unsubscribe'), settings, deps);
      expect(await deps.suppression.suppressed(['client:c-1'])).toEqual(new Set(['client:c-1']));
    });
  });
});
