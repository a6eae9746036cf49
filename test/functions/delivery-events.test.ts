import type { EventBridgeEvent, SNSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { deliveryEventsOf } from '../../functions/delivery-events/handler.ts';

describe('the delivery-events function’s input', () => {
  it('reads an SES event as EventBridge delivers it', () => {
    const event = {
      version: '0',
      id: 'e-1',
      source: 'aws.ses',
      'detail-type': 'Email Bounced',
      account: '123456789012',
      time: '2026-05-12T08:00:00Z',
      region: 'eu-west-1',
      resources: [],
      detail: { eventType: 'Bounce', mail: { messageId: 'ses-1', tags: { outreachId: ['job-1'] } }, bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: 'gone@example.com' }], timestamp: '2026-05-12T08:00:00Z' } },
    } as unknown as EventBridgeEvent<string, never>;
    expect(deliveryEventsOf(event)).toEqual([
      { providerMessageId: 'ses-1', outreachId: 'job-1', outcome: 'bounced', at: '2026-05-12T08:00:00Z', suppress: { key: 'email:gone@example.com', reason: 'bounce' } },
    ]);
  });

  it('reads SMS and voice events as SNS delivers them, skipping in-between states', () => {
    const message = (eventType: string) => JSON.stringify({ eventType, eventVersion: '1.0', eventTimestamp: 1_778_572_800_000, messageId: `m-${eventType}`, destinationPhoneNumber: '+306912345678', context: { outreachId: 'job-2' } });
    const event = { Records: ['TEXT_DELIVERED', 'TEXT_QUEUED', 'VOICE_NO_ANSWER'].map((type) => ({ EventSource: 'aws:sns', Sns: { Message: message(type) } })) } as unknown as SNSEvent;
    expect(deliveryEventsOf(event).map((e) => [e.providerMessageId, e.outcome])).toEqual([
      ['m-TEXT_DELIVERED', 'delivered'],
      ['m-VOICE_NO_ANSWER', 'failed'],
    ]);
  });

  it('ignores events of other sources', () => {
    expect(deliveryEventsOf({ source: 'aws.s3', detail: {} } as unknown as EventBridgeEvent<string, never>)).toEqual([]);
  });
});
