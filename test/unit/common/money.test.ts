import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AmountError, formatMoney, isCurrency, minorDigits, parseAmount } from '../../../shared/common/money.ts';

describe('money in minor units', () => {
  it('reads amounts as the currency writes them, without floating point', () => {
    expect(parseAmount('45', 'EUR')).toEqual({ minor: 4500, currency: 'EUR' });
    expect(parseAmount('45.5', 'EUR')).toEqual({ minor: 4550, currency: 'EUR' });
    expect(parseAmount(' 0.10 ', 'USD')).toEqual({ minor: 10, currency: 'USD' });
    expect(parseAmount('1234.56', 'GEL').minor).toBe(123456);
    expect(parseAmount('0.30', 'EUR').minor - parseAmount('0.10', 'EUR').minor - parseAmount('0.20', 'EUR').minor).toBe(0);
  });

  it('knows how many decimals each currency has', () => {
    expect(minorDigits('EUR')).toBe(2);
    expect(minorDigits('JPY')).toBe(0);
    expect(minorDigits('KWD')).toBe(3);
    expect(parseAmount('1500', 'JPY').minor).toBe(1500);
    expect(parseAmount('1.234', 'KWD').minor).toBe(1234);
    // Trailing zeros beyond the currency's decimals are harmless.
    expect(parseAmount('12.500', 'EUR').minor).toBe(1250);
    expect(parseAmount('100.0', 'JPY').minor).toBe(100);
  });

  it('refuses what is not an amount, saying why', () => {
    const why = (text: string, currency = 'EUR') => {
      try {
        parseAmount(text, currency);
        return 'accepted';
      } catch (error) {
        expect(error).toBeInstanceOf(AmountError);
        return (error as Error).message;
      }
    };
    expect(why('-5')).toBe('must be zero or more');
    expect(why('12,50')).toMatch(/is not a number/);
    expect(why('abc')).toMatch(/is not a number/);
    expect(why('1e3')).toMatch(/is not a number/);
    expect(why('12.345')).toBe('has more than 2 decimals for EUR');
    expect(why('1.5', 'JPY')).toBe('has more than 0 decimals for JPY');
    expect(why('99999999999999999999')).toBe('is too large');
  });

  it('round-trips any whole number of cents through its decimal text', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000_000 }), (minor) => {
        const text = `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
        return parseAmount(text, 'EUR').minor === minor;
      }),
    );
  });

  it('knows ISO 4217 codes and formats for people', () => {
    expect(isCurrency('EUR')).toBe(true);
    expect(isCurrency('GEL')).toBe(true);
    expect(isCurrency('EURO')).toBe(false);
    expect(isCurrency('eur')).toBe(false);
    expect(formatMoney({ minor: 107_478_96, currency: 'EUR' })).toBe('€107,478.96');
    expect(formatMoney({ minor: 1500, currency: 'JPY' })).toBe('¥1,500');
  });
});
