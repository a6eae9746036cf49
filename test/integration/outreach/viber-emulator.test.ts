import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startViberEmulator, type ViberEmulator } from '../../../infra/local/viber.ts';
import { NotOnMessengerError } from '../../../shared/outreach/not-on-messenger.ts';
import { ProviderRejectedError } from '../../../shared/outreach/ports/messenger.ts';
import { acceptViberCallback, ViberCallbackRefusedError, viberSignatureHeader, type ViberEvent } from '../../../shared/outreach/viber-callbacks.ts';
import { ViberBotClient } from '../../../shared/viber/viber-bot-client.ts';
import { InMemoryCallbackLedger } from '../../fakes/callback-ledger.ts';

const botToken = '4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f';
const statusOfRefusal = { unauthorized: 401, forbidden: 403, conflict: 409, invalid: 400 } as Record<string, number>;

/** The clinic's callback endpoint in miniature: every callback through acceptViberCallback, answered as a handler would. */
const startWebhook = async (token = botToken) => {
  const accepted: ViberEvent[] = [];
  const refused: string[] = [];
  const seen = new InMemoryCallbackLedger();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const signature = request.headers[viberSignatureHeader];
      acceptViberCallback({ rawBody: Buffer.concat(chunks), signature: typeof signature === 'string' ? signature : undefined, token, now: new Date(), seen })
        .then((event) => {
          accepted.push(event);
          response.writeHead(200).end();
        })
        .catch((error: unknown) => {
          const refusal = error instanceof ViberCallbackRefusedError ? error : undefined;
          refused.push(refusal?.refusal ?? 'error');
          response.writeHead(refusal ? (statusOfRefusal[refusal.kind] ?? 400) : 500).end();
        });
    });
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', () => resolveListen()));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/viber/callbacks`;
  return { url, accepted, refused, stop: () => new Promise<void>((resolveClose) => server.close(() => resolveClose())) };
};

const clientOf = (emulator: ViberEmulator, token = botToken) =>
  new ViberBotClient({ baseUrl: emulator.apiUrl, senderName: 'Harbour Dental Clinic', token: async () => token });

const caught = async (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'no error',
    (error: unknown) => error,
  );

describe('the Viber emulator, through the production client and callback check', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (stops.length > 0) await stops.pop()!();
  });

  const start = async (options: { dataDir?: string } = {}) => {
    const emulator = await startViberEmulator({ port: 0, token: botToken, ...options });
    const webhook = await startWebhook();
    stops.push(webhook.stop, emulator.stop);
    const client = clientOf(emulator);
    await client.setWebhook(webhook.url);
    return { emulator, webhook, client };
  };

  it('keeps what the client sends in its outbox, and its signed delivered and seen callbacks pass the check', async () => {
    // Prepare
    const dataDir = await mkdtemp(join(tmpdir(), 'viber-'));
    const { emulator, webhook, client } = await start({ dataDir });

    // Act
    const messageToken = await client.sendMessage({
      receiver: '01234567890A=',
      text: 'Maria, what kept you away?',
      keyboard: [{ reasonId: 'too-expensive', label: 'Too expensive' }],
      replyLink: { url: 'https://reply.harbour.example/r/tok', label: 'Tell us more' },
      trackingData: 'outreach-42',
    });
    await emulator.settled();

    // Assess
    expect(BigInt(messageToken) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(emulator.outbox()).toEqual([
      expect.objectContaining({ messageToken, receiver: '01234567890A=', trackingData: 'outreach-42', sender: { name: 'Harbour Dental Clinic' } }),
    ]);
    const kept = (await readFile(join(dataDir, 'outbox.jsonl'), 'utf8')).trim().split('\n');
    expect(kept.map((line) => (JSON.parse(line) as { messageToken: string }).messageToken)).toEqual([messageToken]);
    const listed = (await (await fetch(`${emulator.url}/messages?receiver=01234567890A%3D`)).json()) as { messageToken: string }[];
    expect(listed.map((message) => message.messageToken)).toEqual([messageToken]);
    expect(webhook.refused).toEqual([]);
    expect(webhook.accepted.map((event) => [event.type, event.messageToken, 'userId' in event && event.userId])).toEqual([
      ['webhook', expect.any(String), false],
      ['delivered', messageToken, '01234567890A='],
      ['seen', messageToken, '01234567890A='],
    ]);
  });

  it('answers status 6 for a client who is not subscribed, which the client takes as not on the messenger', async () => {
    // Prepare
    const { emulator, client } = await start();
    await emulator.simulate('01234567890A=', 'not-subscribed');

    // Act
    const error = await caught(client.sendMessage({ receiver: '01234567890A=', text: 'Hello', trackingData: 'outreach-42' }));

    // Assess
    expect(error).toBeInstanceOf(NotOnMessengerError);
    expect((error as Error).message).toContain('Viber status 6');
    expect(emulator.outbox()).toEqual([]);
  });

  it('posts unsubscribed when a client blocks the bot, and refuses sends to them from then on', async () => {
    // Prepare
    const { emulator, webhook, client } = await start();

    // Act
    await emulator.simulate('01234567890A=', 'blocked');
    const error = await caught(client.sendMessage({ receiver: '01234567890A=', text: 'Hello', trackingData: 'outreach-42' }));

    // Assess
    expect(webhook.accepted.at(-1)).toMatchObject({ type: 'unsubscribed', userId: '01234567890A=' });
    expect(error).toBeInstanceOf(NotOnMessengerError);
  });

  it('turns a reason button pressed into a signed message callback with the reason and our outreach id', async () => {
    // Prepare
    const { emulator, webhook, client } = await start();
    await client.sendMessage({
      receiver: '01234567890A=',
      text: 'Why?',
      keyboard: [{ reasonId: 'moved-away', label: 'I moved away' }],
      trackingData: 'outreach-42',
    });

    // Act
    const answered = await fetch(`${emulator.url}/reply`, { method: 'POST', body: JSON.stringify({ from: '01234567890A=', choice: 'moved-away' }) });
    await emulator.reply('01234567890A=', { text: 'the new dentist is closer' });

    // Assess
    expect(answered.status).toBe(200);
    const replies = webhook.accepted.filter((event) => event.type === 'message');
    expect(replies).toEqual([
      expect.objectContaining({ userId: '01234567890A=', reply: { kind: 'choice', reasonId: 'moved-away' }, trackingData: 'outreach-42' }),
      expect.objectContaining({ userId: '01234567890A=', reply: { kind: 'text', text: 'the new dentist is closer' }, trackingData: 'outreach-42' }),
    ]);
  });

  it('posts conversation_started with the deep link’s context, then subscribed, when a client subscribes', async () => {
    // Prepare
    const { emulator, webhook } = await start();

    // Act
    const answered = await fetch(`${emulator.url}/subscribe`, { method: 'POST', body: JSON.stringify({ userId: 'new-user=', context: 'client-token-77' }) });

    // Assess
    expect(answered.status).toBe(200);
    expect(webhook.accepted.slice(-2)).toEqual([
      expect.objectContaining({ type: 'conversation_started', userId: 'new-user=', context: 'client-token-77', subscribed: false }),
      expect.objectContaining({ type: 'subscribed', userId: 'new-user=' }),
    ]);
  });

  it('refuses a request with another token (status 2), and its callbacks fail a check keyed with another token', async () => {
    // Prepare
    const emulator = await startViberEmulator({ port: 0, token: botToken });
    const strangerWebhook = await startWebhook('another-bot-token');
    stops.push(strangerWebhook.stop, emulator.stop);

    // Act
    const wrongToken = await caught(clientOf(emulator, 'another-bot-token').setWebhook(strangerWebhook.url));
    const unchecked = await caught(clientOf(emulator).setWebhook(strangerWebhook.url));

    // Assess
    expect(wrongToken).toBeInstanceOf(ProviderRejectedError);
    expect(wrongToken).toMatchObject({ code: 'not-configured' });
    // Viber checks the webhook with a signed event before keeping it: refused there, it is not set.
    expect(strangerWebhook.refused).toEqual(['bad-signature']);
    expect(unchecked).toMatchObject({ code: 'invalid-request' });
  });
});
