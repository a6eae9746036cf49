import { describe, expect, it } from 'vitest';
import { chooseChannel, defaultFallbackOrder, hasVoiceFor, type ChannelPolicy } from '../../../shared/outreach/channel-policy.ts';
import type { ClientProfile } from '../../../shared/visits/client.ts';

const policy: ChannelPolicy = { fallbackOrder: ['email', 'sms', 'voice'], voiceLocales: new Set(['en', 'el', 'ru']) };

const client = (extra: Partial<ClientProfile> = {}): ClientProfile => ({
  clientId: 'c-1',
  locale: 'el',
  timeZone: 'Europe/Athens',
  email: 'Maria@Example.com',
  phone: '+306912345678',
  consent: { email: true, sms: true, voice: true },
  ...extra,
});

describe('which channel a request goes by', () => {
  it('uses the preferred channel when the client agreed to it and we can reach them there', () => {
    expect(chooseChannel(client({ preferredChannel: 'sms' }), new Set(), policy)).toEqual({ channel: 'sms' });
  });

  it('falls back in order when the preferred channel has no consent or no contact', () => {
    expect(chooseChannel(client({ preferredChannel: 'sms', consent: { email: true, sms: false, voice: true } }), new Set(), policy)).toEqual({
      channel: 'email',
    });
    expect(chooseChannel(client({ preferredChannel: 'email', email: undefined }), new Set(), policy)).toEqual({ channel: 'sms' });
  });

  it('never uses a suppressed address, whatever the case of the email', () => {
    expect(chooseChannel(client(), new Set(['email:maria@example.com']), policy)).toEqual({ channel: 'sms' });
    expect(chooseChannel(client(), new Set(['email:maria@example.com', 'phone:+306912345678']), policy)).toEqual({ reason: 'suppressed' });
    expect(chooseChannel(client(), new Set(['client:c-1']), policy)).toEqual({ reason: 'suppressed' });
  });

  it('calls only in a language we have a voice for', () => {
    const voiceOnly = { consent: { email: false, sms: false, voice: true } };
    expect(chooseChannel(client({ ...voiceOnly, locale: 'el-GR' }), new Set(), policy)).toEqual({ channel: 'voice' });
    expect(chooseChannel(client({ ...voiceOnly, locale: 'km' }), new Set(), policy)).toEqual({ reason: 'no-voice-for-locale' });
    expect(chooseChannel(client({ consent: { email: false, sms: true, voice: true }, locale: 'km', preferredChannel: 'voice' }), new Set(), policy)).toEqual({
      channel: 'sms',
    });
  });

  it('says when nothing is consented, and keeps to the channels the sweep found open', () => {
    expect(chooseChannel(client({ consent: { email: false, sms: false, voice: false } }), new Set(), policy)).toEqual({ reason: 'no-consent' });
    expect(chooseChannel(client(), new Set(), policy, ['voice'])).toEqual({ channel: 'voice' });
  });

  it('matches a voice by the full tag or by its language', () => {
    expect(hasVoiceFor('en-GB', new Set(['en']))).toBe(true);
    expect(hasVoiceFor('pt-BR', new Set(['pt-BR']))).toBe(true);
    expect(hasVoiceFor('pt-PT', new Set(['pt-BR']))).toBe(false);
  });
});

describe('the messengers in the channel policy', () => {
  const clinic: ChannelPolicy = {
    fallbackOrder: defaultFallbackOrder,
    voiceLocales: new Set(['en']),
    offered: new Set(['email', 'sms', 'voice', 'whatsapp', 'viber']),
  };
  const both = { consent: { email: true, sms: true, voice: true, whatsapp: true, viber: true }, viberUserId: 'vu-1' };

  it('asks first where clients read, by default: WhatsApp, then Viber, then a text, an email, a call', () => {
    expect(defaultFallbackOrder).toEqual(['whatsapp', 'viber', 'sms', 'email', 'voice']);
    expect(chooseChannel(client(both), new Set(), clinic)).toEqual({ channel: 'whatsapp' });
    expect(chooseChannel(client({ ...both, consent: { ...both.consent, whatsapp: false } }), new Set(), clinic)).toEqual({ channel: 'viber' });
    expect(chooseChannel(client({ ...both, preferredChannel: 'viber' }), new Set(), clinic)).toEqual({ channel: 'viber' });
  });

  it('reaches Viber only through a subscription to the clinic’s bot, and WhatsApp only with a number', () => {
    const noSubscription = client({ consent: { email: false, sms: false, voice: false, viber: true } });
    expect(chooseChannel(noSubscription, new Set(), clinic)).toEqual({ reason: 'no-consent' });
    expect(chooseChannel(client({ ...both, phone: undefined }), new Set(), clinic)).toEqual({ channel: 'viber' });
  });

  it('never uses a messenger the clinic has not set up, nor one without the client’s consent', () => {
    expect(chooseChannel(client(both), new Set(), { ...clinic, offered: new Set(['email', 'sms', 'voice', 'viber']) })).toEqual({ channel: 'viber' });
    expect(chooseChannel(client(both), new Set(), { fallbackOrder: defaultFallbackOrder, voiceLocales: new Set() })).toEqual({ channel: 'sms' });
    expect(chooseChannel(client({ preferredChannel: 'whatsapp' }), new Set(), clinic)).toEqual({ channel: 'sms' });
  });

  it('falls back past a messenger the client is not on, and past one the sweep did not leave open', () => {
    expect(chooseChannel(client(both), new Set(['whatsapp:+306912345678']), clinic)).toEqual({ channel: 'viber' });
    expect(chooseChannel(client(both), new Set(['whatsapp:+306912345678', 'viber:vu-1']), clinic)).toEqual({ channel: 'sms' });
    expect(chooseChannel(client(both), new Set(), clinic, ['viber', 'sms', 'email', 'voice'])).toEqual({ channel: 'viber' });
  });
});
