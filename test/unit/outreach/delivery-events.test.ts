import { describe, expect, it } from 'vitest';
import { fromSesEvent, fromSmsVoiceEvent, replaceableBy } from '../../../shared/outreach/delivery-events.ts';

const mail = { messageId: 'ses-1', timestamp: '2026-05-12T08:00:00.000Z', tags: { outreachId: ['job-1'] } };

describe('what providers say after a send', () => {
  it('reads SES deliveries, clicks, bounces and complaints, with the outreach id from the tag', () => {
    expect(fromSesEvent({ eventType: 'Delivery', mail, delivery: { timestamp: '2026-05-12T08:00:02.000Z' } })).toEqual({
      providerMessageId: 'ses-1',
      outreachId: 'job-1',
      outcome: 'delivered',
      at: '2026-05-12T08:00:02.000Z',
    });
    expect(fromSesEvent({ eventType: 'Click', mail, click: { timestamp: 't' } })?.outcome).toBe('clicked');
    expect(
      fromSesEvent({
        eventType: 'Bounce',
        mail,
        bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: 'Gone@Example.com' }], timestamp: 't' },
      }),
    ).toMatchObject({
      outcome: 'bounced',
      suppress: { key: 'email:gone@example.com', reason: 'bounce' },
    });
    expect(fromSesEvent({ eventType: 'Complaint', mail, complaint: { complainedRecipients: [{ emailAddress: 'angry@example.com' }] } })).toMatchObject({
      outcome: 'complained',
      suppress: { key: 'email:angry@example.com', reason: 'complaint' },
    });
  });

  it('does not suppress an address for a transient bounce, and ignores events that change nothing', () => {
    const transient = fromSesEvent({
      eventType: 'Bounce',
      mail,
      bounce: { bounceType: 'Transient', bouncedRecipients: [{ emailAddress: 'full@example.com' }] },
    });
    expect(transient).toMatchObject({ outcome: 'failed' });
    expect(transient?.suppress).toBeUndefined();
    expect(fromSesEvent({ eventType: 'Send', mail })).toBeUndefined();
    expect(fromSesEvent({ eventType: 'Open', mail })).toBeUndefined();
    expect(fromSesEvent({ eventType: 'Delivery' })).toBeUndefined();
  });

  it('reads End User Messaging SMS and voice events, with the outreach id from the context', () => {
    const sms = { messageId: 'sms-1', eventTimestamp: 1_778_572_800_000, destinationPhoneNumber: '+306912345678', context: { outreachId: 'job-2' } };
    expect(fromSmsVoiceEvent({ ...sms, eventType: 'TEXT_DELIVERED' })).toEqual({
      providerMessageId: 'sms-1',
      outreachId: 'job-2',
      outcome: 'delivered',
      at: new Date(1_778_572_800_000).toISOString(),
    });
    expect(fromSmsVoiceEvent({ ...sms, eventType: 'TEXT_SUCCESSFUL' })?.outcome).toBe('delivered');
    expect(fromSmsVoiceEvent({ ...sms, eventType: 'VOICE_NO_ANSWER' })).toMatchObject({ outcome: 'failed' });
    expect(fromSmsVoiceEvent({ ...sms, eventType: 'TEXT_INVALID' })).toMatchObject({
      outcome: 'failed',
      suppress: { key: 'phone:+306912345678', reason: 'bounce' },
    });
    expect(fromSmsVoiceEvent({ ...sms, eventType: 'TEXT_QUEUED' })).toBeUndefined();
    expect(fromSmsVoiceEvent({ ...sms, eventType: 'VOICE_RINGING' })).toBeUndefined();
  });

  it('keeps the provider’s reason for a failed text or call, telling an invalid number from an unreachable one, without the number', () => {
    const event = (eventType: string, messageStatus: string, messageStatusDescription = `Message to +306912345678 failed`) =>
      fromSmsVoiceEvent({
        eventType,
        messageStatus,
        messageStatusDescription,
        messageId: 'sms-3',
        eventTimestamp: 1_778_572_800_000,
        destinationPhoneNumber: '+306912345678',
      });

    expect(event('TEXT_INVALID', 'INVALID')?.failure).toEqual({ code: 'invalid-number', detail: 'INVALID: Message to <phone> failed' });
    expect(event('TEXT_CARRIER_UNREACHABLE', 'CARRIER_UNREACHABLE')?.failure?.code).toBe('unreachable');
    expect(event('TEXT_UNREACHABLE', 'UNREACHABLE')?.failure?.code).toBe('unreachable');
    expect(event('TEXT_BLOCKED', 'BLOCKED')?.failure?.code).toBe('blocked');
    expect(event('TEXT_CARRIER_BLOCKED', 'CARRIER_BLOCKED')?.failure?.code).toBe('carrier-blocked');
    expect(event('TEXT_SPAM', 'SPAM')?.failure?.code).toBe('spam');
    expect(event('TEXT_INVALID_MESSAGE', 'INVALID_MESSAGE')?.failure?.code).toBe('invalid-message');
    expect(event('TEXT_TTL_EXPIRED', 'TTL_EXPIRED')?.failure?.code).toBe('ttl-expired');
    expect(event('TEXT_UNKNOWN', 'UNKNOWN')?.failure?.code).toBe('unknown');
    expect(event('TEXT_OPTED_OUT', 'OPTED_OUT')).toMatchObject({ outcome: 'failed', failure: { code: 'opted-out' }, suppress: { reason: 'opt-out' } });
    expect(event('VOICE_NO_ANSWER', 'NO_ANSWER')?.failure?.code).toBe('no-answer');
    expect(event('VOICE_BUSY', 'BUSY')?.failure?.code).toBe('busy');
    expect(event('VOICE_FAILED', 'FAILED')?.failure?.code).toBe('call-failed');
    expect(event('VOICE_TTL_EXPIRED', 'TTL_EXPIRED')?.failure?.code).toBe('ttl-expired');
    expect(event('TEXT_DELIVERED', 'DELIVERED')?.failure).toBeUndefined();
    expect(JSON.stringify(event('TEXT_INVALID', 'INVALID')?.failure)).not.toContain('6912345678');
  });

  it('keeps the kind of an SES bounce and a reject, without the address', () => {
    const bounce = (bounceType: string, bounceSubType: string) =>
      fromSesEvent({
        eventType: 'Bounce',
        mail,
        bounce: { bounceType, bounceSubType, bouncedRecipients: [{ emailAddress: 'gone@example.com' }], timestamp: 't' },
      });
    expect(bounce('Permanent', 'NoEmail')?.failure).toEqual({ code: 'bounced', detail: 'Permanent/NoEmail' });
    expect(bounce('Transient', 'MailboxFull')?.failure).toEqual({ code: 'soft-bounced', detail: 'Transient/MailboxFull' });
    expect(bounce('Undetermined', 'Undetermined')?.failure?.code).toBe('soft-bounced');
    expect(fromSesEvent({ eventType: 'Reject', mail, reject: { reason: 'Bad content' } })).toMatchObject({
      outcome: 'failed',
      failure: { code: 'rejected', detail: 'Bad content' },
    });
    expect(fromSesEvent({ eventType: 'Delivery', mail, delivery: { timestamp: 't' } })?.failure).toBeUndefined();
  });

  it('never lets later news overwrite worse news', () => {
    expect(replaceableBy('delivered')).toEqual(expect.arrayContaining(['sending', 'sent']));
    expect(replaceableBy('delivered')).not.toContain('bounced');
    expect(replaceableBy('complained')).toEqual(expect.arrayContaining(['sent', 'delivered', 'clicked', 'bounced', 'failed']));
    expect(replaceableBy('clicked')).toContain('delivered');
    expect(replaceableBy('clicked')).not.toContain('complained');
    expect(replaceableBy('delivered')).not.toContain('skipped');
  });
});
