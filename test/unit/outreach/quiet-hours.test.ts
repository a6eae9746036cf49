import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { localMinute, nextSendTime, parseSendWindow, SendWindowError } from '../../../shared/outreach/quiet-hours.ts';

const at = (iso: string): number => Date.parse(iso);
const iso = (millis: number): string => new Date(millis).toISOString();

describe('quiet hours in the client’s own time zone', () => {
  it('sends now inside the window', () => {
    // 14:00 in Athens (UTC+3 in summer).
    expect(iso(nextSendTime(at('2026-07-01T11:00:00Z'), 'Europe/Athens'))).toBe('2026-07-01T11:00:00.000Z');
  });

  it('delays a request due at night to 09:00 the next morning, local time', () => {
    // 22:30 in Athens → 09:00 Athens the next day = 06:00Z.
    expect(iso(nextSendTime(at('2026-07-01T19:30:00Z'), 'Europe/Athens'))).toBe('2026-07-02T06:00:00.000Z');
    // 20:00 exactly is already quiet.
    expect(iso(nextSendTime(at('2026-07-01T17:00:00Z'), 'Europe/Athens'))).toBe('2026-07-02T06:00:00.000Z');
  });

  it('delays a request due before dawn to 09:00 the same day', () => {
    // 03:00 in Athens in winter (UTC+2) → 09:00 = 07:00Z.
    expect(iso(nextSendTime(at('2026-01-15T01:00:00Z'), 'Europe/Athens'))).toBe('2026-01-15T07:00:00.000Z');
  });

  it('is correct across the autumn DST change', () => {
    // Athens falls back on 2026-10-25 at 04:00 → 03:00. 21:00 on the 24th (UTC+3) → 09:00 on the 25th (UTC+2).
    expect(iso(nextSendTime(at('2026-10-24T18:00:00Z'), 'Europe/Athens'))).toBe('2026-10-25T07:00:00.000Z');
  });

  it('is correct across the spring DST change', () => {
    // New York springs forward on 2026-03-08. 23:00 EST on the 7th → 09:00 EDT on the 8th = 13:00Z.
    expect(iso(nextSendTime(at('2026-03-08T04:00:00Z'), 'America/New_York'))).toBe('2026-03-08T13:00:00.000Z');
  });

  it('gives one instant different answers on either side of the date line', () => {
    const now = at('2026-07-01T20:00:00Z');
    // Kiritimati (UTC+14): 10:00 on 2 July, inside. Pago Pago (UTC-11): 09:00 on 1 July, inside. Tokyo (UTC+9): 05:00, wait until 09:00.
    expect(nextSendTime(now, 'Pacific/Kiritimati')).toBe(now);
    expect(nextSendTime(now, 'Pacific/Pago_Pago')).toBe(now);
    expect(iso(nextSendTime(now, 'Asia/Tokyo'))).toBe('2026-07-02T00:00:00.000Z');
  });

  it('honours a configured window', () => {
    const window = parseSendWindow('10:30-18:00');
    expect(iso(nextSendTime(at('2026-07-01T06:00:00Z'), 'Europe/London', window))).toBe('2026-07-01T09:30:00.000Z');
  });

  it('always answers a moment inside the window, no earlier than now and within a day', () => {
    const zones = [
      'Europe/Athens',
      'America/New_York',
      'Asia/Kolkata',
      'Australia/Lord_Howe',
      'Pacific/Chatham',
      'Asia/Tbilisi',
      'Asia/Phnom_Penh',
      'Asia/Manila',
    ];
    fc.assert(
      fc.property(fc.integer({ min: at('2025-01-01T00:00:00Z'), max: at('2028-01-01T00:00:00Z') }), fc.constantFrom(...zones), (now, zone) => {
        const send = nextSendTime(now, zone);
        const minute = localMinute(send, zone);
        return send >= now && send - now <= 25 * 3_600_000 && minute >= 9 * 60 && minute < 20 * 60;
      }),
    );
  });

  it('refuses a window that is not one', () => {
    for (const text of ['9-20', '20:00-09:00', '09:00-09:00', '09:00-24:00', '09:00-20:00-21:00', '']) {
      expect(() => parseSendWindow(text), text).toThrow(SendWindowError);
    }
    expect(parseSendWindow(' 08:15 - 21:45 ')).toEqual({ startMinute: 495, endMinute: 1305 });
  });
});
