import { describe, expect, it } from 'vitest';
import { addDays, dayInZone, isIsoDay, isRealDate, isTimeZone, zonedTimeToUtc, zoneOffsetMinutes } from '../../../shared/common/dates.ts';
import { parseIsoVisitTime, visitTimeParser, VisitTimeError } from '../../../shared/visits/visit-time.ts';

describe('calendar days and time zones', () => {
  it('knows real days from impossible ones', () => {
    expect(isIsoDay('2024-02-29')).toBe(true);
    expect(isIsoDay('2025-02-29')).toBe(false);
    expect(isIsoDay('2026-04-31')).toBe(false);
    expect(isIsoDay('2026-4-1')).toBe(false);
    expect(isIsoDay('2026-13-01')).toBe(false);
    expect(isRealDate(2000, 2, 29)).toBe(true);
    expect(isRealDate(1900, 2, 29)).toBe(false);
  });

  it('adds days across months, years and leap days', () => {
    expect(addDays('2026-01-31', 1)).toBe('2026-02-01');
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2026-03-29', 0)).toBe('2026-03-29');
  });

  it('tells the day of an instant in a zone, on either side of the date line', () => {
    const instant = Date.parse('2026-07-01T22:30:00Z');
    expect(dayInZone(instant, 'UTC')).toBe('2026-07-01');
    expect(dayInZone(instant, 'Europe/Athens')).toBe('2026-07-02');
    expect(dayInZone(instant, 'Pacific/Pago_Pago')).toBe('2026-07-01');
    expect(dayInZone(instant, 'Pacific/Kiritimati')).toBe('2026-07-02');
  });

  it('follows daylight saving', () => {
    expect(zoneOffsetMinutes('Europe/Athens', Date.parse('2026-01-15T12:00:00Z'))).toBe(120);
    expect(zoneOffsetMinutes('Europe/Athens', Date.parse('2026-07-15T12:00:00Z'))).toBe(180);
    expect(zoneOffsetMinutes('Asia/Kolkata', Date.parse('2026-07-15T12:00:00Z'))).toBe(330);
    // 09:00 in Athens is 07:00Z in winter and 06:00Z in summer.
    expect(new Date(zonedTimeToUtc({ year: 2026, month: 1, day: 15, hour: 9, minute: 0, second: 0 }, 'Europe/Athens')).toISOString()).toBe(
      '2026-01-15T07:00:00.000Z',
    );
    expect(new Date(zonedTimeToUtc({ year: 2026, month: 7, day: 15, hour: 9, minute: 0, second: 0 }, 'Europe/Athens')).toISOString()).toBe(
      '2026-07-15T06:00:00.000Z',
    );
  });

  it('knows IANA zones', () => {
    expect(isTimeZone('Europe/Athens')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Asia/Tbilisi')).toBe(true);
    expect(isTimeZone('Europe/Atlantis')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });
});

describe('when a visit happened', () => {
  it('reads an ISO date as that calendar day', () => {
    expect(parseIsoVisitTime('2026-03-05')).toEqual({ visitedAt: '2026-03-05T00:00:00.000Z', day: '2026-03-05', dateOnly: true });
  });

  it('keeps the clinic’s own day for a date-time with an offset, and the exact instant', () => {
    // 00:30 in Athens is still the previous day in UTC: the visit belongs to the 5th.
    expect(parseIsoVisitTime('2026-03-05T00:30:00+02:00')).toEqual({ visitedAt: '2026-03-04T22:30:00.000Z', day: '2026-03-05' });
    expect(parseIsoVisitTime('2026-03-05T10:30:00.250Z')).toEqual({ visitedAt: '2026-03-05T10:30:00.250Z', day: '2026-03-05' });
    expect(parseIsoVisitTime('2026-03-05 10:30-0500').visitedAt).toBe('2026-03-05T15:30:00.000Z');
  });

  it('refuses a time without an offset, impossible dates and times, naming the problem', () => {
    expect(() => parseIsoVisitTime('2026-03-05T10:30:00')).toThrow(/no offset/);
    expect(() => parseIsoVisitTime('2026-02-30')).toThrow(/not a real calendar date/);
    expect(() => parseIsoVisitTime('2026-03-05T24:10:00Z')).toThrow(/impossible time/);
    expect(() => parseIsoVisitTime('2026-03-05T10:00:00+15:00')).toThrow(/impossible offset/);
    expect(() => parseIsoVisitTime('05/03/2026')).toThrow(VisitTimeError);
  });

  it('reads another system’s pattern, with times as wall clock in the clinic’s zone', () => {
    expect(visitTimeParser('yyyyMMdd', 'UTC')('19970101')).toEqual({ visitedAt: '1997-01-01T00:00:00.000Z', day: '1997-01-01', dateOnly: true });
    expect(visitTimeParser('dd.MM.yyyy', 'UTC')('05.03.2026').day).toBe('2026-03-05');
    expect(visitTimeParser('dd/MM/yyyy HH:mm', 'Europe/Athens')('05/07/2026 09:15')).toEqual({ visitedAt: '2026-07-05T06:15:00.000Z', day: '2026-07-05' });
    expect(() => visitTimeParser('yyyyMMdd', 'UTC')('19970230')).toThrow(/not a real calendar date/);
    expect(() => visitTimeParser('yyyyMMdd', 'UTC')('1997-01-01')).toThrow(/does not match the date format yyyyMMdd/);
    expect(() => visitTimeParser('MM/yyyy', 'UTC')).toThrow(/needs yyyy, MM and dd/);
  });
});
