import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { freePort, startLocalStack } from '../../infra/local/stack.ts';
import { startSmsVoiceLocal } from '../../infra/local/sms-voice.ts';
import { clientsTable } from '../../infra/resources.ts';
import { AwsMessenger } from '../../shared/aws/aws-messenger.ts';
import { documentClient, profileAttributes } from '../../shared/aws/dynamo-client-store.ts';
import { DynamoOutreachLog } from '../../shared/aws/dynamo-outreach-log.ts';
import { DynamoSuppressionList } from '../../shared/aws/dynamo-suppression-list.ts';
import { PacedMessenger } from '../../shared/outreach/paced-messenger.ts';
import { buildApp } from '../../shared/app.ts';
import { eachLimited, Pacer, paceHeadroom } from '../../shared/common/concurrency.ts';
import { ProviderThrottledError } from '../../shared/outreach/ports/messenger.ts';
import { outreachJobId, type OutreachJob } from '../../shared/lapse/episode.ts';
import { shippedWordings } from '../../shared/outreach/wording.ts';
import { defaultSendWindow, nextSendTime } from '../../shared/outreach/quiet-hours.ts';
import { addVisits } from '../../shared/visits/summary.ts';
import { sendOutreach, type SendSettings } from '../../shared/outreach/use-cases/send-outreach.ts';
import type { Bench } from './harness.ts';

const jobs = 10_000;
// What DynamoDB Local carries with room to spare on a small machine: the bench is about pacing, not the database.
const ratePerSecond = 100;
/** As in the cloud: two send functions at once, each with half the rate, ten jobs in flight each. */
const instances = 2;
const inFlight = 10;

/**
 * 10,000 feedback requests through the real send path (DynamoDB Local, the SMS emulator
 * enforcing the rate like End User Messaging does) at a configured rate: the rate achieved,
 * the busiest second against the rate, and duplicates (there must be none).
 */
export const outreachBench: Bench = {
  name: 'outreach',
  async run(context) {
    const stack = await startLocalStack({ inMemory: true, ports: { dynamodb: await freePort(), messaging: 0, email: 0, smsvoice: 0 } });
    const emulator = await startSmsVoiceLocal({ port: 0, messagesPerSecond: ratePerSecond });
    try {
      // A zone where it is daytime for the next ten minutes, so nothing waits for a morning.
      const now = Date.now();
      const zone = ['UTC', 'Asia/Tokyo', 'America/Los_Angeles', 'Asia/Kolkata', 'America/Sao_Paulo', 'Pacific/Auckland'].find(
        (candidate) => nextSendTime(now, candidate) === now && nextSendTime(now + 600_000, candidate) === now + 600_000,
      )!;
      context.progress(`outreach: ${jobs.toLocaleString('en')} lapsed clients (${zone})`);
      const db = documentClient();
      const table = process.env[clientsTable.envVar]!;
      const summary = addVisits(
        undefined,
        ['2025-09-01', '2025-10-01', '2025-11-01'].map((day, i) => ({
          visitId: `v${i}`,
          clientId: 'x',
          visitedAt: `${day}T09:00:00.000Z`,
          day,
          amount: { minor: 5000, currency: 'EUR' },
        })),
      );
      const all: OutreachJob[] = [];
      const items = Array.from({ length: jobs }, (_, i) => {
        const clientId = `c-${i}`;
        all.push({
          jobId: outreachJobId(clientId, '2026-05-11', 1),
          clientId,
          episodeId: '2026-05-11',
          request: 1,
          requestedOn: '2026-05-11',
          channels: ['sms'],
        });
        return {
          ...profileAttributes({
            clientId,
            locale: 'en',
            timeZone: zone,
            phone: `+3069${String(10_000_000 + i)}`,
            consent: { email: false, sms: true, voice: false },
            preferredChannel: 'sms',
          }),
          summary,
          version: 1,
          lapse: { episodeId: '2026-05-11', status: 'open', openedOn: '2026-05-11', requests: 1, controlGroup: false },
        };
      });
      const batches: Record<string, unknown>[][] = [];
      for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
      await eachLimited(batches, 8, async (batch) => {
        let pending = batch.map((Item) => ({ PutRequest: { Item } }));
        while (pending.length > 0) {
          const result = await db.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
          pending = (result.UnprocessedItems?.[table] ?? []) as typeof pending;
        }
      });

      const settings: SendSettings = {
        clinicName: 'Bench Clinic',
        defaultLocale: 'en',
        window: defaultSendWindow,
        channelPolicy: { fallbackOrder: ['sms'], voiceLocales: new Set() },
        maxSmsSegments: 3,
        replyBaseUrl: 'https://reply.bench.example',
        tokenSecrets: ['bench-secret-0123456789abcdef0123456789'],
        tokenDays: 30,
        wordings: shippedWordings,
        whatsAppTemplate: { name: 'comeback_feedback', fallbackLanguage: 'en' },
      };
      const smsVoice = new PinpointSMSVoiceV2Client({ endpoint: `http://127.0.0.1:${emulator.port}`, maxAttempts: 1 });
      const aws = new AwsMessenger({ fromAddress: 'care@bench.example', originationIdentity: '+18005550100', voices: {} }, undefined, smsVoice);
      const shares = Array.from({ length: instances }, (_, k) => all.filter((_, i) => i % instances === k));
      let failures = 0;
      let throttled = 0;
      context.progress(`outreach: sending at ${ratePerSecond}/s from ${instances} senders`);
      await Promise.all(
        shares.map(async (share) => {
          const pacer = new Pacer((ratePerSecond * paceHeadroom) / instances);
          const deps = {
            clients: buildApp().clientStore(),
            suppression: new DynamoSuppressionList(process.env.SUPPRESSION_TABLE!),
            log: new DynamoOutreachLog(process.env.OUTREACH_TABLE!),
            messenger: new PacedMessenger(aws, { email: pacer, phone: pacer, whatsapp: pacer, viber: pacer }),
          };
          await eachLimited(share, inFlight, async (job) => {
            // A throttled job goes back to the queue in the cloud; here it is simply tried again.
            for (let attempt = 1; ; attempt++) {
              try {
                if ((await sendOutreach(job, settings, deps)).kind !== 'sent') failures++;
                return;
              } catch (error) {
                if (!(error instanceof ProviderThrottledError) || attempt === 5) throw error;
                throttled++;
              }
            }
          });
        }),
      );

      const sent = emulator.outbox();
      const ids = new Set(sent.map((message) => message.context?.outreachId));
      const duplicates = sent.length - ids.size;
      if (failures > 0 || sent.length !== jobs || duplicates !== 0) throw new Error(`${failures} not sent, ${sent.length} sent, ${duplicates} duplicates`);
      const times = sent.map((message) => Date.parse(message.sentAt)).sort((a, b) => a - b);
      const achieved = (jobs - 1) / ((times[times.length - 1]! - times[0]!) / 1000);
      let busiest = 0;
      for (let i = 0, j = 0; i < times.length; i++) {
        while (times[j]! <= times[i]! - 1000) j++;
        busiest = Math.max(busiest, i - j + 1);
      }
      return [
        {
          measure: `${jobs.toLocaleString('en')} requests by SMS, achieved rate`,
          subject: `${achieved.toFixed(1)}/s`,
          baseline: `${ratePerSecond}/s configured`,
          ratio: achieved / ratePerSecond,
          target: 0.95,
          note: `${instances} senders, ${inFlight} in flight each, paced at ${paceHeadroom * 100}% of the rate; duplicates ${duplicates}; throttled by the emulator ${throttled} times`,
        },
        {
          measure: 'busiest second against the rate',
          subject: `${busiest} in a second`,
          baseline: `${ratePerSecond} allowed`,
          ratio: ratePerSecond / busiest,
          target: 1,
        },
      ];
    } finally {
      await emulator.stop();
      await stack.stop();
    }
  },
};
