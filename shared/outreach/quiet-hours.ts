import { addDays, dayInZone, zonedTimeToUtc, zoneOffsetMinutes } from '../common/dates.ts';
import { AppError } from '../common/app-error.ts';

/** When a client may be contacted, in their own time zone: [start, end) in minutes after local midnight. */
export interface SendWindow {
  readonly startMinute: number;
  readonly endMinute: number;
}

export const defaultSendWindow: SendWindow = { startMinute: 9 * 60, endMinute: 20 * 60 };

export class SendWindowError extends AppError {
  override readonly name = 'SendWindowError';
  readonly kind = 'invalid';
}

const clock = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** "09:00-20:00" as a window; the end must come after the start (no windows across midnight). */
export const parseSendWindow = (text: string): SendWindow => {
  const [from, to, ...rest] = text.split('-').map((part) => part.trim());
  const start = clock.exec(from ?? '');
  const end = clock.exec(to ?? '');
  if (!start || !end || rest.length > 0) throw new SendWindowError(`"${text}" is not a send window like 09:00-20:00`);
  const window = { startMinute: Number(start[1]) * 60 + Number(start[2]), endMinute: Number(end[1]) * 60 + Number(end[2]) };
  if (window.endMinute <= window.startMinute) throw new SendWindowError(`"${text}": the window must end after it starts, on the same day`);
  return window;
};

/** Minutes after local midnight of an instant in a time zone. */
export const localMinute = (utcMillis: number, timeZone: string): number => {
  const local = utcMillis + zoneOffsetMinutes(timeZone, utcMillis) * 60_000;
  return Math.floor((((local % 86_400_000) + 86_400_000) % 86_400_000) / 60_000);
};

const startOn = (day: string, window: SendWindow, timeZone: string): number => {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return zonedTimeToUtc({ year, month, day: date, hour: Math.floor(window.startMinute / 60), minute: window.startMinute % 60, second: 0 }, timeZone);
};

/**
 * The earliest instant at or after `utcMillis` that falls inside the client's send window in
 * their own time zone: now if it already does, else the window's next opening (later today,
 * or tomorrow), DST-correct. A request due at night is delayed, never dropped.
 */
export const nextSendTime = (utcMillis: number, timeZone: string, window: SendWindow = defaultSendWindow): number => {
  const minute = localMinute(utcMillis, timeZone);
  if (minute >= window.startMinute && minute < window.endMinute) return utcMillis;
  const today = dayInZone(utcMillis, timeZone);
  const opening = minute < window.startMinute ? startOn(today, window, timeZone) : startOn(addDays(today, 1), window, timeZone);
  // A wall-clock time that a DST change skips resolves past it; never earlier than now.
  return Math.max(opening, utcMillis);
};
