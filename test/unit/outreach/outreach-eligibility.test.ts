import { describe, expect, it } from 'vitest';
import type { ClientProfile } from '../../../shared/visits/client.ts';
import {
  checkOutreachPolicy,
  defaultOutreachPolicy,
  inControlGroup,
  outreachDecision,
  OutreachPolicyError,
  suppressedChannels,
  suppressionKeys,
  type OutreachCandidate,
} from '../../../shared/outreach/eligibility.ts';

const asOf = '2026-11-16';
const profile: ClientProfile = {
  clientId: 'c-7',
  name: 'Maria',
  phone: '+306912345678',
  email: 'Maria@Example.com',
  locale: 'el',
  timeZone: 'Europe/Athens',
  consent: { email: true, sms: true, voice: false },
};
const candidate: OutreachCandidate = {
  profile,
  lastVisit: '2026-06-01',
  episode: { openedOn: '2026-11-09', requests: 0, controlGroup: false },
  suppressed: new Set(),
};

describe('outreachDecision: one rule at a time', () => {
  it('asks a lapsed client with consent, on every consented channel with a contact', () => {
    expect(outreachDecision(candidate, asOf, defaultOutreachPolicy)).toEqual({ eligible: true, channels: ['email', 'sms'] });
  });

  it('never asks once outreach ended for an involuntary reason', () => {
    expect(outreachDecision({ ...candidate, outreachEnded: 'moved-away' }, asOf, defaultOutreachPolicy)).toEqual({ eligible: false, reason: 'outreach-ended' });
  });

  it('does not ask a client who came back after the episode opened', () => {
    expect(outreachDecision({ ...candidate, lastVisit: '2026-11-12' }, asOf, defaultOutreachPolicy)).toEqual({ eligible: false, reason: 'visited-since' });
  });

  it('holds the control group back', () => {
    const held = { ...candidate, episode: { ...candidate.episode, controlGroup: true } };
    expect(outreachDecision(held, asOf, defaultOutreachPolicy)).toEqual({ eligible: false, reason: 'control-group' });
  });

  it('needs consent for some channel with a working contact', () => {
    const noConsent = { ...candidate, profile: { ...profile, consent: { email: false, sms: false, voice: false } } };
    expect(outreachDecision(noConsent, asOf, defaultOutreachPolicy)).toEqual({ eligible: false, reason: 'no-consent' });
    const noPhone = { ...candidate, profile: { ...profile, email: undefined, phone: undefined } } as OutreachCandidate;
    expect(outreachDecision(noPhone, asOf, defaultOutreachPolicy)).toEqual({ eligible: false, reason: 'no-consent' });
  });

  it('drops suppressed channels, and skips the client when none is left', () => {
    const bounced = { ...candidate, suppressed: new Set(['email:maria@example.com']) };
    expect(outreachDecision(bounced, asOf, defaultOutreachPolicy)).toEqual({ eligible: true, channels: ['sms'] });
    const both = { ...candidate, suppressed: new Set(['email:maria@example.com', 'phone:+306912345678']) };
    expect(outreachDecision(both, asOf, defaultOutreachPolicy)).toEqual({ eligible: false, reason: 'suppressed' });
    const optedOut = { ...candidate, suppressed: new Set(['client:c-7']) };
    expect(outreachDecision(optedOut, asOf, defaultOutreachPolicy)).toEqual({ eligible: false, reason: 'suppressed' });
  });

  it('stops at the maximum requests per episode', () => {
    const asked = { ...candidate, episode: { ...candidate.episode, requests: 2 }, lastRequestOn: '2026-08-01' };
    expect(outreachDecision(asked, asOf, defaultOutreachPolicy)).toEqual({ eligible: false, reason: 'max-requests' });
  });

  it('waits out the cooldown since the last request, in any episode', () => {
    const recent = { ...candidate, episode: { ...candidate.episode, requests: 1 }, lastRequestOn: '2026-10-20' };
    expect(outreachDecision(recent, asOf, defaultOutreachPolicy)).toEqual({ eligible: false, reason: 'cooldown' });
    expect(outreachDecision({ ...recent, lastRequestOn: '2026-10-17' }, asOf, defaultOutreachPolicy).eligible).toBe(true);
  });
});

describe('the control group', () => {
  it('is the same clients every time, and about the configured share', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `client-${i}`);
    const held = ids.filter((id) => inControlGroup(id, defaultOutreachPolicy));
    expect(held.length / ids.length).toBeGreaterThan(0.09);
    expect(held.length / ids.length).toBeLessThan(0.11);
    expect(ids.filter((id) => inControlGroup(id, defaultOutreachPolicy))).toEqual(held);
    expect(ids.some((id) => inControlGroup(id, { controlGroupShare: 0, controlGroupSalt: 'x' }))).toBe(false);
  });

  it('reshuffles with another salt', () => {
    const ids = Array.from({ length: 2_000 }, (_, i) => `client-${i}`);
    const a = ids.filter((id) => inControlGroup(id, defaultOutreachPolicy));
    const b = ids.filter((id) => inControlGroup(id, { ...defaultOutreachPolicy, controlGroupSalt: 'other' }));
    expect(a).not.toEqual(b);
  });
});

describe('suppression keys', () => {
  it('covers the client, the email in lower case, the phone and the number on WhatsApp', () => {
    expect(suppressionKeys(profile)).toEqual(['client:c-7', 'email:maria@example.com', 'phone:+306912345678', 'whatsapp:+306912345678']);
    expect([...suppressedChannels(profile, new Set(['phone:+306912345678']))]).toEqual(['sms', 'voice', 'whatsapp']);
  });

  it('closes only WhatsApp for a number not on it, and only Viber for a user who left the bot', () => {
    const subscribed = { ...profile, viberUserId: 'vu-1' };
    expect(suppressionKeys(subscribed)).toContain('viber:vu-1');
    expect([...suppressedChannels(subscribed, new Set(['whatsapp:+306912345678']))]).toEqual(['whatsapp']);
    expect([...suppressedChannels(subscribed, new Set(['viber:vu-1']))]).toEqual(['viber']);
    expect(suppressedChannels(subscribed, new Set(['client:c-7']))).toEqual(new Set(['email', 'sms', 'voice', 'whatsapp', 'viber']));
  });
});

describe('the policy itself', () => {
  it('refuses a cooldown shorter than the sweep week and a control group over half', () => {
    expect(() => checkOutreachPolicy({ ...defaultOutreachPolicy, cooldownDays: 3 })).toThrow(OutreachPolicyError);
    expect(() => checkOutreachPolicy({ ...defaultOutreachPolicy, controlGroupShare: 0.8 })).toThrow(/0.5/);
  });
});
