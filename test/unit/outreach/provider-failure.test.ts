import { describe, expect, it } from 'vitest';
import { failureReasons, providerFailure, redactContacts, smsVoiceFailureCode } from '../../../shared/outreach/provider-failure.ts';

describe('a provider’s reason, kept without contacts', () => {
  it.each([
    [
      'ConflictException (DESTINATION_PHONE_NUMBER_OPTED_OUT): +306912345678 has opted out',
      'ConflictException (DESTINATION_PHONE_NUMBER_OPTED_OUT): <phone> has opted out',
    ],
    ['DestinationPhoneNumber +30 691 234 5678 is not an E.164 number', 'DestinationPhoneNumber <phone> is not an E.164 number'],
    ['call (555) 123-4567 or 0030-6912345678', 'call <phone> or <phone>'],
    ['MessageRejected: Email address is not verified: Maria.Pappa+clinic@Example.co.uk', 'MessageRejected: Email address is not verified: <email>'],
    ['smtp; 550 5.1.1 <gone@example.com>: user unknown', 'smtp; 550 5.1.1 <<email>>: user unknown'],
    ['CARRIER_UNREACHABLE: Simulated unreachable', 'CARRIER_UNREACHABLE: Simulated unreachable'],
    ['queued 2026-05-12, 3 parts', 'queued 2026-05-12, 3 parts'],
    ['line\u0000break\u202e\nhere', 'line break here'],
  ])('%j becomes %j', (text, expected) => {
    expect(redactContacts(text)).toBe(expected);
  });

  it('keeps at most 300 characters, and no detail when the provider said nothing', () => {
    expect(redactContacts('x'.repeat(1000))).toHaveLength(300);
    expect(providerFailure('busy')).toEqual({ code: 'busy' });
    expect(providerFailure('busy', '  ')).toEqual({ code: 'busy' });
    expect(providerFailure('opted-out', '+306912345678 has opted out')).toEqual({ code: 'opted-out', detail: '<phone> has opted out' });
  });

  it('tells an invalid number from an unreachable one, by event type or by message status', () => {
    expect(smsVoiceFailureCode('TEXT_INVALID')).toBe('invalid-number');
    expect(smsVoiceFailureCode('TEXT_CARRIER_UNREACHABLE', 'CARRIER_UNREACHABLE')).toBe('unreachable');
    expect(smsVoiceFailureCode('TEXT_UNREACHABLE', 'UNREACHABLE')).toBe('unreachable');
    expect(smsVoiceFailureCode('TEXT_CARRIER_BLOCKED', 'CARRIER_BLOCKED')).toBe('carrier-blocked');
    expect(smsVoiceFailureCode('TEXT_SPAM', 'SPAM')).toBe('spam');
    expect(smsVoiceFailureCode('VOICE_FAILED', 'FAILED')).toBe('call-failed');
    expect(smsVoiceFailureCode('VOICE_FAILED', 'INVALID')).toBe('invalid-number');
    expect(smsVoiceFailureCode('TEXT_UNKNOWN', 'UNKNOWN')).toBe('unknown');
    expect(new Set(failureReasons).size).toBe(failureReasons.length);
  });
});
