import { defaultSendWindow } from '../../shared/outreach/quiet-hours.ts';
import type { SendSettings } from '../../shared/outreach/use-cases/send-outreach.ts';
import { shippedWordings } from '../../shared/outreach/wording.ts';

/** The Harbour Clinic's send settings in tests: its hours, the shipped words, a reply page and one secret; the rest as given. */
export const harbourSendSettings = (secret: string, overrides: Partial<SendSettings> & Pick<SendSettings, 'channelPolicy'>): SendSettings => ({
  clinicName: 'Harbour Clinic',
  defaultLocale: 'en',
  window: defaultSendWindow,
  maxSmsSegments: 3,
  replyBaseUrl: 'https://reply.harbour.example',
  tokenSecrets: [secret],
  tokenDays: 30,
  wordings: shippedWordings,
  whatsAppTemplate: { name: 'comeback_feedback', fallbackLanguage: 'en' },
  ...overrides,
});
