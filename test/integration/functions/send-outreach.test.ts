import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startLocalStack, type LocalStack } from '../../../infra/local/stack.ts';
import { buildApp } from '../../../shared/app.ts';
import { nextSendTime } from '../../../shared/outreach/quiet-hours.ts';
import { lapsedClient } from '../../support/lapsed-client.ts';

const record = (body: string, id: string): SQSRecord =>
  ({
    messageId: id,
    receiptHandle: id,
    body,
    attributes: {},
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:comeback-outreach',
    awsRegion: 'us-east-1',
  }) as SQSRecord;
const context = { functionName: 'send-outreach', awsRequestId: 'r-1', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

describe('the send-outreach function', () => {
  let stack: LocalStack;
  let handler: typeof import('../../../functions/send-outreach/handler.ts').handler;

  const lapsed = (clientId: string, timeZone: string) => lapsedClient({ clientId, timeZone });

  beforeAll(async () => {
    stack = await startLocalStack({ inMemory: true, ports: { dynamodb: await freePort(), messaging: 0, email: 0, smsvoice: 0 } });
    Object.assign(process.env, {
      CLINIC_NAME: 'Harbour Clinic',
      REPLY_BASE_URL: 'https://reply.harbour.example/',
      REPLY_SECRET: 'function-test-secret-0123456789abcdef',
      EMAIL_FROM: 'care@harbour.example',
      SMS_ORIGINATION_IDENTITY: '+18005550100',
    });
    ({ handler } = await import('../../../functions/send-outreach/handler.ts'));
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('sends what it can, reports only the bad record as failed, and puts a job due at night back on the queue', async () => {
    // A zone where it is daytime now, and one where it is night now (with a margin for the test's own run time).
    const zones = ['UTC', 'Asia/Tokyo', 'America/Los_Angeles', 'Pacific/Kiritimati', 'Asia/Kolkata', 'America/Sao_Paulo'];
    const now = Date.now();
    const soon = now + 5 * 60_000;
    const dayZone = zones.find((zone) => nextSendTime(now, zone) === now && nextSendTime(soon, zone) === soon)!;
    const nightZone = zones.find((zone) => nextSendTime(now, zone) > soon)!;
    const day = await lapsed('c-day', dayZone);
    const night = await lapsed('c-night', nightZone);
    const event: SQSEvent = { Records: [record(JSON.stringify(day), 'm-1'), record('{"jobId": 7}', 'm-2'), record(JSON.stringify(night), 'm-3')] };

    const response = await handler(event, context);

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-2' }] });
    const store = (await (await fetch(`${stack.environment.AWS_ENDPOINT_URL_SESV2}/store`)).json()) as { emails: { destination: { to: string[] } }[] };
    expect(store.emails.map((email) => email.destination.to[0])).toEqual(['c-day@example.com']);
    const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: stack.environment.OUTREACH_QUEUE_URL, AttributeNames: ['ApproximateNumberOfMessagesDelayed'] }),
    );
    expect(Number(Attributes?.ApproximateNumberOfMessagesDelayed)).toBe(1);
  });

  it('takes its email pace from SES’s own send rate, shared between the senders', async () => {
    process.env.SEND_CONCURRENCY = '2';
    process.env.SMS_MESSAGES_PER_SECOND = '3';
    try {
      const rates = await buildApp().sendRates();
      // Half of each rate, a little under (paceHeadroom) for network jitter.
      expect(rates.email).toBeCloseTo(7 * 0.98, 9);
      expect(rates.phone).toBeCloseTo(1.5 * 0.98, 9);
    } finally {
      delete process.env.SEND_CONCURRENCY;
      delete process.env.SMS_MESSAGES_PER_SECOND;
    }
  });
});
