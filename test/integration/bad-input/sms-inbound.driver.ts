/**
 * Inbound SMS (functions/sms-inbound): what the replies queue may hand the function, one
 * record's body at a time, through `smsRecord` as the batch handler calls it. Each case has its
 * own client, number and request, so one case's opt-out never silences another's.
 *
 * A case: `sms`, the two-way SMS End User Messaging publishes, where `from` is "client" (the
 * case's client's number, the default), "stranger" (a number no client has) or a number, and
 * `inReplyTo` true ties it to the case's request; `messageBody` may be `{ "repeat": text,
 * "length": characters }`, and `inboundMessageId` defaults to the case's own. Or `raw`, the
 * record body exactly as written (malformed payloads). Then `outcome`: what receiveSms says
 * ("answer", "opted-out", "help", "unmatched"), or "dead-letter" for a record the function
 * fails (the queue then keeps it in its dead-letter queue), and `answer`, what the stored
 * answer must hold.
 */
import { expect } from 'vitest';
import { smsRecord } from '../../../functions/sms-inbound/handler.ts';
import { DynamoAnswerStore } from '../../../shared/aws/dynamo-answer-store.ts';
import { DynamoCatalogueStore } from '../../../shared/aws/dynamo-catalogue-store.ts';
import { DynamoClientStore } from '../../../shared/aws/dynamo-client-store.ts';
import { DynamoFollowUpStore } from '../../../shared/aws/dynamo-follow-up-store.ts';
import { DynamoOutreachLog } from '../../../shared/aws/dynamo-outreach-log.ts';
import { DynamoSuppressionList } from '../../../shared/aws/dynamo-suppression-list.ts';
import { longestAnswerText, smsAnswerId, unmatchedClientId } from '../../../shared/answers/answer.ts';
import type { ClientProfile } from '../../../shared/visits/client.ts';
import { outreachJobId } from '../../../shared/lapse/episode.ts';
import type { OutgoingText } from '../../../shared/outreach/ports/messenger.ts';
import type { SmsDependencies } from '../../../shared/answers/use-cases/answers.ts';
import { readCases, type BadInputCase, type BadInputDriver, type BadInputWorld } from './world.ts';

type Text = string | { readonly repeat: string; readonly length: number };

interface SmsCase extends BadInputCase {
  readonly sms?: {
    readonly from?: string;
    readonly inReplyTo?: boolean;
    readonly messageBody?: Text | unknown;
    readonly [field: string]: unknown;
  };
  readonly raw?: string;
  readonly locale?: string;
  readonly outcome: 'answer' | 'opted-out' | 'help' | 'unmatched' | 'dead-letter';
  readonly answer?: Readonly<Record<string, unknown>>;
  /** The client's keys the case leaves suppressed: client, email, phone. */
  readonly suppressed?: readonly ('client' | 'email' | 'phone')[];
}

const surface = 'sms-inbound';
const now = new Date('2026-05-12T10:00:00Z');
const clinicNumber = '+18005550100';
const strangerNumber = '+306999999999';

let deps: SmsDependencies;
const texts: OutgoingText[] = [];
const cases = new Map<string, { profile: ClientProfile; providerMessageId: string; inboundMessageId: string }>();

const textOf = (text: Text): string =>
  typeof text === 'string' ? text : [...text.repeat.repeat(Math.ceil(text.length / [...text.repeat].length))].slice(0, text.length).join('');

const isRepeat = (value: unknown): value is { repeat: string; length: number } =>
  typeof value === 'object' && value !== null && typeof (value as { repeat?: unknown }).repeat === 'string';

const recordBody = (testCase: SmsCase): string => {
  if (testCase.raw !== undefined) return testCase.raw;
  const own = cases.get(testCase.case)!;
  const { from = 'client', inReplyTo, messageBody, ...rest } = testCase.sms ?? {};
  const originationNumber = from === 'client' ? own.profile.phone : from === 'stranger' ? strangerNumber : from;
  return JSON.stringify({
    originationNumber,
    destinationNumber: clinicNumber,
    inboundMessageId: own.inboundMessageId,
    ...(inReplyTo && { previousPublishedMessageId: own.providerMessageId }),
    messageBody: isRepeat(messageBody) ? textOf(messageBody) : messageBody,
    ...rest,
  });
};

export const driver: BadInputDriver<SmsCase> = {
  surface,

  async prepare(world: BadInputWorld) {
    deps = {
      answers: new DynamoAnswerStore(world.tables.answers, world.db),
      catalogue: new DynamoCatalogueStore(world.tables.catalogue, world.db),
      followUps: new DynamoFollowUpStore(world.tables.followUps, world.db),
      clients: new DynamoClientStore(world.tables, world.db),
      suppression: new DynamoSuppressionList(world.tables.suppression, world.db),
      log: new DynamoOutreachLog(world.tables.outreach, world.db),
      messenger: { sendText: async (text) => `help-${texts.push(text)}` },
      clinicName: 'Harbour Clinic',
      now: () => now,
    };
    await deps.catalogue.load();
    let n = 0;
    for (const testCase of readCases(surface) as SmsCase[]) {
      n++;
      const clientId = `sms-${n}`;
      const profile: ClientProfile = {
        clientId,
        name: 'Client',
        email: `Client-${n}@Example.com`,
        phone: `+3069200${String(n).padStart(5, '0')}`,
        locale: testCase.locale ?? 'el',
        timeZone: 'Europe/Athens',
        consent: { email: true, sms: true, voice: false },
      };
      await deps.clients.saveProfile(profile);
      const job = {
        jobId: outreachJobId(clientId, '2026-05-11', 1),
        clientId,
        episodeId: '2026-05-11',
        request: 1,
        requestedOn: '2026-05-11',
        channels: ['sms' as const],
      };
      await deps.log.claim(job, 'sms', profile.locale, new Date('2026-05-11T09:00:00Z'));
      await deps.log.sent(job.jobId, `provider-${n}`, new Date('2026-05-11T09:00:01Z'));
      cases.set(testCase.case, { profile, providerMessageId: `provider-${n}`, inboundMessageId: `inbound-${n}` });
    }
  },

  async run(_world, testCase, attempt) {
    const own = cases.get(testCase.case)!;
    const record = { body: recordBody(testCase) };
    if (testCase.outcome === 'dead-letter') {
      // The function fails the record (its batch reports it), so the queue retries it and then keeps it.
      await expect(smsRecord(record, deps)).rejects.toThrow();
      return;
    }
    const outcome = await smsRecord(record, deps);
    expect(outcome.kind).toBe(testCase.outcome);
    if (outcome.kind === 'answer') expect(outcome.result.outcome).toBe(attempt === 1 ? 'created' : 'duplicate');
    else expect(outcome.duplicate).toBe(attempt === 2);

    const answerId = smsAnswerId(own.inboundMessageId);
    const owner =
      outcome.kind === 'unmatched' ||
      (outcome.kind === 'opted-out' && outcome.clientId === undefined) ||
      (outcome.kind === 'help' && testCase.sms?.from === 'stranger')
        ? unmatchedClientId
        : own.profile.clientId;
    const stored = await deps.answers.get(owner, answerId);
    expect(stored, 'the message is kept, once').toBeDefined();
    if (testCase.answer) expect(stored).toMatchObject(testCase.answer);
    if (stored!.text !== undefined) expect([...stored!.text].length).toBeLessThanOrEqual(longestAnswerText);

    const keys = { client: `client:${own.profile.clientId}`, email: `email:${own.profile.email!.toLowerCase()}`, phone: `phone:${own.profile.phone}` };
    const suppressed = await deps.suppression.suppressed(Object.values(keys));
    expect([...suppressed].sort()).toEqual((testCase.suppressed ?? []).map((key) => keys[key]).sort());
  },
};
