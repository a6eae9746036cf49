import { beforeEach, describe, expect, it } from 'vitest';
import { fromSesEvent, fromSmsVoiceEvent } from '../../../shared/outreach/delivery-events.ts';
import { outreachJobId, type OutreachJob } from '../../../shared/lapse/episode.ts';
import { recordDelivery } from '../../../shared/outreach/use-cases/record-delivery.ts';
import { InMemoryOutreachLog } from '../../fakes/outreach-log.ts';
import { InMemorySuppressionList } from '../../fakes/suppression-list.ts';

const job: OutreachJob = {
  jobId: outreachJobId('c-1', '2026-05-11', 1),
  clientId: 'c-1',
  episodeId: '2026-05-11',
  request: 1,
  requestedOn: '2026-05-11',
  channels: ['email'],
};
const ses = (eventType: string, extra: Record<string, unknown> = {}) =>
  fromSesEvent({ eventType, mail: { messageId: 'ses-9', timestamp: '2026-05-12T08:00:00.000Z' }, ...extra })!;

describe('delivery events', () => {
  let deps: { log: InMemoryOutreachLog; suppression: InMemorySuppressionList };
  beforeEach(async () => {
    deps = { log: new InMemoryOutreachLog(), suppression: new InMemorySuppressionList() };
    await deps.log.claim(job, 'email', 'en', new Date('2026-05-12T08:00:00Z'));
    await deps.log.sent(job.jobId, 'ses-9', new Date('2026-05-12T08:00:00Z'));
  });

  it('moves a request on from sent to delivered to clicked, found by the provider’s message id', async () => {
    expect(await recordDelivery(ses('Delivery', { delivery: { timestamp: '2026-05-12T08:00:05.000Z' } }), deps)).toBe('recorded');
    expect(await deps.log.get(job.jobId)).toMatchObject({ status: 'delivered', deliveryAt: '2026-05-12T08:00:05.000Z' });
    expect(await recordDelivery(ses('Click', { click: { timestamp: '2026-05-12T09:00:00.000Z' } }), deps)).toBe('recorded');
    expect((await deps.log.get(job.jobId))?.status).toBe('clicked');
  });

  it('keeps a complaint a complaint, and stops using the address on every channel decision', async () => {
    await recordDelivery(
      ses('Complaint', { complaint: { complainedRecipients: [{ emailAddress: 'c-1@example.com' }], timestamp: '2026-05-12T10:00:00.000Z' } }),
      deps,
    );
    expect(await recordDelivery(ses('Delivery', { delivery: { timestamp: '2026-05-12T10:05:00.000Z' } }), deps)).toBe('unchanged');
    expect((await deps.log.get(job.jobId))?.status).toBe('complained');
    expect(await deps.suppression.suppressed(['email:c-1@example.com'])).toEqual(new Set(['email:c-1@example.com']));
  });

  it('keeps why a text failed on the request, so an invalid number and an unreachable one can be told apart, with no number in the record', async () => {
    const text = (jobId: string) => ({ ...job, jobId, clientId: jobId, channels: ['sms' as const] });
    const receipt = (messageId: string, eventType: string, messageStatus: string) =>
      fromSmsVoiceEvent({
        eventType,
        messageStatus,
        messageStatusDescription: `Destination +306912345678 ${messageStatus.toLowerCase()}`,
        messageId,
        eventTimestamp: Date.parse('2026-05-12T08:01:00Z'),
        destinationPhoneNumber: '+306912345678',
      })!;
    for (const [jobId, messageId] of [
      ['sms-invalid', 'm-1'],
      ['sms-unreachable', 'm-2'],
    ] as const) {
      await deps.log.claim(text(jobId), 'sms', 'en', new Date('2026-05-12T08:00:00Z'));
      await deps.log.sent(jobId, messageId, new Date('2026-05-12T08:00:00Z'));
    }

    expect(await recordDelivery(receipt('m-1', 'TEXT_INVALID', 'INVALID'), deps)).toBe('recorded');
    expect(await recordDelivery(receipt('m-2', 'TEXT_CARRIER_UNREACHABLE', 'CARRIER_UNREACHABLE'), deps)).toBe('recorded');

    const invalid = await deps.log.get('sms-invalid');
    const unreachable = await deps.log.get('sms-unreachable');
    expect(invalid).toMatchObject({ status: 'failed', reason: 'invalid-number', reasonDetail: 'INVALID: Destination <phone> invalid' });
    expect(unreachable).toMatchObject({
      status: 'failed',
      reason: 'unreachable',
      reasonDetail: 'CARRIER_UNREACHABLE: Destination <phone> carrier_unreachable',
    });
    expect(JSON.stringify([invalid, unreachable])).not.toContain('6912345678');
  });

  it('keeps the kind of a bounce on the request', async () => {
    await recordDelivery(
      ses('Bounce', {
        bounce: {
          bounceType: 'Permanent',
          bounceSubType: 'NoEmail',
          bouncedRecipients: [{ emailAddress: 'c-1@example.com' }],
          timestamp: '2026-05-12T08:00:09.000Z',
        },
      }),
      deps,
    );
    expect(await deps.log.get(job.jobId)).toMatchObject({ status: 'bounced', reason: 'bounced', reasonDetail: 'Permanent/NoEmail' });
  });

  it('suppresses a hard-bounced address even for a message it does not know', async () => {
    const stranger = fromSesEvent({
      eventType: 'Bounce',
      mail: { messageId: 'ses-unknown' },
      bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: 'gone@example.com' }], timestamp: '2026-05-12T11:00:00.000Z' },
    })!;
    expect(await recordDelivery(stranger, deps)).toBe('unknown-message');
    expect(await deps.suppression.suppressed(['email:gone@example.com'])).toEqual(new Set(['email:gone@example.com']));
  });
});
