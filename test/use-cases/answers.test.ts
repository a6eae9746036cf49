import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoAnswerStore } from '../../shared/adapters/dynamo-answer-store.ts';
import { DynamoCatalogueStore } from '../../shared/adapters/dynamo-catalogue-store.ts';
import { DynamoClientStore } from '../../shared/adapters/dynamo-client-store.ts';
import { DynamoFollowUpStore } from '../../shared/adapters/dynamo-follow-up-store.ts';
import { DynamoOutreachLog } from '../../shared/adapters/dynamo-outreach-log.ts';
import { DynamoSuppressionList } from '../../shared/adapters/dynamo-suppression-list.ts';
import type { OutreachJob } from '../../shared/domain/episode.ts';
import { FollowUpTransitionError } from '../../shared/domain/follow-ups.ts';
import { signReplyToken, ReplyTokenError } from '../../shared/domain/reply-token.ts';
import type { OutgoingText } from '../../shared/ports/messenger.ts';
import { recordAnswer, receiveSms, recordStaffAnswer, type SmsDependencies } from '../../shared/use-cases/answers.ts';
import { mapCandidate, mergeReasons, reasonCounts } from '../../shared/use-cases/catalogue.ts';
import { moveFollowUp } from '../../shared/use-cases/follow-ups.ts';
import { openReplyPage, submitReply, unsubscribeByToken } from '../../shared/use-cases/reply-page.ts';
import { freshTables } from '../support/tables.ts';

const secret = 'answers-test-secret-0123456789abcdef';
const phone = '+306912345678';

describe('capturing answers', () => {
  let deps: SmsDependencies;
  let texts: OutgoingText[];
  const job: OutreachJob = { jobId: 'job-1', clientId: 'c-1', episodeId: '2026-05-11', request: 1, requestedOn: '2026-05-11', channels: ['sms', 'email'] };
  const sms = (body: string, inboundMessageId: string, previousPublishedMessageId?: string) =>
    receiveSms({ originationNumber: phone, destinationNumber: '+18005550100', messageBody: body, inboundMessageId, ...(previousPublishedMessageId && { previousPublishedMessageId }) }, deps);

  beforeEach(async () => {
    const { tables, db } = await freshTables();
    texts = [];
    deps = {
      answers: new DynamoAnswerStore(tables.answers, db),
      catalogue: new DynamoCatalogueStore(tables.catalogue, db),
      followUps: new DynamoFollowUpStore(tables.followUps, db),
      clients: new DynamoClientStore(tables, db),
      suppression: new DynamoSuppressionList(tables.suppression, db),
      log: new DynamoOutreachLog(tables.outreach, db),
      messenger: { sendText: async (text) => (texts.push(text), `m-${texts.length}`), sendEmail: async () => 'e', placeCall: async () => 'v' },
      clinicName: 'Harbour Clinic',
      now: () => new Date('2026-05-12T10:00:00Z'),
    };
    await deps.clients.saveProfile({ clientId: 'c-1', name: 'Μαρία Παππά', phone, locale: 'el', timeZone: 'Europe/Athens', consent: { email: true, sms: true, voice: false } });
    await deps.log.claim(job, 'sms', 'el', new Date('2026-05-11T09:00:00Z'));
    await deps.log.sent(job.jobId, 'provider-1', new Date('2026-05-11T09:00:01Z'));
  });

  it('ties an SMS digit to the request it answers, and drops a second delivery of the same message', async () => {
    const first = await sms('1', 'in-1', 'provider-1');
    const again = await sms('1', 'in-1', 'provider-1');

    expect(first).toMatchObject({ kind: 'answer', result: { outcome: 'created', answer: { clientId: 'c-1', outreachId: 'job-1', reasonId: 'price', method: 'digit', confidence: 1 } } });
    expect(again).toMatchObject({ kind: 'answer', result: { outcome: 'duplicate' } });
    expect(await deps.answers.answersOf('c-1')).toHaveLength(1);
  });

  it('finds the client by number when the reply names no message, and keeps a stranger’s reply for review', async () => {
    expect(await sms('2', 'in-2')).toMatchObject({ kind: 'answer', result: { answer: { clientId: 'c-1', reasonId: 'waiting-time' } } });
    const stranger = await receiveSms({ originationNumber: '+306900000000', destinationNumber: '+18005550100', messageBody: 'who is this?', inboundMessageId: 'in-3' }, deps);
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

    expect(await mapCandidate(candidate, 'quality-of-care', 'el', 'manager', deps)).toEqual({ placed: 1 });
    const next = await sms(words.toUpperCase(), 'in-5', 'provider-1');

    expect(next).toMatchObject({ kind: 'answer', result: { answer: { reasonId: 'quality-of-care', method: 'alias', confidence: 1 } } });
    expect(await deps.catalogue.candidates()).toEqual([]);
    expect((await deps.answers.answersOf('c-1')).map((a) => a.reasonId)).toEqual(['quality-of-care', 'quality-of-care']);
  });

  it('keeps at most 1000 characters of a long answer, never half an emoji', async () => {
    const result = await recordAnswer({ clientId: 'c-1', answerId: 'page#long', channel: 'page', mode: 'upsert', text: `a${'😀'.repeat(1200)}`, locale: 'el' }, deps);

    expect([...result.answer.text!]).toHaveLength(1000);
    expect(result.answer.text!.endsWith('😀')).toBe(true);
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
    const token = (purpose: 'reply' | 'unsubscribe', expiresAt = Date.parse('2026-06-01T00:00:00Z') / 1000) => signReplyToken({ outreachId: 'job-1', purpose, expiresAt }, secret);

    it('shows the reasons in the client’s language and keeps one answer however often it is submitted', async () => {
      const page = await openReplyPage(token('reply'), settings, deps);
      expect(page.context).toMatchObject({ clientId: 'c-1', locale: 'el', firstName: 'Μαρία' });
      expect(page.choices.find((choice) => choice.id === 'price')?.label).toMatch(/\p{Script=Greek}/u);

      const first = await submitReply(token('reply'), { reasonId: 'price', callMe: false, book: false }, settings, deps);
      const second = await submitReply(token('reply'), { reasonId: 'schedule', text: '<script>alert(1)</script>', callMe: true, book: false }, settings, deps);

      expect([first.result.outcome, second.result.outcome]).toEqual(['created', 'updated']);
      expect(await deps.answers.answersOf('c-1')).toEqual([expect.objectContaining({ reasonId: 'schedule', method: 'chosen', text: '<script>alert(1)</script>', callMe: true })]);
      expect((await openReplyPage(token('reply'), settings, deps)).previous).toMatchObject({ reasonId: 'schedule' });
    });

    it('refuses a tampered, expired or wrong-purpose link', async () => {
      const good = token('reply');
      const tampered = `${good.slice(0, -2)}${good.endsWith('AA') ? 'BB' : 'AA'}`;
      const problem = async (promise: Promise<unknown>) => promise.then(() => 'none', (error: unknown) => (error instanceof ReplyTokenError ? error.problem : String(error)));
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
