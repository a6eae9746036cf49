import { beforeEach, describe, expect, it } from 'vitest';
import { outreachJobId, type OutreachJob } from '../../../shared/lapse/episode.ts';
import { defaultFallbackOrder } from '../../../shared/outreach/channel-policy.ts';
import { NotOnMessengerError } from '../../../shared/outreach/not-on-messenger.ts';
import type { Messenger, OutgoingText, OutgoingViberMessage } from '../../../shared/outreach/ports/messenger.ts';
import { sendOutreach, type SendDependencies, type SendSettings } from '../../../shared/outreach/use-cases/send-outreach.ts';
import { recordViberEvent, recordWhatsAppEvent, type MessengerEventDependencies } from '../../../shared/outreach/use-cases/messenger-events.ts';
import type { WhatsAppMessage, WhatsAppTemplateMessage } from '../../../shared/outreach/whatsapp-messages.ts';
import type { WhatsAppStatusEvent } from '../../../shared/outreach/whatsapp-events.ts';
import { viberContextFor } from '../../../shared/outreach/viber-subscription.ts';
import { verifyReplyToken } from '../../../shared/answers/reply-token.ts';
import type { ClientProfile } from '../../../shared/visits/client.ts';
import { InMemoryAnswerStore } from '../../fakes/answer-store.ts';
import { InMemoryCatalogueStore } from '../../fakes/catalogue-store.ts';
import { InMemoryClientStore } from '../../fakes/client-store.ts';
import { InMemoryFollowUpStore } from '../../fakes/follow-up-store.ts';
import { InMemoryOutreachLog } from '../../fakes/outreach-log.ts';
import { InMemorySuppressionList } from '../../fakes/suppression-list.ts';
import { harbourSendSettings } from '../../support/send-settings.ts';

const secret = 'messenger-test-secret-0123456789abcdef';
// 11:00 in Athens.
const daytime = new Date('2026-05-12T08:00:00Z');
const phone = '+306912345678';

const settings: SendSettings = harbourSendSettings(secret, {
  channelPolicy: { fallbackOrder: defaultFallbackOrder, voiceLocales: new Set(['en']), offered: new Set(['email', 'sms', 'voice', 'whatsapp', 'viber']) },
});

/** Every message handed to the providers, and the refusals to give for some addresses. */
class RecordingMessenger implements Messenger {
  readonly whatsApp: WhatsAppMessage[] = [];
  readonly viber: OutgoingViberMessage[] = [];
  readonly texts: OutgoingText[] = [];
  readonly emails: string[] = [];
  readonly notOnViber = new Set<string>();
  async sendEmail(email: { to: string }) {
    return `email-${this.emails.push(email.to)}`;
  }
  async sendText(text: OutgoingText) {
    return `sms-${this.texts.push(text)}`;
  }
  async placeCall() {
    return 'call-1';
  }
  async sendWhatsApp(message: WhatsAppMessage) {
    return `wa-${this.whatsApp.push(message)}`;
  }
  async sendViber(message: OutgoingViberMessage) {
    if (this.notOnViber.has(message.receiver)) throw new NotOnMessengerError('viber', 'Viber status 6 (receiverNotSubscribed): not subscribed');
    return `${9_223_372_036_854_775_000n + BigInt(this.viber.push(message))}`;
  }
}

const profile = (extra: Partial<ClientProfile> = {}): ClientProfile => ({
  clientId: 'c-1',
  name: 'Μαρία Παππά',
  locale: 'el',
  timeZone: 'Europe/Athens',
  phone,
  email: 'maria@example.com',
  consent: { email: true, sms: true, voice: false, whatsapp: true, viber: true },
  ...extra,
});

const job = (clientId = 'c-1'): OutreachJob => ({
  jobId: `job-${clientId}`,
  clientId,
  episodeId: '2026-05-11',
  request: 1,
  requestedOn: '2026-05-11',
  channels: ['email', 'sms', 'whatsapp', 'viber'],
});

/** WhatsApp's status of the first request to Maria, as the event destination reports it. */
const whatsAppStatus = (status: WhatsAppStatusEvent['status'], failure?: WhatsAppStatusEvent['failure']): WhatsAppStatusEvent => ({
  kind: 'status',
  outreachId: 'job-c-1',
  wamid: 'wamid.1',
  recipient: phone,
  status,
  at: daytime.toISOString(),
  ...(failure && { failure }),
});
const notOnWhatsApp = whatsAppStatus('failed', { code: 131026, meaning: 'not-on-whatsapp' });

describe('asking on WhatsApp and Viber', () => {
  let messenger: RecordingMessenger;
  let clients: InMemoryClientStore;
  let deps: SendDependencies & MessengerEventDependencies;
  let queued: OutreachJob[];
  let log: InMemoryOutreachLog;
  let suppression: InMemorySuppressionList;

  const lapsed = async (client: ClientProfile) => {
    await clients.saveProfile(client);
    if (client.viberUserId) await clients.bindViberUser(client.clientId, client.viberUserId);
    clients.clients.get(client.clientId)!.lapse = { episodeId: '2026-05-11', status: 'open', openedOn: '2026-05-11', requests: 1, controlGroup: false };
  };

  beforeEach(() => {
    messenger = new RecordingMessenger();
    clients = new InMemoryClientStore();
    log = new InMemoryOutreachLog();
    suppression = new InMemorySuppressionList();
    queued = [];
    deps = {
      clients,
      suppression,
      log,
      messenger,
      catalogue: new InMemoryCatalogueStore(),
      answers: new InMemoryAnswerStore(),
      followUps: new InMemoryFollowUpStore(),
      queue: { enqueue: async (jobs) => void queued.push(...jobs) },
      clinicName: 'Harbour Clinic',
      now: () => daytime,
    };
  });

  it('opens WhatsApp with the approved template in the client’s language, our outreach id riding along, and sends a redelivered job nothing', async () => {
    await lapsed(profile());

    const outcome = await sendOutreach(job(), settings, deps);
    const again = await sendOutreach(job(), settings, deps);

    expect(outcome).toEqual({ kind: 'sent', channel: 'whatsapp', providerMessageId: 'wa-1' });
    expect(again).toMatchObject({ kind: 'duplicate', status: 'sent' });
    expect(messenger.whatsApp).toHaveLength(1);
    const template = messenger.whatsApp[0] as WhatsAppTemplateMessage;
    expect(template).toMatchObject({ type: 'template', to: phone, biz_opaque_callback_data: 'job-c-1' });
    expect(template.template).toMatchObject({ name: 'comeback_feedback', language: { code: 'el' } });
    expect(template.template.components[0].parameters.map((parameter) => parameter.text)).toEqual(['Harbour Clinic', 'Μαρία']);
    const token = template.template.components[1].parameters[0].text;
    expect(verifyReplyToken(token, [secret], 'reply', daytime.getTime() / 1000).outreachId).toBe('job-c-1');
  });

  it('keeps to the client’s hours on a messenger too', async () => {
    await lapsed(profile());
    const night = new Date('2026-05-12T21:30:00Z');

    expect(await sendOutreach(job(), settings, { ...deps, now: () => night })).toMatchObject({ kind: 'delayed' });
    expect(messenger.whatsApp).toHaveLength(0);
  });

  it('writes on Viber with the words of the text, the reasons as buttons and the reply page as a button', async () => {
    await lapsed(profile({ consent: { email: true, sms: true, voice: false, viber: true }, viberUserId: 'vu-1', locale: 'en' }));

    const outcome = await sendOutreach(job(), settings, deps);

    expect(outcome).toMatchObject({ kind: 'sent', channel: 'viber' });
    const [message] = messenger.viber;
    expect(message).toMatchObject({ receiver: 'vu-1', trackingData: 'job-c-1', replyLink: { label: 'Tell us why' } });
    expect(message!.text).toContain('Reply 1 price');
    expect(message!.replyLink!.url).toMatch(/^https:\/\/reply\.harbour\.example\/r\//);
    expect(message!.keyboard!.length).toBeGreaterThan(2);
    expect(message!.keyboard!.at(-1)).toMatchObject({ reasonId: 'other' });
  });

  it('leaves a Viber request free to try again, not claimed and unsent, when the reasons cannot be read', async () => {
    await lapsed(profile({ consent: { email: true, sms: true, voice: false, viber: true }, viberUserId: 'vu-1', locale: 'en' }));
    const failing = { load: async () => Promise.reject(new Error('ProvisionedThroughputExceededException')) };

    await expect(sendOutreach(job(), settings, { ...deps, catalogue: failing as unknown as SendDependencies['catalogue'] })).rejects.toThrow(
      'ProvisionedThroughputExceededException',
    );

    expect(await log.get('job-c-1')).toBeUndefined();
    expect(messenger.viber).toHaveLength(0);
    expect(await sendOutreach(job(), settings, deps)).toMatchObject({ kind: 'sent', channel: 'viber' });
  });

  it('falls back to a text at once when Viber says the client is not subscribed, and closes Viber for them', async () => {
    await lapsed(profile({ consent: { email: true, sms: true, voice: false, viber: true }, viberUserId: 'vu-gone' }));
    messenger.notOnViber.add('vu-gone');

    const outcome = await sendOutreach(job(), settings, deps);

    expect(outcome).toEqual({ kind: 'sent', channel: 'sms', providerMessageId: 'sms-1' });
    expect(await log.get('job-c-1')).toMatchObject({ status: 'sent', channel: 'sms', attempts: 2 });
    expect(suppression.entries.get('viber:vu-gone')).toMatchObject({ reason: 'bounce' });
  });

  it('sends the request on to a text when WhatsApp reports the number is not on it, and never to WhatsApp again', async () => {
    await lapsed(profile());
    await sendOutreach(job(), settings, deps);

    const failed = await recordWhatsAppEvent(notOnWhatsApp, deps);
    expect(failed).toEqual({ kind: 'next-channel', requeued: true });
    expect(await log.get('job-c-1')).toMatchObject({ status: 'retry', reason: 'not-on-messenger' });
    expect(queued).toHaveLength(1);
    expect(queued[0]!.channels).not.toContain('whatsapp');

    const resent = await sendOutreach(queued[0]!, settings, deps);
    expect(resent).toMatchObject({ kind: 'sent', channel: 'sms' });
    expect(messenger.texts[0]!.to).toBe(phone);
    // A repeat of the failure finds the request moved on.
    expect(await recordWhatsAppEvent(notOnWhatsApp, deps)).toEqual({ kind: 'next-channel', requeued: false });
  });

  it('moves a WhatsApp request to seen on its read receipt, and a late delivered does not move it back', async () => {
    await lapsed(profile());
    await sendOutreach(job(), settings, deps);
    const status = (s: 'delivered' | 'read') => recordWhatsAppEvent(whatsAppStatus(s), deps);

    expect(await status('read')).toEqual({ kind: 'status', result: 'recorded' });
    expect(await status('delivered')).toEqual({ kind: 'status', result: 'unchanged' });
    expect((await log.get('job-c-1'))?.status).toBe('seen');
  });

  it('takes a client who stopped the clinic on WhatsApp (131050) off every channel, email included', async () => {
    await lapsed(profile());
    await sendOutreach(job(), settings, deps);

    expect(await recordWhatsAppEvent(whatsAppStatus('failed', { code: 131050, meaning: 'stopped-marketing' }), deps)).toEqual({
      kind: 'opted-out',
      clients: 1,
    });

    expect([...suppression.entries.keys()]).toEqual(expect.arrayContaining(['client:c-1', 'email:maria@example.com', `phone:${phone}`]));
    expect(await log.get('job-c-1')).toMatchObject({ status: 'failed', reason: 'opted-out' });
    const later: OutreachJob = { ...job(), jobId: 'job-c-1-2', request: 2 };
    expect(await sendOutreach(later, settings, deps)).toEqual({ kind: 'skipped', reason: 'suppressed' });
  });

  it('takes a tapped reason as the answer and thanks the client; words it cannot place get the list of reasons', async () => {
    await lapsed(profile());
    const at = daytime.toISOString();

    const tapped = await recordWhatsAppEvent(
      { kind: 'message', wamid: 'wamid.in-1', from: phone, at, type: 'interactive', choice: { id: 'price', title: 'Τιμή' } },
      deps,
    );
    const digit = await recordWhatsAppEvent({ kind: 'message', wamid: 'wamid.in-2', from: phone, at, type: 'text', text: '2' }, deps);
    const unplaced = await recordWhatsAppEvent({ kind: 'message', wamid: 'wamid.in-3', from: phone, at, type: 'text', text: 'κάτι άλλο εντελώς ασαφές' }, deps);

    expect(tapped).toMatchObject({
      kind: 'reply',
      reply: { kind: 'answer', response: 'thanks', result: { answer: { reasonId: 'price', method: 'chosen', channel: 'whatsapp' } } },
    });
    expect(digit).toMatchObject({ kind: 'reply', reply: { kind: 'answer', result: { answer: { reasonId: 'waiting-time', method: 'digit' } } } });
    expect(unplaced).toMatchObject({ kind: 'reply', reply: { kind: 'answer', response: 'reasons' } });
    expect(messenger.whatsApp.map((message) => message.type)).toEqual(['text', 'text', 'interactive']);
    // The same message delivered again is one answer, and no second reply.
    await recordWhatsAppEvent({ kind: 'message', wamid: 'wamid.in-1', from: phone, at, type: 'interactive', choice: { id: 'price', title: 'Τιμή' } }, deps);
    expect(messenger.whatsApp).toHaveLength(3);
  });

  it('opts a client out everywhere when they stop the clinic’s messages in WhatsApp’s own settings, and not back in on resume', async () => {
    await lapsed(profile());

    expect(await recordWhatsAppEvent({ kind: 'preference', from: phone, marketing: 'resume', at: daytime.toISOString() }, deps)).toEqual({ kind: 'ignored' });
    expect(suppression.entries.size).toBe(0);
    expect(await recordWhatsAppEvent({ kind: 'preference', from: phone, marketing: 'stop', at: daytime.toISOString() }, deps)).toEqual({
      kind: 'opted-out',
      clients: 1,
    });
    expect([...suppression.entries.keys()]).toEqual(expect.arrayContaining(['client:c-1', 'email:maria@example.com', `phone:${phone}`]));
  });

  it('ties words written on WhatsApp, which name no request, to the client’s latest request there', async () => {
    await lapsed(profile());
    const asked: OutreachJob = { ...job(), jobId: outreachJobId('c-1', '2026-05-11', 1) };
    await sendOutreach(asked, settings, deps);

    const outcome = await recordWhatsAppEvent({ kind: 'message', wamid: 'wamid.in-5', from: phone, at: daytime.toISOString(), type: 'text', text: '1' }, deps);

    expect(outcome).toMatchObject({
      kind: 'reply',
      reply: { kind: 'answer', result: { answer: { outreachId: asked.jobId, episodeId: '2026-05-11', reasonId: 'price' } } },
    });
  });

  it('opts a client out everywhere when they write STOP or ask to be left alone on WhatsApp', async () => {
    await lapsed(profile());

    const outcome = await recordWhatsAppEvent(
      { kind: 'message', wamid: 'wamid.in-9', from: phone, at: daytime.toISOString(), type: 'text', text: 'Σταματήστε να μου στέλνετε' },
      deps,
    );

    expect(outcome).toMatchObject({ kind: 'reply', reply: { kind: 'opted-out', clientId: 'c-1' } });
    expect(suppression.entries.has('client:c-1')).toBe(true);
  });

  it('binds a Viber subscriber to the client their deep link names, and nobody for a forged one', async () => {
    await lapsed(profile({ viberUserId: undefined }));
    const at = daytime.toISOString();
    const started = (context: string, userId: string) =>
      recordViberEvent({ type: 'conversation_started', at, messageToken: '5000000000000000001', userId, context, subscribed: false }, [secret], deps);

    expect(await started(viberContextFor('c-1', secret, daytime), 'vu-7')).toEqual({ kind: 'subscribed', bound: true });
    expect(await started(viberContextFor('c-1', 'another-secret-0123456789abcdefghijkl', daytime), 'vu-8')).toEqual({ kind: 'subscribed', bound: false });
    expect((await clients.getClient('c-1'))?.profile.viberUserId).toBe('vu-7');
    expect(await clients.clientsWithViberUser('vu-8')).toEqual([]);
  });

  it('records Viber’s delivered and seen by message token, takes a reason button as the answer, and an unsubscribe closes every channel', async () => {
    await lapsed(profile({ consent: { email: true, sms: true, voice: false, viber: true }, viberUserId: 'vu-1' }));
    const sent = await sendOutreach(job(), settings, deps);
    const token = sent.kind === 'sent' ? sent.providerMessageId : '';
    const at = daytime.toISOString();

    expect(await recordViberEvent({ type: 'seen', at, messageToken: token, userId: 'vu-1' }, [secret], deps)).toEqual({ kind: 'status', result: 'recorded' });
    expect(await recordViberEvent({ type: 'delivered', at, messageToken: token, userId: 'vu-1' }, [secret], deps)).toEqual({
      kind: 'status',
      result: 'unchanged',
    });
    const answered = await recordViberEvent(
      { type: 'message', at, messageToken: '5000000000000000002', userId: 'vu-1', trackingData: 'job-c-1', reply: { kind: 'choice', reasonId: 'schedule' } },
      [secret],
      deps,
    );
    expect(answered).toMatchObject({
      kind: 'reply',
      reply: { kind: 'answer', result: { answer: { reasonId: 'schedule', outreachId: 'job-c-1', channel: 'viber' } }, response: 'thanks' },
    });
    // The request, then the thanks: a text without buttons.
    expect(messenger.viber).toHaveLength(2);
    expect(messenger.viber[1]).toMatchObject({ receiver: 'vu-1', text: expect.stringContaining('Harbour Clinic') });
    expect(messenger.viber[1]!.keyboard).toBeUndefined();

    // Words that find no reason bring the reason buttons back, as many as under the request.
    const unplaced = await recordViberEvent(
      { type: 'message', at, messageToken: '5000000000000000004', userId: 'vu-1', trackingData: 'job-c-1', reply: { kind: 'text', text: 'hmm' } },
      [secret],
      deps,
    );
    expect(unplaced).toMatchObject({ kind: 'reply', reply: { kind: 'answer', response: 'reasons' } });
    expect(messenger.viber[2]!.keyboard!.map((button) => button.reasonId)).toEqual(messenger.viber[0]!.keyboard!.map((button) => button.reasonId));

    expect(await recordViberEvent({ type: 'unsubscribed', at, messageToken: '5000000000000000003', userId: 'vu-1' }, [secret], deps)).toEqual({
      kind: 'opted-out',
      clients: 1,
    });
    expect([...suppression.entries.keys()]).toEqual(expect.arrayContaining(['client:c-1', 'email:maria@example.com', 'viber:vu-1']));
  });
});
