import { describe, expect, it } from 'vitest';
import { isDigestKey, longestTextKeyBytes, textKey } from '../../../shared/aws/dynamo-keys.ts';

describe('keys made from text', () => {
  it('keeps short text as its own key, as keys written before were', () => {
    expect(textKey('ακριβο')).toBe('ακριβο');
    expect(isDigestKey(textKey('ακριβο'))).toBe(false);
  });

  it.each([
    ['Greek', 'σ'.repeat(600)],
    ['Russian', 'ж'.repeat(600)],
    ['Georgian', 'ა'.repeat(400)],
    ['emoji', '😀'.repeat(200)],
    ['ASCII', 'a'.repeat(longestTextKeyBytes + 1)],
  ])(`makes %s text over ${longestTextKeyBytes} bytes a digest DynamoDB always takes`, (_, text) => {
    const key = textKey(text);
    expect(isDigestKey(key)).toBe(true);
    expect(Buffer.byteLength(key)).toBeLessThan(100);
    expect(textKey(text)).toBe(key);
  });

  it('never gives two texts one key, even text that looks like a digest', () => {
    const long = 'σ'.repeat(600);
    expect(textKey(`${long}x`)).not.toBe(textKey(long));
    expect(textKey(textKey(long))).not.toBe(textKey(long));
    expect(textKey('a'.repeat(longestTextKeyBytes))).toBe('a'.repeat(longestTextKeyBytes));
  });
});
