import { describe, expect, it } from 'vitest';
import { fromSesEvent, fromSmsVoiceEvent, replaceableBy } from '../../shared/domain/delivery-events.ts';

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
    expect(fromSesEvent({ eventType: 'Bounce', mail, bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: 'Gone@Example.com' }], timestamp: 't' } })).toMatchObject({
      outcome: 'bounced',
      suppress: { key: 'email:gone@example.com', reason: 'bounce' },
    });
    expect(fromSesEvent({ eventType: 'Complaint', mail, complaint: { complainedRecipients: [{ emailAddress: 'angry@example.com' }] } })).toMatchObject({
      outcome: 'complained',
      suppress: { key: 'email:angry@example.com', reason: 'complaint' },
    });
  });

  it('does not suppress an address for a transient bounce, and ignores events that change nothing', () => {
    const transient = fromSesEvent({ eventType: 'Bounce', mail, bounce: { bounceType: 'Transient', bouncedRecipients: [{ emailAddress: 'full@example.com' }] } });
    expect(transient).toMatchObject({ outcome: 'failed' });
    expect(transient?.suppress).toBeUndefined();
    expect(fromSesEvent({ eventType: 'Send', mail })).toBeUndefined();
    expect(fromSesEvent({ eventType: 'Open', mail })).toBeUndefined();
    expect(fromSesEvent({ eventType: 'Delivery' })).toBeUndefined();
  });

  it('reads End User Messaging SMS and voice events, with the outreach id from the context', () => {
    const sms = { messageId: 'sms-1', eventTimestamp: 1_778_572_800_000, destinationPhoneNumber: '+306912345678', context: { outreachId: 'job-2' } };
    expect(fromSmsVoiceEvent({ ...sms, eventType: 'TEXT_DELIVERED' })).toEqual({ providerMessageId: 'sms-1', outreachId: 'job-2', outcome: 'delivered', at: new Date(1_778_572_800_000).toISOString() });
    expect(fromSmsVoiceEvent({ ...sms, eventType: 'TEXT_SUCCESSFUL' })?.outcome).toBe('delivered');
    expect(fromSmsVoiceEvent({ ...sms, eventType: 'VOICE_NO_ANSWER' })).toMatchObject({ outcome: 'failed' });
    expect(fromSmsVoiceEvent({ ...sms, eventType: 'TEXT_INVALID' })).toMatchObject({ outcome: 'failed', suppress: { key: 'phone:+306912345678', reason: 'bounce' } });
    expect(fromSmsVoiceEvent({ ...sms, eventType: 'TEXT_QUEUED' })).toBeUndefined();
    expect(fromSmsVoiceEvent({ ...sms, eventType: 'VOICE_RINGING' })).toBeUndefined();
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
