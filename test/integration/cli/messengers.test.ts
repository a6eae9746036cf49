/**
 * WhatsApp and Viber on the local stack, as the CLI runs them: clients imported, one subscribed
 * to the clinic's Viber bot through its deep link, the sweep and the send, the emulators' events
 * and callbacks received, and clients answering there.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { simulateFate, simulateReply } from '../../../cli/answers-command.ts';
import { printViberLink } from '../../../cli/client-command.ts';
import { outbox, sendQueued, type SendReport } from '../../../cli/outreach-command.ts';
import { sweepNow } from '../../../cli/sweep-command.ts';
import { emulatorUrl, freePort, localSmsConfigurationSet, startLocalStack, type LocalStack } from '../../../infra/local/stack.ts';
import { getJson } from '../../../infra/local/emulator-kit.ts';
import type { ViberSentMessage } from '../../../infra/local/viber.ts';
import type { SentWhatsAppMessage } from '../../../infra/local/whatsapp.ts';
import { buildApp } from '../../../shared/app.ts';
import { addDays, dayInZone } from '../../../shared/common/dates.ts';
import { tableFromRows } from '../../../shared/files/table-file.ts';
import { outreachJobId } from '../../../shared/lapse/episode.ts';
import { nextSendTime } from '../../../shared/outreach/quiet-hours.ts';
import { clientColumns, visitColumns } from '../../../shared/visits/columns.ts';
import { importFile } from '../../../shared/visits/use-cases/import-file.ts';

/** A zone where it is daytime now and for the next few minutes, so nothing waits for the morning. */
const daytimeZone = (): string => {
  const now = Date.now();
  const zones = ['UTC', 'Asia/Tokyo', 'America/Los_Angeles', 'Pacific/Kiritimati', 'Asia/Kolkata', 'America/Sao_Paulo'];
  return zones.find((zone) => nextSendTime(now, zone) === now && nextSendTime(now + 10 * 60_000, zone) === now + 10 * 60_000)!;
};

const numbers = { whatsApp: '+306912345001', viber: '+306912345002', notOnWhatsApp: '+306912345003', stopped: '+306912345004' };
const viberUser = 'pttm25kSGUo1919sBORWyA==';

/** What a CLI function printed, line by line (stdout and stderr). */
const printed = async (command: () => Promise<void>): Promise<string> => {
  const lines: string[] = [];
  const keep = (...parts: unknown[]) => void lines.push(parts.join(' '));
  const log = vi.spyOn(console, 'log').mockImplementation(keep);
  const error = vi.spyOn(console, 'error').mockImplementation(keep);
  try {
    await command();
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
  return lines.join('\n');
};

describe('WhatsApp and Viber on the local stack, through the CLI', () => {
  let stack: LocalStack;
  let today: string;
  let sent: SendReport;
  const jobOf = (clientId: string): string => outreachJobId(clientId, today, 1);

  beforeAll(async () => {
    Object.assign(process.env, {
      COMEBACK_DATA_DIR: await mkdtemp(join(tmpdir(), 'comeback-messengers-')),
      CLINIC_NAME: 'Harbour Clinic',
      REPLY_BASE_URL: 'https://reply.harbour.example',
      REPLY_SECRET: 'messengers-test-secret-0123456789abcdef',
      EMAIL_FROM: 'care@harbour.example',
      SMS_ORIGINATION_IDENTITY: '+18005550100',
      SMS_CONFIGURATION_SET: localSmsConfigurationSet,
      // Four clients are too few for the model: the rhythm rule decides alone, and every lapsed client is asked.
      LAPSE_COMBINE: 'rhythm',
      OUTREACH_CONTROL_GROUP_SHARE: '0',
    });
    stack = await startLocalStack({ inMemory: true, ports: { dynamodb: await freePort() } });

    // Prepare: four regulars who stopped coming some eight months ago, with what they agreed to.
    const zone = daytimeZone();
    today = dayInZone(Date.now(), 'UTC');
    const client = (clientId: string, phone: string, consent: string[], email = '') => ({
      client_id: clientId,
      name: `Client ${clientId}`,
      phone,
      email,
      locale: 'en',
      timezone: zone,
      consent_sms: String(consent.includes('sms')),
      consent_email: String(consent.includes('email')),
      consent_whatsapp: String(consent.includes('whatsapp')),
      consent_viber: String(consent.includes('viber')),
    });
    const clients = [
      client('c-wa', numbers.whatsApp, ['whatsapp', 'sms']),
      client('c-vb', numbers.viber, ['viber', 'sms']),
      client('c-nowa', numbers.notOnWhatsApp, ['whatsapp', 'sms']),
      client('c-stop', numbers.stopped, ['whatsapp', 'email'], 'stop@example.com'),
    ];
    const visits = clients.flatMap(({ client_id }) =>
      Array.from({ length: 6 }, (_, i) => ({
        visit_id: `${client_id}-${i}`,
        client_id,
        visited_at: addDays(today, -240 - 30 * i),
        amount: '40',
        currency: 'EUR',
      })),
    );
    const app = buildApp();
    const options = { clientDefaults: app.clinicDefaults(), today: addDays(today, 1) };
    await importFile(tableFromRows(clients, clientColumns), app.clientStore(), { ...options, kind: 'clients' });
    await importFile(tableFromRows(visits, visitColumns), app.clientStore(), { ...options, kind: 'visits' });

    // The Viber client follows their deep link and subscribes; two WhatsApp numbers end badly.
    const link = await printed(() => printViberLink('c-vb', { subscribeAs: viberUser }));
    expect(link).toMatch(/^viber:\/\/pa\?chatURI=comeback-local&context=[\w%.-]+\n/);
    expect(link).toContain(`c-vb subscribed as Viber user ${viberUser}.`);
    await printed(() => simulateFate({ channel: 'whatsapp', to: numbers.notOnWhatsApp, fate: 'not-on-whatsapp' }));
    await printed(() => simulateFate({ channel: 'whatsapp', to: numbers.stopped, fate: 'stopped' }));

    // Act: the weekly sweep and the send, as `comeback sweep` and `comeback send` run them.
    const swept = await sweepNow({ asOf: today, quiet: true });
    expect(swept.counts.enqueued).toBe(4);
    sent = await sendQueued();
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('asks the WhatsApp client with the approved template, and records that they read it', async () => {
    const messages = await getJson<SentWhatsAppMessage[]>(`${emulatorUrl('whatsapp')}/messages?to=${encodeURIComponent(numbers.whatsApp)}`);
    expect(messages).toEqual([
      expect.objectContaining({ type: 'template', outreachId: jobOf('c-wa'), originationPhoneNumberId: stack.environment.WHATSAPP_PHONE_NUMBER_ID }),
    ]);
    const { log } = buildApp().deliveryDependencies();
    expect(await log.get(jobOf('c-wa'))).toMatchObject({ channel: 'whatsapp', status: 'seen' });
    expect(sent.whatsApp.statuses).toBeGreaterThanOrEqual(2);
  });

  it('asks the subscribed Viber client with the reason buttons and a button to the reply page', async () => {
    const [message] = await getJson<ViberSentMessage[]>(`${emulatorUrl('viber')}/messages?receiver=${encodeURIComponent(viberUser)}`);
    expect(message).toMatchObject({ receiver: viberUser, trackingData: jobOf('c-vb'), sender: { name: 'Harbour Clinic' } });
    const buttons = (message!.keyboard as { Buttons: { ActionType: string; ActionBody: string }[] }).Buttons;
    expect(buttons).toContainEqual(
      expect.objectContaining({ ActionType: 'open-url', ActionBody: expect.stringMatching(/^https:\/\/reply\.harbour\.example\/r\//) }),
    );
    expect(buttons.filter((button) => button.ActionBody.startsWith('reason:')).length).toBeGreaterThan(0);
    // The delivered and seen callbacks reached the webhook of the stack's process.
    expect(await buildApp().deliveryDependencies().log.get(jobOf('c-vb'))).toMatchObject({ channel: 'viber', status: 'seen' });
  });

  it('sends a text instead to the client who is not on WhatsApp, in the same send', async () => {
    expect(sent.whatsApp.nextChannel).toBe(1);
    expect(sent.sent).toMatchObject({ whatsapp: 3, viber: 1, sms: 1 });
    const texts = await getJson<{ destination: string }[]>(`${emulatorUrl('smsvoice')}/messages?channel=sms`);
    expect(texts.map((text) => text.destination)).toEqual([numbers.notOnWhatsApp]);
    expect(await buildApp().deliveryDependencies().log.get(jobOf('c-nowa'))).toMatchObject({ channel: 'sms', status: 'delivered' });
  });

  it('takes a client who stopped the clinic on WhatsApp off every channel, their email too', async () => {
    const { suppression } = buildApp().deliveryDependencies();
    expect([...(await suppression.suppressed(['client:c-stop']))]).toEqual(['client:c-stop']);
    expect(await buildApp().deliveryDependencies().log.get(jobOf('c-stop'))).toMatchObject({ channel: 'whatsapp', status: 'failed' });
    expect((await outbox('email')).map((entry) => entry.to)).not.toContain('stop@example.com');
  });

  it('lists the messengers in the outbox', async () => {
    const entries = await outbox();
    expect(
      entries
        .filter((entry) => entry.channel === 'whatsapp')
        .map((entry) => entry.to)
        .sort(),
    ).toEqual([numbers.whatsApp, numbers.notOnWhatsApp, numbers.stopped].sort());
    expect(entries.find((entry) => entry.channel === 'viber')).toMatchObject({ to: viberUser, text: expect.stringContaining('[') });
    await expect(outbox('fax')).rejects.toThrow('--channel fax: email, sms, voice, whatsapp or viber');
  });

  it('takes a reason button pressed on Viber as the answer, with that reason', async () => {
    const [message] = await getJson<ViberSentMessage[]>(`${emulatorUrl('viber')}/messages?receiver=${encodeURIComponent(viberUser)}`);
    const reason = (message!.keyboard as { Buttons: { ActionBody: string }[] }).Buttons.find((button) =>
      button.ActionBody.startsWith('reason:'),
    )!.ActionBody.slice('reason:'.length);

    const said = await printed(() => simulateReply({ channel: 'viber', from: viberUser, choice: reason }));

    expect(said).toBe(`received for c-vb: ${reason} (chosen, answering ${jobOf('c-vb')})`);
    const answers = await buildApp().answerDependencies().answers.answersOf('c-vb');
    expect(answers).toEqual([expect.objectContaining({ channel: 'viber', reasonId: reason, method: 'chosen', outreachId: jobOf('c-vb') })]);
  });

  it('answers words it cannot place on WhatsApp with the reasons list, and takes the row the client taps', async () => {
    await expect(simulateReply({ channel: 'whatsapp', from: numbers.whatsApp, choice: 'price' })).rejects.toThrow(/no reasons list was sent/);

    await printed(() => simulateReply({ channel: 'whatsapp', from: numbers.whatsApp, text: 'well, a few things' }));
    const last = (await getJson<SentWhatsAppMessage[]>(`${emulatorUrl('whatsapp')}/messages?to=${encodeURIComponent(numbers.whatsApp)}`)).at(-1)!;
    expect(last.type).toBe('interactive');
    await expect(simulateReply({ channel: 'whatsapp', from: numbers.whatsApp, choice: 'no-such-reason' })).rejects.toThrow(/the list sent to .* has /);

    const said = await printed(() => simulateReply({ channel: 'whatsapp', from: numbers.whatsApp, choice: 'price' }));

    expect(said).toBe(`answer 1\nreceived for c-wa: price (chosen, answering ${jobOf('c-wa')})`);
    const answers = await buildApp().answerDependencies().answers.answersOf('c-wa');
    expect(answers.map((answer) => answer.reasonId)).toContain('price');
    expect(answers.every((answer) => answer.channel === 'whatsapp')).toBe(true);
  });
});
