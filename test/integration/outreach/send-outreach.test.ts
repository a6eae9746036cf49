import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { deliveryRecord } from '../../../functions/delivery-events/handler.ts';
import { sendRecord } from '../../../functions/send-outreach/handler.ts';
import { freePort, startLocalStack, type LocalStack } from '../../../infra/local/stack.ts';
import { startSmsVoiceLocal, type SimulatedFate } from '../../../infra/local/sms-voice.ts';
import { AwsMessenger, type AwsMessengerConfig } from '../../../shared/aws/aws-messenger.ts';
import { DynamoOutreachLog } from '../../../shared/aws/dynamo-outreach-log.ts';
import { DynamoSuppressionList } from '../../../shared/aws/dynamo-suppression-list.ts';
import { buildApp } from '../../../shared/app.ts';
import type { ClientProfile } from '../../../shared/visits/client.ts';
import type { OutreachJob } from '../../../shared/lapse/episode.ts';
import { verifyReplyToken } from '../../../shared/answers/reply-token.ts';
import { addVisits } from '../../../shared/visits/summary.ts';
import type { OutreachRecord } from '../../../shared/outreach/outreach-record.ts';
import { ProviderThrottledError, type Messenger } from '../../../shared/outreach/ports/messenger.ts';
import { sendOutreach, type SendDependencies, type SendSettings } from '../../../shared/outreach/use-cases/send-outreach.ts';
import { lapsedClient as lapsed } from '../../support/lapsed-client.ts';
import { harbourSendSettings } from '../../support/send-settings.ts';

const secret = 'test-secret-0123456789abcdef0123456789';
const settings: SendSettings = harbourSendSettings(secret, {
  channelPolicy: { fallbackOrder: ['email', 'sms', 'voice'], voiceLocales: new Set(['en', 'el', 'ru']) },
});
const messengerConfig: AwsMessengerConfig = { fromAddress: 'care@harbour.example', originationIdentity: '+18005550100', voices: { en: 'JOANNA', el: 'MARIA' } };
// 11:00 in Athens (UTC+3 in May).
const daytime = new Date('2026-05-12T08:00:00Z');

interface StoredEmail {
  subject: string;
  destination: { to: string[] };
  body: { text: string; html: string };
  headers?: { name: string; value: string }[];
}

describe('sending a feedback request on the local stack', () => {
  let stack: LocalStack;
  let deps: SendDependencies;
  const emails = async (): Promise<StoredEmail[]> =>
    ((await (await fetch(`${stack.environment.AWS_ENDPOINT_URL_SESV2}/store`)).json()) as { emails: StoredEmail[] }).emails;
  const texts = async (): Promise<{ destination: string; body: string; context?: Record<string, string> }[]> =>
    (await (await fetch(`${stack.environment.AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2}/messages?channel=sms`)).json()) as never;

  /** A lapsed client with an open episode, and the job the sweep would have queued. */
  const lapsedClient = (clientId: string, profile: Partial<ClientProfile> = {}): Promise<OutreachJob> =>
    lapsed({
      clientId,
      locale: 'el',
      timeZone: 'Europe/Athens',
      consent: { email: true, sms: true, voice: false },
      email: `${clientId}@example.com`,
      phone: '+306912345678',
      name: 'Μαρία Παππά',
      ...profile,
    });

  beforeAll(async () => {
    stack = await startLocalStack({ inMemory: true, ports: { dynamodb: await freePort(), messaging: 0, email: 0, smsvoice: 0 } });
    deps = {
      clients: buildApp().clientStore(),
      suppression: new DynamoSuppressionList(stack.environment.SUPPRESSION_TABLE!),
      log: new DynamoOutreachLog(stack.environment.OUTREACH_TABLE!),
      messenger: new AwsMessenger(messengerConfig),
      now: () => daytime,
    };
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('emails the client in their language, with a signed reply link and one-click unsubscribe, once however often the job is delivered', async () => {
    const job = await lapsedClient('c-email');

    const first = await sendOutreach(job, settings, deps);
    const again = await sendOutreach(job, settings, deps);

    expect(first).toMatchObject({ kind: 'sent', channel: 'email' });
    expect(again).toEqual({ kind: 'duplicate', status: 'sent' });
    const sent = (await emails()).filter((email) => email.destination.to.includes('c-email@example.com'));
    expect(sent).toHaveLength(1);
    const email = sent[0]!;
    expect(email.subject).toBe('Harbour Clinic: μπορούμε να σας ρωτήσουμε κάτι;');
    expect(email.body.text.startsWith('Γεια σας Μαρία,')).toBe(true);
    expect(email.headers).toEqual(
      expect.arrayContaining([
        { name: 'List-Unsubscribe', value: expect.stringMatching(/^<https:\/\/reply\.harbour\.example\/u\/[\w-]+\.[\w-]+>$/) },
        { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
      ]),
    );
    const token = /https:\/\/reply\.harbour\.example\/r\/([\w.-]+)/.exec(email.body.text)![1]!;
    expect(verifyReplyToken(token, [secret], 'reply', daytime.getTime() / 1000)).toMatchObject({ outreachId: job.jobId });
    expect(await deps.log.get(job.jobId)).toMatchObject({
      status: 'sent',
      channel: 'email',
      locale: 'el',
      providerMessageId: (first as { providerMessageId: string }).providerMessageId,
    });
  });

  it('texts a client who prefers SMS, with the outreach id as context', async () => {
    const job = await lapsedClient('c-sms', { preferredChannel: 'sms', phone: '+306900000001' });
    expect(await sendOutreach(job, settings, deps)).toMatchObject({ kind: 'sent', channel: 'sms' });
    const sent = (await texts()).filter((text) => text.destination === '+306900000001');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toContain('STOP');
    expect(sent[0]!.context).toEqual({ outreachId: job.jobId });
  });

  it('waits for the morning in the client’s own zone, and sends nothing at night', async () => {
    const job = await lapsedClient('c-night');
    // 23:30 in Athens.
    const outcome = await sendOutreach(job, settings, { ...deps, now: () => new Date('2026-05-12T20:30:00Z') });
    expect(outcome).toEqual({ kind: 'delayed', until: new Date('2026-05-13T06:00:00Z') });
    expect(await deps.log.get(job.jobId)).toBeUndefined();
  });

  it('sends nothing to a bounced address, and falls back to a channel still open', async () => {
    const job = await lapsedClient('c-bounced', { consent: { email: true, sms: false, voice: false } });
    await deps.suppression.add({ key: 'email:c-bounced@example.com', reason: 'bounce', at: '2026-05-01T00:00:00Z' });
    expect(await sendOutreach(job, settings, deps)).toEqual({ kind: 'skipped', reason: 'suppressed' });
    expect((await emails()).filter((email) => email.destination.to.includes('c-bounced@example.com'))).toEqual([]);

    const both = await lapsedClient('c-fallback', { phone: '+306900000002' });
    await deps.suppression.add({ key: 'email:c-fallback@example.com', reason: 'complaint', at: '2026-05-01T00:00:00Z' });
    expect(await sendOutreach(both, settings, deps)).toMatchObject({ kind: 'sent', channel: 'sms' });
  });

  it('does not ask a client who came back, or whose outreach was ended', async () => {
    const job = await lapsedClient('c-back');
    const clients = buildApp().clientStore();
    const client = (await clients.getClient('c-back'))!;
    const visit = {
      visitId: 'c-back-return',
      clientId: 'c-back',
      visitedAt: '2026-05-11T10:00:00.000Z',
      day: '2026-05-11',
      serviceCategory: 'physiotherapy',
      amount: { minor: 5000, currency: 'EUR' },
    };
    await clients.recordVisits([{ clientId: 'c-back', expectedVersion: client.version, visits: [visit], summary: addVisits(client.summary, [visit]) }]);
    expect(await sendOutreach(job, settings, deps)).toEqual({ kind: 'skipped', reason: 'visited-since' });
    expect(await deps.log.get(job.jobId)).toMatchObject({ status: 'skipped', reason: 'visited-since' });
  });

  it('releases a throttled send for the queue to retry, and sends it once when the provider has room again', async () => {
    const slow = await startSmsVoiceLocal({ port: 0, messagesPerSecond: 1 });
    try {
      const smsVoice = new PinpointSMSVoiceV2Client({ endpoint: `http://127.0.0.1:${slow.port}`, maxAttempts: 1 });
      const paced = { ...deps, messenger: new AwsMessenger(messengerConfig, undefined, smsVoice) };
      const first = await lapsedClient('c-paced-1', { preferredChannel: 'sms', phone: '+306900000011' });
      const second = await lapsedClient('c-paced-2', { preferredChannel: 'sms', phone: '+306900000012' });
      // The clock (the emulator's too: it runs in this process) stands still between the two
      // sends, so the second is within the same second however slow the machine is.
      vi.useFakeTimers({ toFake: ['Date'] });

      await sendOutreach(first, settings, paced);
      await expect(sendOutreach(second, settings, paced)).rejects.toThrow(ProviderThrottledError);
      expect(await deps.log.get(second.jobId)).toMatchObject({ status: 'retry', reason: 'throttled', reasonDetail: 'ThrottlingException' });

      vi.setSystemTime(Date.now() + 1_100);
      expect(await sendOutreach(second, settings, paced)).toMatchObject({ kind: 'sent', channel: 'sms' });
      expect(await sendOutreach(second, settings, paced)).toEqual({ kind: 'duplicate', status: 'sent' });
      expect(slow.outbox().map((m) => m.destination)).toEqual(['+306900000011', '+306900000012']);
      expect(await deps.log.get(second.jobId)).toMatchObject({ status: 'sent', attempts: 2 });
    } finally {
      vi.useRealTimers();
      await slow.stop();
    }
  });

  it('keeps exact counts when the provider throttles, refuses and fails sends in one batch: each sent once, each failure with its code, no number stored or logged', async () => {
    const events: string[] = [];
    const provider = await startSmsVoiceLocal({ port: 0, configurationSets: { faults: async (event) => void events.push(event) } });
    const lines: string[] = [];
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => lines.push(String(chunk)) > 0);
    try {
      const smsVoice = new PinpointSMSVoiceV2Client({ endpoint: `http://127.0.0.1:${provider.port}`, maxAttempts: 1 });
      const messenger = new AwsMessenger({ ...messengerConfig, smsConfigurationSet: 'faults' }, undefined, smsVoice);
      // The provider is over its rate for the first try of some jobs: the queue delivers those again.
      const throttledFirst = new Set<string>();
      const throttleOnce = (outreachId: string): void => {
        if (throttledFirst.delete(outreachId)) throw new ProviderThrottledError('ThrottlingException');
      };
      const overloaded: Messenger = {
        sendEmail: (email) => messenger.sendEmail(email),
        sendText: async (text) => {
          throttleOnce(text.outreachId);
          return messenger.sendText(text);
        },
        placeCall: async (call) => {
          throttleOnce(call.outreachId);
          return messenger.placeCall(call);
        },
        sendWhatsApp: (message) => messenger.sendWhatsApp(message),
        sendViber: (message) => messenger.sendViber(message),
      };
      const sender = {
        settings,
        deps: { ...deps, messenger: overloaded },
        queue: { enqueue: async () => Promise.reject(new Error('nothing waits for the morning at 11:00')) },
      };

      // Twelve lapsed clients: ten by text, two by call; how each number ends.
      const plan: [string, 'sms' | 'voice', SimulatedFate][] = [
        ['f-01', 'sms', 'opted-out'],
        ['f-02', 'sms', 'opted-out'],
        ['f-03', 'sms', 'invalid'],
        ['f-04', 'sms', 'invalid'],
        ['f-05', 'sms', 'unreachable'],
        ['f-06', 'sms', 'carrier-blocked'],
        ['f-07', 'sms', 'delivered'],
        ['f-08', 'sms', 'delivered'],
        ['f-09', 'sms', 'delivered'],
        ['f-10', 'sms', 'delivered'],
        ['f-11', 'voice', 'no-answer'],
        ['f-12', 'voice', 'busy'],
      ];
      const phoneOf = (clientId: string) => `+3069200000${clientId.slice(2)}`;
      const jobs = new Map<string, OutreachJob>();
      for (const [clientId, channel, fate] of plan) {
        const phone = phoneOf(clientId);
        await fetch(`http://127.0.0.1:${provider.port}/simulate`, { method: 'POST', body: JSON.stringify({ destination: phone, fate }) });
        jobs.set(
          clientId,
          await lapsedClient(clientId, {
            preferredChannel: channel,
            phone,
            locale: 'el',
            consent: { email: false, sms: channel === 'sms', voice: channel === 'voice' },
          }),
        );
      }
      for (const clientId of ['f-04', 'f-07', 'f-09']) throttledFirst.add(jobs.get(clientId)!.jobId);

      const outcomes: Record<string, number> = {};
      const deliver = async (job: OutreachJob): Promise<void> => {
        try {
          const outcome = await sendRecord({ body: JSON.stringify(job) }, sender);
          const key = outcome.kind === 'failed' ? `failed:${outcome.reason}` : outcome.kind;
          outcomes[key] = (outcomes[key] ?? 0) + 1;
        } catch (error) {
          expect(error).toBeInstanceOf(ProviderThrottledError);
          outcomes.retry = (outcomes.retry ?? 0) + 1;
        }
      };
      // The batch, then the queue's second delivery of everything (the throttled ones and two it delivered twice).
      for (const job of jobs.values()) await deliver(job);
      for (const clientId of ['f-04', 'f-07', 'f-09', 'f-03', 'f-08']) await deliver(jobs.get(clientId)!);
      const receipts: Record<string, number> = {};
      for (const event of events) for (const result of await deliveryRecord({ body: event }, deps)) receipts[result] = (receipts[result] ?? 0) + 1;

      expect(outcomes).toEqual({ sent: 10, 'failed:opted-out': 2, retry: 3, duplicate: 2 });
      expect(receipts).toEqual({ recorded: 10 });
      // Each number that was taken got exactly one message.
      const taken = provider.outbox().map((message) => message.destination);
      expect(taken).toHaveLength(10);
      expect(new Set(taken).size).toBe(10);
      expect(taken).not.toContain(phoneOf('f-01'));

      const records: OutreachRecord[] = [];
      for (const clientId of jobs.keys()) records.push((await deps.log.get(jobs.get(clientId)!.jobId))!);
      const tally = (pick: (record: OutreachRecord) => string) =>
        records.reduce<Record<string, number>>((all, record) => {
          all[pick(record)] = (all[pick(record)] ?? 0) + 1;
          return all;
        }, {});
      expect(tally((record) => `${record.status}:${record.reason ?? ''}`)).toEqual({
        'delivered:': 4,
        'failed:opted-out': 2,
        'failed:invalid-number': 2,
        'failed:unreachable': 1,
        'failed:carrier-blocked': 1,
        'failed:no-answer': 1,
        'failed:busy': 1,
      });
      expect(tally((record) => `attempts:${record.attempts}`)).toEqual({ 'attempts:1': 9, 'attempts:2': 3 });
      expect(records.find((record) => record.clientId === 'f-01')?.reasonDetail).toBe(
        'ConflictException (DESTINATION_PHONE_NUMBER_OPTED_OUT): <phone> has opted out',
      );
      expect(records.find((record) => record.clientId === 'f-05')?.reasonDetail).toBe('CARRIER_UNREACHABLE: Simulated unreachable');
      // The invalid numbers are suppressed, the unreachable one is not.
      expect(await deps.suppression.suppressed([phoneOf('f-03'), phoneOf('f-04'), phoneOf('f-05')].map((phone) => `phone:${phone}`))).toEqual(
        new Set([`phone:${phoneOf('f-03')}`, `phone:${phoneOf('f-04')}`]),
      );

      const digits = plan.map(([clientId]) => phoneOf(clientId).slice(1));
      const stored = JSON.stringify(records);
      const logged = lines.join('');
      expect(logged).toContain('"reason":"opted-out"');
      expect(logged).toContain('"failureReason":"invalid-number"');
      for (const number of digits) {
        expect(stored).not.toContain(number);
        expect(logged).not.toContain(number);
      }
    } finally {
      stdout.mockRestore();
      await provider.stop();
    }
  });
});
