import { createHmac } from 'node:crypto';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { viberCallback } from '../../../functions/viber-callbacks/handler.ts';
import { startHttpApi } from '../../../infra/local/http-api.ts';
import { startViberEmulator, type ViberEmulator } from '../../../infra/local/viber.ts';
import type { ViberCallbacks } from '../../../shared/app.ts';
import { AwsMessenger } from '../../../shared/aws/aws-messenger.ts';
import { DynamoAnswerStore } from '../../../shared/aws/dynamo-answer-store.ts';
import { DynamoCallbackLedger } from '../../../shared/aws/dynamo-callback-ledger.ts';
import { DynamoCatalogueStore } from '../../../shared/aws/dynamo-catalogue-store.ts';
import { DynamoClientStore } from '../../../shared/aws/dynamo-client-store.ts';
import { DynamoFollowUpStore } from '../../../shared/aws/dynamo-follow-up-store.ts';
import { DynamoOutreachLog } from '../../../shared/aws/dynamo-outreach-log.ts';
import { DynamoSuppressionList } from '../../../shared/aws/dynamo-suppression-list.ts';
import type { OutreachJob } from '../../../shared/lapse/episode.ts';
import { defaultFallbackOrder } from '../../../shared/outreach/channel-policy.ts';
import { sendOutreach, type SendSettings } from '../../../shared/outreach/use-cases/send-outreach.ts';
import { viberContextFor } from '../../../shared/outreach/viber-subscription.ts';
import { ViberBotClient } from '../../../shared/viber/viber-bot-client.ts';
import { freshTables } from '../../support/tables.ts';
import { harbourSendSettings } from '../../support/send-settings.ts';

const botToken = '4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f';
const secret = 'viber-callbacks-secret-0123456789abcdef';
const userId = '01234567890A=';

const settings: SendSettings = harbourSendSettings(secret, {
  window: { startMinute: 0, endMinute: 24 * 60 },
  channelPolicy: { fallbackOrder: defaultFallbackOrder, voiceLocales: new Set(), offered: new Set(['email', 'sms', 'voice', 'viber']) },
});

const job: OutreachJob = {
  jobId: 'job-v-1',
  clientId: 'c-1',
  episodeId: '2026-05-11',
  request: 1,
  requestedOn: '2026-05-11',
  channels: ['viber', 'sms', 'email'],
};

describe('Viber’s webhook, from the emulator’s signed callbacks to the tables', () => {
  let emulator: ViberEmulator;
  let webhookUrl: string;
  let stopApi: () => Promise<void>;
  let use: ViberCallbacks;
  let clients: DynamoClientStore;
  let log: DynamoOutreachLog;
  let suppression: DynamoSuppressionList;
  let messenger: AwsMessenger;
  let db: DynamoDBDocumentClient;
  let clientsTable: string;

  beforeEach(async () => {
    const fresh = await freshTables();
    const { tables } = fresh;
    db = fresh.db;
    clientsTable = tables.clients;
    clients = new DynamoClientStore(tables, db);
    log = new DynamoOutreachLog(tables.outreach, db);
    suppression = new DynamoSuppressionList(tables.suppression, db);
    emulator = await startViberEmulator({ port: 0, token: botToken });
    const bot = new ViberBotClient({ baseUrl: emulator.apiUrl, senderName: 'Harbour Clinic', token: async () => botToken });
    messenger = new AwsMessenger({ fromAddress: 'care@harbour.example', originationIdentity: '+18005550100', voices: {} }, undefined, undefined, {
      viber: bot,
    });
    use = {
      token: botToken,
      secrets: [secret],
      ledger: new DynamoCallbackLedger(tables.callbacks, db),
      deps: {
        clients,
        log,
        suppression,
        answers: new DynamoAnswerStore(tables.answers, db),
        catalogue: new DynamoCatalogueStore(tables.catalogue, db),
        followUps: new DynamoFollowUpStore(tables.followUps, db),
        queue: { enqueue: async () => undefined },
        messenger,
        clinicName: 'Harbour Clinic',
      },
    };
    const api = await startHttpApi([{ prefix: '/viber/callback', handler: (event) => viberCallback(event, use) }], 0);
    stopApi = api.stop;
    webhookUrl = `http://127.0.0.1:${api.port}/viber/callback`;
    await bot.setWebhook(webhookUrl);
    await clients.saveProfile({
      clientId: 'c-1',
      name: 'Maria Pappa',
      locale: 'en',
      timeZone: 'Europe/Athens',
      phone: '+306912345678',
      email: 'maria@example.com',
      consent: { email: true, sms: true, voice: false, viber: true },
    });
  });

  afterEach(async () => {
    await emulator.stop();
    await stopApi();
  });

  const post = (body: string, signature?: string) =>
    fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...(signature && { 'x-viber-content-signature': signature }) }, body });
  const sign = (body: string, token = botToken) => createHmac('sha256', token).update(body).digest('hex');

  it('binds the subscriber to the client, then records the request delivered and seen, and the button pressed as the answer', async () => {
    await emulator.subscribe(userId, viberContextFor('c-1', secret, new Date()));
    await emulator.settled();
    expect(await clients.clientsWithViberUser(userId)).toEqual(['c-1']);
    expect((await clients.getClient('c-1'))?.profile.viberUserId).toBe(userId);

    // The sweep found them lapsed: the open episode's mark on the client.
    const lapse = { episodeId: '2026-05-11', status: 'open', openedOn: '2026-05-11', requests: 1, controlGroup: false };
    await db.send(
      new UpdateCommand({
        TableName: clientsTable,
        Key: { clientId: 'c-1' },
        UpdateExpression: 'SET lapse = :lapse',
        ExpressionAttributeValues: { ':lapse': lapse },
      }),
    );
    const sent = await sendOutreach(job, settings, { clients, suppression, log, messenger, catalogue: use.deps.catalogue });
    await emulator.settled();

    expect(sent).toMatchObject({ kind: 'sent', channel: 'viber' });
    expect((await log.get(job.jobId))?.status).toBe('seen');
    await emulator.reply(userId, { choice: 'moved-away' });
    await emulator.settled();
    const answers = await use.deps.answers.answersOf('c-1');
    expect(answers).toEqual([expect.objectContaining({ channel: 'viber', reasonId: 'moved-away', outreachId: job.jobId, method: 'chosen' })]);
  });

  it('refuses an unsigned, a tampered and a stale callback, and takes a replayed one only once', async () => {
    const body = JSON.stringify({
      event: 'unsubscribed',
      timestamp: Date.now(),
      chat_hostname: 'SN-1',
      user_id: userId,
      message_token: 5_000_000_000_000_000_001n.toString(),
    }).replace(/"(\d{19})"/, '$1');
    const stale = JSON.stringify({ event: 'seen', timestamp: Date.now() - 2 * 3_600_000, user_id: userId, message_token: 4_000_000_000 });

    expect((await post(body)).status).toBe(401);
    expect((await post(body, sign(`${body} `))).status).toBe(403);
    expect((await post(stale, sign(stale))).status).toBe(403);
    expect(await suppression.suppressed([`viber:${userId}`])).toEqual(new Set());

    await clients.bindViberUser('c-1', userId);
    const first = await post(body, sign(body));
    const replayed = await post(body, sign(body));

    expect(first.status).toBe(200);
    expect(replayed.status).toBe(200);
    expect(await replayed.json()).toEqual({ status: 'already taken' });
    expect(await suppression.suppressed(['client:c-1', 'email:maria@example.com', `viber:${userId}`])).toEqual(
      new Set(['client:c-1', 'email:maria@example.com', `viber:${userId}`]),
    );
  });
});
