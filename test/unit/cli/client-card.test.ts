import { describe, expect, it } from 'vitest';
import { renderClientCard } from '../../../cli/client-command.ts';
import { longestAnswerText, type Answer } from '../../../shared/answers/answer.ts';
import { addVisits } from '../../../shared/visits/summary.ts';
import type { Visit } from '../../../shared/visits/visit.ts';

describe('the client card in the terminal', () => {
  const visits: Visit[] = [
    { visitId: 'v-1', clientId: 'c-1', visitedAt: '2026-01-10T09:00:00.000Z', day: '2026-01-10', amount: { minor: 5000, currency: 'EUR' } },
  ];
  const client = {
    profile: { clientId: 'c-1', name: 'Μαρία', locale: 'el', timeZone: 'Europe/Athens', consent: { email: true, sms: true, voice: false } },
    summary: addVisits(undefined, visits),
    version: 1,
  };
  const answer: Answer = {
    clientId: 'c-1',
    answerId: 'sms#1',
    channel: 'sms',
    receivedAt: '2026-05-12T10:00:00.000Z',
    confidence: 0,
    method: 'none',
    callMe: false,
    book: false,
    catalogueVersion: 1,
  };

  it('says when an answer was shortened, and how long it was', () => {
    const card = renderClientCard(client, visits, '2026-05-12', [], [{ ...answer, text: 'ω'.repeat(longestAnswerText), truncated: true, textLength: 20_000 }]);

    expect(card).toContain('shortened: 20,000 characters written, the first 2,000 kept');
  });

  it('says nothing of the kind for an answer kept whole', () => {
    expect(renderClientCard(client, visits, '2026-05-12', [], [{ ...answer, text: 'ακριβό' }])).not.toContain('shortened');
  });
});
