import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { SocialMessagingClient } from '@aws-sdk/client-socialmessaging';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs, type FauxqsServer } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWhatsAppEmulator, type WhatsAppEmulator } from '../../../infra/local/whatsapp.ts';
import { seedCatalogue } from '../../../shared/answers/reasons.ts';
import { WhatsAppSender } from '../../../shared/aws/whatsapp-sender.ts';
import { ProviderRejectedError } from '../../../shared/outreach/ports/messenger.ts';
import { parseWhatsAppNotification, type WhatsAppEvent } from '../../../shared/outreach/whatsapp-events.ts';
import { whatsAppFirstMessage, whatsAppReasonList, whatsAppText } from '../../../shared/outreach/whatsapp-messages.ts';
import { waitFor } from '../../support/wait-for.ts';

const region = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const notOnWhatsApp = '+306900000026';
const stoppedMarketing = '+306900000050';

const firstMessage = (outreachId: string, to: string) =>
  whatsAppFirstMessage({
    outreachId,
    to,
    locale: 'el',
    values: { clinic: 'Harbour Clinic', firstName: 'Maria', replyLink: `https://reply.harbour.example/r/token-of-${outreachId}` },
    template: { name: 'comeback_feedback', fallbackLanguage: 'en' },
  });

describe('WhatsApp through the emulator: the production sender, SNS, SQS and the event parser', () => {
  let fauxqs: FauxqsServer;
  let emulator: WhatsAppEmulator;
  let sns: SNSClient;
  let sqs: SQSClient;
  let sender: WhatsAppSender;
  let envelopeQueue: string;
  let rawQueue: string;
  let dataDir: string;
  /** Everything parsed from the queues so far, in arrival order. */
  const received: { queue: 'envelope' | 'raw'; event: WhatsAppEvent }[] = [];

  const drain = async (queueUrl: string, queue: 'envelope' | 'raw'): Promise<void> => {
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    for (const message of Messages ?? []) {
      for (const event of parseWhatsAppNotification(message.Body!)) received.push({ queue, event });
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
    }
  };
  const eventsWhere = async (what: string, found: (events: WhatsAppEvent[]) => boolean, queue: 'envelope' | 'raw' = 'envelope'): Promise<WhatsAppEvent[]> => {
    const mine = () => received.filter((entry) => entry.queue === queue).map((entry) => entry.event);
    await waitFor(what, async () => {
      await drain(envelopeQueue, 'envelope');
      await drain(rawQueue, 'raw');
      return found(mine());
    });
    return mine();
  };
  const statusesOf = (events: WhatsAppEvent[], outreachId: string) => events.filter((event) => event.kind === 'status' && event.outreachId === outreachId);

  beforeAll(async () => {
    fauxqs = await startFauxqs({ port: 0, logger: false, defaultRegion: region });
    const endpoint = `http://127.0.0.1:${fauxqs.port}`;
    sns = new SNSClient({ endpoint, region, credentials });
    sqs = new SQSClient({ endpoint, region, credentials, useQueueUrlAsEndpoint: false });
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'whatsapp-events' }));
    const subscribe = async (name: string, raw: boolean): Promise<string> => {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
      await sns.send(
        new SubscribeCommand({
          TopicArn,
          Protocol: 'sqs',
          Endpoint: Attributes!.QueueArn!,
          ...(raw && { Attributes: { RawMessageDelivery: 'true' } }),
        }),
      );
      return QueueUrl!;
    };
    // The cloud's default subscription wraps each message in SNS's envelope; the local stack's queues take it raw.
    envelopeQueue = await subscribe('whatsapp-events-envelope', false);
    rawQueue = await subscribe('whatsapp-events-raw', true);
    dataDir = await mkdtemp(join(tmpdir(), 'comeback-whatsapp-'));
    emulator = await startWhatsAppEmulator({
      port: 0,
      dataDir,
      topicArn: TopicArn!,
      snsEndpoint: endpoint,
      fates: { [notOnWhatsApp]: 'not-on-whatsapp' },
    });
    sender = new WhatsAppSender(
      { originationPhoneNumberId: 'phone-number-id-01234567890123456789012345678901' },
      new SocialMessagingClient({ endpoint: emulator.url, region, credentials, maxAttempts: 1 }),
    );
  });

  afterAll(async () => {
    await emulator?.stop();
    sns?.destroy();
    sqs?.destroy();
    await fauxqs?.stop();
  });

  it('keeps a sent template in the outbox, and its sent, delivered and read statuses come back with our outreach id', async () => {
    // Act
    const messageId = await sender.send(firstMessage('job-read', '+306912345678'));

    // Assess
    const kept = emulator.outbox().find((message) => message.messageId === messageId);
    expect(kept).toMatchObject({ to: '+306912345678', type: 'template', outreachId: 'job-read', message: firstMessage('job-read', '+306912345678') });
    expect(await readFile(join(dataDir, 'outbox.jsonl'), 'utf8')).toContain(messageId);
    const listed = (await (await fetch(`${emulator.url}/messages?to=%2B306912345678`)).json()) as { messageId: string }[];
    expect(listed.map((message) => message.messageId)).toContain(messageId);
    const events = await eventsWhere('three statuses of job-read', (all) => statusesOf(all, 'job-read').length === 3);
    expect(statusesOf(events, 'job-read')).toEqual(
      ['sent', 'delivered', 'read'].map((status) => ({
        kind: 'status',
        outreachId: 'job-read',
        wamid: kept!.wamid,
        recipient: '+306912345678',
        status,
        at: expect.any(String),
      })),
    );
    const raw = await eventsWhere('three raw statuses of job-read', (all) => statusesOf(all, 'job-read').length === 3, 'raw');
    expect(statusesOf(raw, 'job-read')).toEqual(statusesOf(events, 'job-read'));
  });

  it('reports a number that is not on WhatsApp as failed with 131026', async () => {
    // Act
    await sender.send(firstMessage('job-absent', notOnWhatsApp));

    // Assess
    const events = await eventsWhere('the failure of job-absent', (all) => statusesOf(all, 'job-absent').length > 0);
    expect(statusesOf(events, 'job-absent')).toEqual([
      expect.objectContaining({ status: 'failed', recipient: notOnWhatsApp, failure: { code: 131026, meaning: 'not-on-whatsapp' } }),
    ]);
  });

  it('reports a client who stopped the clinic’s messages as failed with 131050, once simulated', async () => {
    // Prepare
    await fetch(`${emulator.url}/simulate`, { method: 'POST', body: JSON.stringify({ recipient: stoppedMarketing, fate: 'stopped' }) });

    // Act
    await sender.send(firstMessage('job-stopped', stoppedMarketing));

    // Assess
    const events = await eventsWhere('the failure of job-stopped', (all) => statusesOf(all, 'job-stopped').length > 0);
    expect(statusesOf(events, 'job-stopped')).toEqual([expect.objectContaining({ failure: { code: 131050, meaning: 'stopped-marketing' } })]);
  });

  it('fails free text outside the 24-hour window with 131047, and lets the list through once the client wrote', async () => {
    // Prepare
    const client = '+995555123456';
    await sender.send(whatsAppText('job-window', client, 'Are you there?'));
    const closed = await eventsWhere('the failure of job-window', (all) => statusesOf(all, 'job-window').length > 0);

    // Act
    const reply = await fetch(`${emulator.url}/reply`, { method: 'POST', body: JSON.stringify({ from: client, text: 'Γεια σας' }) });
    await sender.send(whatsAppReasonList({ outreachId: 'job-window-list', to: client, locale: 'ka', catalogue: seedCatalogue() }));

    // Assess
    expect(statusesOf(closed, 'job-window')).toEqual([expect.objectContaining({ failure: { code: 131047, meaning: 'window-closed' } })]);
    expect(reply.status).toBe(200);
    const events = await eventsWhere('the list read', (all) => statusesOf(all, 'job-window-list').length === 3);
    expect(statusesOf(events, 'job-window-list').map((event) => event.kind === 'status' && event.status)).toEqual(['sent', 'delivered', 'read']);
  });

  it('publishes a client’s words and a row they picked as inbound messages, tied to our last message', async () => {
    // Prepare
    const client = '+639171234567';
    await fetch(`${emulator.url}/reply`, { method: 'POST', body: JSON.stringify({ from: client, text: 'hello' }) });
    await sender.send(whatsAppReasonList({ outreachId: 'job-list', to: client, locale: 'tl', catalogue: seedCatalogue() }));
    const list = emulator.outbox().find((message) => message.outreachId === 'job-list')!;

    // Act
    const answered = await fetch(`${emulator.url}/reply`, {
      method: 'POST',
      body: JSON.stringify({ from: client, choice: { id: 'waiting-time', title: 'Paghihintay' } }),
    });

    // Assess
    expect(answered.status).toBe(200);
    const events = await eventsWhere('the choice of the client', (all) => all.some((event) => event.kind === 'message' && event.choice !== undefined));
    const fromClient = events.filter((event) => event.kind === 'message' && event.from === client);
    expect(fromClient).toEqual([
      expect.objectContaining({ kind: 'message', from: client, type: 'text', text: 'hello' }),
      expect.objectContaining({
        kind: 'message',
        from: client,
        type: 'interactive',
        choice: { id: 'waiting-time', title: 'Paghihintay' },
        inReplyTo: list.wamid,
      }),
    ]);
  });

  it('refuses what the service refuses, in its shape: a ValidationException named in x-amzn-errortype', async () => {
    // Prepare
    const notWhatsApp = { ...whatsAppText('job-bad', '+306912345678', 'x'), messaging_product: 'sms' } as unknown as Parameters<WhatsAppSender['send']>[0];
    const before = emulator.outbox().length;

    // Act
    const refused = await sender.send(notWhatsApp).catch((error: unknown) => error);
    const direct = await fetch(`${emulator.url}/v1/whatsapp/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ originationPhoneNumberId: 'phone-number-id-1', metaApiVersion: 'v20.0', message: Buffer.from('not json').toString('base64') }),
    });

    // Assess
    expect(refused).toBeInstanceOf(ProviderRejectedError);
    expect((refused as ProviderRejectedError).code).toBe('invalid-request');
    expect(direct.status).toBe(400);
    expect(direct.headers.get('x-amzn-errortype')).toBe('ValidationException');
    expect(await direct.json()).toEqual({ message: 'message is not a base64-encoded JSON object' });
    expect(emulator.outbox()).toHaveLength(before);
  });
});
