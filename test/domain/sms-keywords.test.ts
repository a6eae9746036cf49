import { describe, expect, it } from 'vitest';
import { smsHelpText, smsIntent } from '../../shared/domain/sms-keywords.ts';

describe('what an inbound SMS asks for', () => {
  it.each(['STOP', 'stop', ' Stop. ', 's t o p', 'Opt-Out', 'opt out', 'OPTOUT', 'unsubscribe!', 'ＳＴＯＰ', 'Arret', 'quit', 'END', 'cancel', 'remove', 'td', 'стоп', 'Стоп!', 'στοπ', 'Σταματήστε'])('"%s" opts out', (body) => {
    expect(smsIntent(body)).toBe('opt-out');
  });

  it.each(['help', ' HELP ', 'Help?', 'info'])('"%s" asks for help', (body) => {
    expect(smsIntent(body)).toBe('help');
  });

  it.each(['2', 'stop calling me so late, the wait is too long', 'too expensive', 'ακριβό', 'pls help me book'])('"%s" is an answer', (body) => {
    expect(smsIntent(body)).toBe('answer');
  });

  it('answers help in the client’s language, falling back to its base language and English', () => {
    expect(smsHelpText('el', 'Κλινική')).toMatch(/^Κλινική: ρωτήσαμε/);
    expect(smsHelpText('ru-RU', 'Clinic')).toMatch(/^Clinic: мы спросили/);
    expect(smsHelpText('xx', 'Clinic')).toMatch(/^Clinic: we asked/);
    expect(smsHelpText(undefined, 'Clinic\u202E')).toMatch(/^Clinic: /);
  });
});
