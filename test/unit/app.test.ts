import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../shared/app.ts';
import { ConfigError, MissingConfigError } from '../../shared/common/config.ts';

const set = (variables: Record<string, string>) => Object.assign(process.env, variables);
const names = [
  'LAPSE_COMBINE',
  'LAPSE_P_ALIVE_BELOW',
  'LAPSE_EARLY_DROP_OUT_GAP_MULTIPLE',
  'OUTREACH_COOLDOWN_DAYS',
  'CLINIC_NAME',
  'REPLY_BASE_URL',
  'REPLY_SECRET',
  'REPLY_SECRET_PARAMETER',
  'OUTREACH_SEND_WINDOW',
  'OUTREACH_VOICES',
  'OUTREACH_FALLBACK_ORDER',
  'SMS_MAX_SEGMENTS',
];

describe('settings from the environment', () => {
  afterEach(() => {
    for (const name of names) delete process.env[name];
  });

  it('changes the sweep’s defaults by variable, and names a bad one', () => {
    set({ LAPSE_COMBINE: 'either', LAPSE_P_ALIVE_BELOW: '0.3', OUTREACH_COOLDOWN_DAYS: '45' });
    const settings = buildApp().sweepSettings('2026-05-11');
    expect(settings.lapseRule).toMatchObject({ combine: 'either', pAliveBelow: 0.3 });
    expect(settings.outreach.cooldownDays).toBe(45);
    // What the environment sets, a stored tuning never changes.
    expect(settings.fixedRuleSettings).toEqual(['combine', 'pAliveBelow']);
    set({ LAPSE_EARLY_DROP_OUT_GAP_MULTIPLE: '4' });
    expect(buildApp().sweepSettings('2026-05-11')).toMatchObject({
      lapseRule: { earlyDropOut: { gapMultiple: 4 } },
      fixedRuleSettings: ['combine', 'pAliveBelow', 'earlyDropOutGapMultiple'],
    });
    set({ LAPSE_COMBINE: 'sometimes' });
    expect(() => buildApp().sweepSettings('2026-05-11')).toThrow(ConfigError);
    expect(() => buildApp().sweepSettings('2026-05-11')).toThrow(/^LAPSE_COMBINE=sometimes/);
  });

  it('builds the send settings, rendering every wording with the clinic’s name', async () => {
    set({
      CLINIC_NAME: 'Harbour Clinic',
      REPLY_BASE_URL: 'https://reply.harbour.example/',
      REPLY_SECRET: 'a-local-secret-0123456789abcdef0123456',
      OUTREACH_SEND_WINDOW: '10:00-19:30',
      OUTREACH_VOICES: 'en=JOANNA,el=MARIA',
      OUTREACH_FALLBACK_ORDER: 'sms,email',
    });
    const settings = await buildApp().sendSettings();
    expect(settings).toMatchObject({
      clinicName: 'Harbour Clinic',
      replyBaseUrl: 'https://reply.harbour.example',
      window: { startMinute: 600, endMinute: 1170 },
      maxSmsSegments: 3,
      tokenDays: 30,
    });
    expect(settings.channelPolicy.fallbackOrder).toEqual(['sms', 'email']);
    expect([...settings.channelPolicy.voiceLocales]).toEqual(['en', 'el']);
  });

  it('says which send setting is missing or wrong', async () => {
    set({ REPLY_BASE_URL: 'https://r.example', REPLY_SECRET: 'a-local-secret-0123456789abcdef0123456' });
    await expect(buildApp().sendSettings()).rejects.toThrow(MissingConfigError);
    set({ CLINIC_NAME: 'C', OUTREACH_SEND_WINDOW: '20:00-09:00' });
    await expect(buildApp().sendSettings()).rejects.toThrow(/OUTREACH_SEND_WINDOW/);
    set({ OUTREACH_SEND_WINDOW: '09:00-20:00', OUTREACH_VOICES: 'english' });
    await expect(buildApp().sendSettings()).rejects.toThrow(/OUTREACH_VOICES=english/);
    set({ OUTREACH_VOICES: 'en=JOANNA', SMS_MAX_SEGMENTS: '1' });
    await expect(buildApp().sendSettings()).rejects.toThrow(/the SMS takes/);
  });

  it('reads the reply secrets from SSM in the cloud, newest first, and refuses a short one', async () => {
    set({ REPLY_SECRET_PARAMETER: '/comeback/reply-secret' });
    const ssm = (value: string) => ({ send: async () => ({ Parameter: { Value: value } }) }) as never;
    expect(await buildApp(process.env, { ssm: ssm('new-secret-0123456789abcdef0123456789\nold-secret-0123456789abcdef0123456789\n') }).replySecrets()).toEqual([
      'new-secret-0123456789abcdef0123456789',
      'old-secret-0123456789abcdef0123456789',
    ]);
    await expect(buildApp(process.env, { ssm: ssm('short') }).replySecrets()).rejects.toThrow(/at least 32 characters/);
  });

  it('reads a secret again after a failed read, instead of keeping the failure for the life of the process', async () => {
    set({ REPLY_SECRET_PARAMETER: '/comeback/reply-secret' });
    let calls = 0;
    const flaky = {
      send: async () => {
        calls += 1;
        if (calls === 1) throw new Error('ThrottlingException');
        return { Parameter: { Value: 'the-secret-0123456789abcdef0123456789' } };
      },
    } as never;
    const app = buildApp(process.env, { ssm: flaky });

    await expect(app.replySecrets()).rejects.toThrow('ThrottlingException');
    expect(await app.replySecrets()).toEqual(['the-secret-0123456789abcdef0123456789']);
    expect(await app.replySecrets()).toEqual(['the-secret-0123456789abcdef0123456789']);
    expect(calls).toBe(2);
  });
});
