import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendQueued } from '../../../cli/outreach-command.ts';
import { sendRecord } from '../../../functions/send-outreach/handler.ts';
import { deadLetterUrlOf, drainQueue } from '../../../infra/local/queue-drain.ts';
import { freePort, localSmsConfigurationSet, startLocalStack, type LocalStack } from '../../../infra/local/stack.ts';
import { outreachQueue } from '../../../infra/resources.ts';
import { sqsClient } from '../../../shared/aws/sqs-outreach-queue.ts';
import { buildApp } from '../../../shared/app.ts';
import type { OutreachJob } from '../../../shared/lapse/episode.ts';
import { nextSendTime } from '../../../shared/outreach/quiet-hours.ts';
import { ProviderThrottledError, type Messenger } from '../../../shared/outreach/ports/messenger.ts';
import { lapsedClient } from '../../support/lapsed-client.ts';
import { waitFor } from '../../support/wait-for.ts';

/** A zone where it is daytime now and for the next few minutes, so nothing waits for the morning. */
const daytimeZone = (): string => {
  const now = Date.now();
  const zones = ['UTC', 'Asia/Tokyo', 'America/Los_Angeles', 'Pacific/Kiritimati', 'Asia/Kolkata', 'America/Sao_Paulo'];
  return zones.find((zone) => nextSendTime(now, zone) === now && nextSendTime(now + 10 * 60_000, zone) === now + 10 * 60_000)!;
};

describe('outreach through the local queues, the emulators and back', () => {
  let stack: LocalStack;
  const sqs = () => sqsClient();
  const enqueue = (job: OutreachJob) => sqs().send(new SendMessageCommand({ QueueUrl: process.env.OUTREACH_QUEUE_URL, MessageBody: JSON.stringify(job) }));
  const emulator = () => `http://127.0.0.1:${stack.ports.smsvoice}`;

  beforeAll(async () => {
    stack = await startLocalStack({ inMemory: true, ports: { dynamodb: await freePort(), messaging: 0, email: 0, smsvoice: 0 } });
    Object.assign(process.env, {
      CLINIC_NAME: 'Harbour Clinic',
      REPLY_BASE_URL: 'https://reply.harbour.example/',
      REPLY_SECRET: 'integration-test-secret-0123456789abcdef',
      EMAIL_FROM: 'care@harbour.example',
      SMS_ORIGINATION_IDENTITY: '+18005550100',
      SMS_CONFIGURATION_SET: localSmsConfigurationSet,
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('sends a text once, and its delivery receipt comes back through SNS and the events queue onto the request', async () => {
    const job = await lapsedClient({ clientId: 'c-text', timeZone: daytimeZone(), phone: '+306912345601', consent: { email: false, sms: true, voice: false } });
    await enqueue(job);
    await enqueue(job);

    const report = await sendQueued();

    expect(report.sent).toEqual({ sms: 1 });
    expect(report.duplicates).toBe(1);
    expect(report.receipts.recorded).toBe(1);
    const { log } = buildApp().deliveryDependencies();
    expect(await log.get(job.jobId)).toMatchObject({ status: 'delivered', channel: 'sms' });
  });

  it('marks a text to a number that does not exist as failed and stops using the number', async () => {
    const phone = '+306912345602';
    await fetch(`${emulator()}/simulate`, { method: 'POST', body: JSON.stringify({ destination: phone, fate: 'invalid' }) });
    const job = await lapsedClient({ clientId: 'c-gone', timeZone: daytimeZone(), phone, consent: { email: false, sms: true, voice: false } });
    await enqueue(job);

    await sendQueued();

    const { log, suppression } = buildApp().deliveryDependencies();
    expect(await log.get(job.jobId)).toMatchObject({ status: 'failed' });
    expect([...(await suppression.suppressed([`phone:${phone}`]))]).toEqual([`phone:${phone}`]);
  });

  it('retries a throttled job, then keeps it in the dead-letter queue; moved back, it is sent once', async () => {
    const job = await lapsedClient({
      clientId: 'c-throttled',
      timeZone: daytimeZone(),
      phone: '+306912345603',
      consent: { email: false, sms: true, voice: false },
    });
    await enqueue(job);
    const sender = await buildApp().sender();
    const overloaded: Messenger = {
      sendEmail: async () => Promise.reject(new ProviderThrottledError('ThrottlingException')),
      sendText: async () => Promise.reject(new ProviderThrottledError('ThrottlingException')),
      placeCall: async () => Promise.reject(new ProviderThrottledError('ThrottlingException')),
      sendWhatsApp: async () => Promise.reject(new ProviderThrottledError('ThrottledRequestException')),
      sendViber: async () => Promise.reject(new ProviderThrottledError('Viber status 12 (tooManyRequests)')),
    };
    const throttled = { ...sender, deps: { ...sender.deps, messenger: overloaded } };
    const queueUrl = process.env.OUTREACH_QUEUE_URL!;
    const deadLetters = deadLetterUrlOf(queueUrl, outreachQueue);

    const deadLetterCount = async () => {
      const { Attributes } = await sqs().send(new GetQueueAttributesCommand({ QueueUrl: deadLetters, AttributeNames: ['ApproximateNumberOfMessages'] }));
      return Number(Attributes?.ApproximateNumberOfMessages);
    };

    // Drained whenever the job is back on the queue (a second after each refusal), until the
    // queue gives up on it.
    let attempts = 0;
    await waitFor(
      'the throttled job in the dead-letter queue',
      async () => {
        const { failed } = await drainQueue(sqs(), queueUrl, (record) => sendRecord(record, throttled), { retryAfterSeconds: 1 });
        attempts += failed;
        return (await deadLetterCount()) > 0;
      },
      { timeoutMs: 120_000, intervalMs: 250 },
    );

    expect(attempts).toBe(outreachQueue.maxReceiveCount);
    const { log } = buildApp().deliveryDependencies();
    expect(await log.get(job.jobId)).toMatchObject({ status: 'retry' });
    expect(await deadLetterCount()).toBe(1);
    const peek = await sqs().send(new ReceiveMessageCommand({ QueueUrl: deadLetters, VisibilityTimeout: 0 }));
    expect(JSON.parse(peek.Messages![0]!.Body!)).toEqual(job);

    const report = await sendQueued({ redrive: true });

    expect(report.redriven).toBe(1);
    expect(report.sent).toEqual({ sms: 1 });
    expect(await log.get(job.jobId)).toMatchObject({ status: 'delivered' });
    const texts = (await (await fetch(`${emulator()}/messages?channel=sms`)).json()) as { destination: string }[];
    expect(texts.filter((text) => text.destination === '+306912345603')).toHaveLength(1);
  }, 180_000);
});
