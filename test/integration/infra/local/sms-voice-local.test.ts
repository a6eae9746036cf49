import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PinpointSMSVoiceV2Client, SendTextMessageCommand, SendVoiceMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { afterEach, describe, expect, it } from 'vitest';
import { startSmsVoiceLocal, type InboundSms, type SmsVoiceLocal } from '../../../../infra/local/sms-voice.ts';

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
      expect.objectContaining({
        messageId: MessageId,
        channel: 'sms',
        destination: '+306912345678',
        originationIdentity: '+18005550100',
        configurationSet: 'comeback',
        context: { outreachId: 'job-1' },
      }),
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
      await errorName(
        sms.send(
          new SendVoiceMessageCommand({
            DestinationPhoneNumber: '+306912345678',
            OriginationIdentity: '+1800',
            MessageBody: 'Hello',
            MessageBodyTextType: 'SSML',
          }),
        ),
      ),
    ).toBe('ValidationException');
    expect(emulator.outbox()).toEqual([]);
  });

  it('throttles above the configured messages per second of one origination identity', async () => {
    const emulator = await start({ messagesPerSecond: 2 });
    const sms = clientFor(emulator);
    const send = (from: string) =>
      sms.send(new SendTextMessageCommand({ DestinationPhoneNumber: '+306912345678', OriginationIdentity: from, MessageBody: 'x' }));
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
    const response = await fetch(`http://127.0.0.1:${emulator.port}/reply`, {
      method: 'POST',
      body: JSON.stringify({ from: '+306912345678', body: '2 too long a wait' }),
    });
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

  it('publishes a delivery event to the configuration set’s destination, in the service’s shape, and plays a simulated fate', async () => {
    const events: Record<string, unknown>[] = [];
    const emulator = await start({ configurationSets: { comeback: async (event) => void events.push(JSON.parse(event) as Record<string, unknown>) } });
    const sms = clientFor(emulator);
    const text = (to: string, ConfigurationSetName = 'comeback') =>
      sms.send(
        new SendTextMessageCommand({
          DestinationPhoneNumber: to,
          OriginationIdentity: '+18005550100',
          MessageBody: 'Γιατί;',
          ConfigurationSetName,
          Context: { outreachId: 'job-1' },
        }),
      );
    const delivered = await text('+306912345678');
    const simulated = await fetch(`http://127.0.0.1:${emulator.port}/simulate`, {
      method: 'POST',
      body: JSON.stringify({ destination: '+306900000000', fate: 'invalid' }),
    });
    expect(simulated.status).toBe(200);
    const invalid = await text('+306900000000');
    await clientFor(emulator).send(
      new SendVoiceMessageCommand({
        DestinationPhoneNumber: '+306912345678',
        OriginationIdentity: '+18005550100',
        MessageBody: 'Hello',
        ConfigurationSetName: 'comeback',
      }),
    );

    expect(events).toEqual([
      expect.objectContaining({
        eventType: 'TEXT_DELIVERED',
        messageStatus: 'DELIVERED',
        messageId: delivered.MessageId,
        destinationPhoneNumber: '+306912345678',
        messageEncoding: 'UCS2',
        context: { outreachId: 'job-1' },
        isFinal: true,
      }),
      expect.objectContaining({ eventType: 'TEXT_INVALID', messageId: invalid.MessageId }),
      expect.objectContaining({ eventType: 'VOICE_COMPLETED', messageStatus: 'COMPLETED' }),
    ]);
    expect(await errorName(text('+306912345678', 'no-such-set'))).toBe('ResourceNotFoundException');
    const refused = await fetch(`http://127.0.0.1:${emulator.port}/simulate`, {
      method: 'POST',
      body: JSON.stringify({ destination: '+306912345678', fate: 'lost at sea' }),
    });
    expect(refused.status).toBe(400);
  });

  it('keeps an opt-out list: after a STOP in any case, texts and calls to that number are refused', async () => {
    const emulator = await start({ publishReply: async () => undefined });
    const sms = clientFor(emulator);
    const text = () =>
      sms.send(new SendTextMessageCommand({ DestinationPhoneNumber: '+306912345678', OriginationIdentity: '+18005550100', MessageBody: 'Reply 1-6' }));
    await text();
    await emulator.reply('+306912345678', ' stop ');
    expect(emulator.optedOut()).toEqual(['+306912345678']);
    expect(await errorName(text())).toBe('ConflictException');
    expect(
      await errorName(
        sms.send(new SendVoiceMessageCommand({ DestinationPhoneNumber: '+306912345678', OriginationIdentity: '+18005550100', MessageBody: 'Hello' })),
      ),
    ).toBe('ConflictException');
    await emulator.reply('+306900000001', '2 the wait');
    expect(emulator.optedOut()).toEqual(['+306912345678']);
  });
});
