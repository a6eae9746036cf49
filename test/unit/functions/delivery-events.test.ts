import type { EventBridgeEvent } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { deliveryEventsOf, deliveryRecord, MalformedEventError } from '../../../functions/delivery-events/handler.ts';

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
      detail: {
        eventType: 'Bounce',
        mail: { messageId: 'ses-1', tags: { outreachId: ['job-1'] } },
        bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: 'gone@example.com' }], timestamp: '2026-05-12T08:00:00Z' },
      },
    } as unknown as EventBridgeEvent<string, never>;
    expect(deliveryEventsOf(event)).toEqual([
      {
        providerMessageId: 'ses-1',
        outreachId: 'job-1',
        outcome: 'bounced',
        at: '2026-05-12T08:00:00Z',
        suppress: { key: 'email:gone@example.com', reason: 'bounce' },
        failure: { code: 'bounced', detail: 'Permanent' },
      },
    ]);
  });

  it('records SMS and voice events from the queue, skipping in-between states, and refuses what is not an event', async () => {
    const recorded: [string, string][] = [];
    const suppressed: string[] = [];
    const deps = {
      log: { byProviderMessage: async () => undefined, delivery: async (outreachId: string, outcome: string) => recorded.push([outreachId, outcome]) > 0 },
      suppression: { add: async (entry: { key: string }) => void suppressed.push(entry.key) },
    } as unknown as Parameters<typeof deliveryRecord>[1];
    const body = (eventType: string) =>
      JSON.stringify({
        eventType,
        eventVersion: '1.0',
        eventTimestamp: 1_778_572_800_000,
        messageId: `m-${eventType}`,
        destinationPhoneNumber: '+306912345678',
        context: { outreachId: `job-${eventType}` },
      });

    expect(await deliveryRecord({ body: body('TEXT_DELIVERED') }, deps)).toEqual(['recorded']);
    expect(await deliveryRecord({ body: body('TEXT_QUEUED') }, deps)).toEqual([]);
    expect(await deliveryRecord({ body: body('TEXT_INVALID') }, deps)).toEqual(['recorded']);
    await expect(deliveryRecord({ body: 'not json' }, deps)).rejects.toBeInstanceOf(MalformedEventError);
    await expect(deliveryRecord({ body: '{"Type":"Notification"}' }, deps)).rejects.toBeInstanceOf(MalformedEventError);

    expect(recorded).toEqual([
      ['job-TEXT_DELIVERED', 'delivered'],
      ['job-TEXT_INVALID', 'failed'],
    ]);
    expect(suppressed).toEqual(['phone:+306912345678']);
  });

  it('logs why a text failed by its code, and never the number', async () => {
    const deps = {
      log: { byProviderMessage: async () => undefined, delivery: async () => true },
      suppression: { add: async () => undefined },
    } as unknown as Parameters<typeof deliveryRecord>[1];
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => lines.push(String(chunk)) > 0);
    try {
      const body = JSON.stringify({
        eventType: 'TEXT_CARRIER_UNREACHABLE',
        messageId: 'm-unreachable',
        messageStatus: 'CARRIER_UNREACHABLE',
        messageStatusDescription: 'Could not reach +306912345678',
        destinationPhoneNumber: '+306912345678',
        context: { outreachId: 'job-x' },
      });
      await deliveryRecord({ body }, deps);
    } finally {
      write.mockRestore();
    }
    const logged = lines.join('');
    expect(logged).toContain('"failureReason":"unreachable"');
    expect(logged).not.toContain('6912345678');
  });

  it('ignores events of other sources', () => {
    expect(deliveryEventsOf({ source: 'aws.s3', detail: {} } as unknown as EventBridgeEvent<string, never>)).toEqual([]);
  });
});
