import { describe, expect, it } from 'vitest';
import { terminalSafe } from '../../../cli/output.ts';

describe('what the CLI prints', () => {
  it('shows control characters and bidi overrides as visible escapes, so stored text cannot drive the terminal', () => {
    expect(terminalSafe('Maria\x1b]0;owned\x07')).toBe('Maria\\x1b]0;owned\\x07');
    expect(terminalSafe('\x1b[2J\x1b[Hclear')).toBe('\\x1b[2J\\x1b[Hclear');
    expect(terminalSafe('over\rwrite\x00\x7f\x9b')).toBe('over\\x0dwrite\\x00\\x7f\\x9b');
    expect(terminalSafe('invoice\u202Efdp.exe\u2066')).toBe('invoice\\u202efdp.exe\\u2066');
  });

  it('leaves text in every script, newlines and tabs as they are', () => {
    const text = 'Νίκος\tНиколай ნიკო নিকো\nJosé 😀';
    expect(terminalSafe(text)).toBe(text);
  });
});
