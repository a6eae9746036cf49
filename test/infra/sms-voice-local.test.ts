import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PinpointSMSVoiceV2Client, SendTextMessageCommand, SendVoiceMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { afterEach, describe, expect, it } from 'vitest';
import { startSmsVoiceLocal, type InboundSms, type SmsVoiceLocal } from '../../infra/local/sms-voice.ts';

const clientFor = (emulator: SmsVoiceLocal) =>
  new PinpointSMSVoiceV2Client({
    endpoint: `http://127.0.0.1:${emulator.port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });

const errorName = async (promise: Promise<unknown>): Promise<string> => {
  try {
    await promise;
    return 'no error';
  } catch (error) {
    return (error as Error).name;
  }
};

describe('the SMS and voice emulator, through the real SDK client', () => {
  const started: SmsVoiceLocal[] = [];
  const start = async (options: Partial<Parameters<typeof startSmsVoiceLocal>[0]> = {}) => {
    const emulator = await startSmsVoiceLocal({ port: 0, ...options });
    started.push(emulator);
    return emulator;
  };
  afterEach(async () => {
    while (started.length > 0) await started.pop()!.stop();
  });

  it('sends a text and keeps it, with its origination identity, configuration set and context', async () => {
    const emulator = await start();
    const sms = clientFor(emulator);
    const { MessageId } = await sms.send(
      new SendTextMessageCommand({
        DestinationPhoneNumber: '+306912345678',
        OriginationIdentity: '+18005550100',
        MessageBody: 'Why did you stop coming? Reply 1-6. STOP to opt out',
        MessageType: 'TRANSACTIONAL',
        ConfigurationSetName: 'comeback',
        Context: { outreachId: 'job-1' },
      }),
    );
    expect(MessageId).toMatch(/^[\w-]{36}$/);
    expect(emulator.outbox()).toEqual([
      expect.objectContaining({ messageId: MessageId, channel: 'sms', destination: '+306912345678', originationIdentity: '+18005550100', configurationSet: 'comeback', context: { outreachId: 'job-1' } }),
    ]);
  });

  it('places a call with an SSML script and a voice', async () => {
    const emulator = await start();
    await clientFor(emulator).send(
      new SendVoiceMessageCommand({
        DestinationPhoneNumber: '+306912345678',
        OriginationIdentity: '+18005550100',
        MessageBody: '<speak>Hello</speak>',
        MessageBodyTextType: 'SSML',
        VoiceId: 'AMY',
      }),
    );
    expect(emulator.outbox()[0]).toMatchObject({ channel: 'voice', bodyType: 'SSML', voiceId: 'AMY' });
  });

  it('refuses what the service refuses, with the service’s error names', async () => {
    const emulator = await start();
    const sms = clientFor(emulator);
    expect(await errorName(sms.send(new SendTextMessageCommand({ DestinationPhoneNumber: '6912345678', MessageBody: 'x' })))).toBe('ValidationException');
    expect(await errorName(sms.send(new SendTextMessageCommand({ DestinationPhoneNumber: '+306912345678', MessageBody: '' })))).toBe('ValidationException');
    expect(
      await errorName(sms.send(new SendVoiceMessageCommand({ DestinationPhoneNumber: '+306912345678', OriginationIdentity: '+1800', MessageBody: 'Hello', MessageBodyTextType: 'SSML' }))),
    ).toBe('ValidationException');
    expect(emulator.outbox()).toEqual([]);
  });

  it('throttles above the configured messages per second of one origination identity', async () => {
    const emulator = await start({ messagesPerSecond: 2 });
    const sms = clientFor(emulator);
    const send = (from: string) => sms.send(new SendTextMessageCommand({ DestinationPhoneNumber: '+306912345678', OriginationIdentity: from, MessageBody: 'x' }));
    await send('+18005550100');
    await send('+18005550100');
    expect(await errorName(send('+18005550100'))).toBe('ThrottlingException');
    await send('+18005550199');
    expect(emulator.outbox()).toHaveLength(3);
  });

  it('publishes a simulated reply as the two-way SMS payload, tied to the last text sent to that number', async () => {
    const published: InboundSms[] = [];
    const emulator = await start({ publishReply: async (message) => void published.push(JSON.parse(message) as InboundSms) });
    const { MessageId } = await clientFor(emulator).send(
      new SendTextMessageCommand({ DestinationPhoneNumber: '+306912345678', OriginationIdentity: '+18005550100', MessageBody: 'Reply 1-6' }),
    );
    const response = await fetch(`http://127.0.0.1:${emulator.port}/reply`, { method: 'POST', body: JSON.stringify({ from: '+306912345678', body: '2 too long a wait' }) });
    expect(response.status).toBe(200);
    expect(published).toEqual([
      {
        originationNumber: '+306912345678',
        destinationNumber: '+18005550100',
        messageKeyword: '2',
        messageBody: '2 too long a wait',
        inboundMessageId: expect.any(String),
        previousPublishedMessageId: MessageId,
      },
    ]);
  });

  it('keeps the outbox across restarts when given a folder, and lists it by channel', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'comeback-sms-'));
    const first = await start({ dataDir: folder });
    await clientFor(first).send(new SendTextMessageCommand({ DestinationPhoneNumber: '+306912345678', MessageBody: 'kept' }));
    await first.stop();
    started.pop();
    const second = await start({ dataDir: folder });
    expect(second.outbox().map((m) => m.body)).toEqual(['kept']);
    const listed = (await (await fetch(`http://127.0.0.1:${second.port}/messages?channel=voice`)).json()) as unknown[];
    expect(listed).toEqual([]);
  });
});
