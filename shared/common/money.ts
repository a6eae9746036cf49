import { AppError } from './app-error.ts';
/** Amounts are kept in the currency's minor unit (cents) as integers, never as floats. */
export interface Money {
  readonly minor: number;
  readonly currency: string;
}

const knownCurrencies = new Set(Intl.supportedValuesOf('currency'));

export const isCurrency = (code: string): boolean => knownCurrencies.has(code);

/** Digits after the decimal point: 2 for EUR, 0 for JPY, 3 for KWD. */
export const minorDigits = (currency: string): number =>
  new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;

export class AmountError extends AppError {
  override readonly name = 'AmountError';
  readonly kind = 'invalid';
}

/**
 * Parses a decimal amount as written in an export ("45", "45.5", "1234.56") into minor units
 * without going through floating point, so 0.1 + 0.2 problems never reach a report.
 */
export const parseAmount = (text: string, currency: string): Money => {
  const trimmed = text.trim();
  const match = /^(\d+)(?:\.(\d+))?$/.exec(trimmed);
  if (!match) {
    if (/^-/.test(trimmed)) throw new AmountError('must be zero or more');
    throw new AmountError(`"${text}" is not a number (use digits and a dot, e.g. 45.50)`);
  }
  const digits = minorDigits(currency);
  const whole = match[1] ?? '0';
  const fraction = match[2] ?? '';
  if (fraction.length > digits && /[1-9]/.test(fraction.slice(digits))) {
    throw new AmountError(`has more than ${digits} decimals for ${currency}`);
  }
  const minor = Number(whole + fraction.slice(0, digits).padEnd(digits, '0'));
  if (!Number.isSafeInteger(minor)) throw new AmountError('is too large');
  return { minor, currency };
};

export const formatMoney = (money: Money, locale = 'en'): string =>
  new Intl.NumberFormat(locale, { style: 'currency', currency: money.currency }).format(money.minor / 10 ** minorDigits(money.currency));
