import { join } from 'node:path';
import { envNames } from '../../shared/environment.ts';
import { dataDir, keptSecret } from './local-data.ts';

/** The SMS emulator's one configuration set: its events go to the SMS and voice events topic, as in the cloud. */
export const localSmsConfigurationSet = 'comeback-delivery';

/** Where the local Viber bot's token is kept (made once, like the reply-link secret). */
export const viberTokenFile = (): string => join(dataDir(), 'viber-token');

/**
 * What the send function needs on one machine, where the deploy context does not exist:
 * a demo clinic's name and sender, the emulator's origination number, a reply-link secret and
 * the Viber bot's token, each generated once and kept in the data folder (never in git), or
 * made afresh for a stack kept in memory (`persist: false`).
 */
export const localOutreachSettings = async (options: { persist?: boolean } = {}): Promise<Record<string, string>> => {
  const persist = options.persist ?? true;
  return {
    [envNames.clinicName]: 'Comeback demo clinic',
    [envNames.emailFrom]: 'Comeback demo clinic <care@clinic.example>',
    [envNames.smsOriginationIdentity]: '+18005550100',
    [envNames.smsConfigurationSet]: localSmsConfigurationSet,
    [envNames.voices]: 'en=JOANNA,el=MARIA,ru=TATYANA',
    // The reply page is served locally by a later command; the links already carry real tokens.
    [envNames.replyBaseUrl]: 'http://127.0.0.1:8080',
    [envNames.replySecret]: await keptSecret(persist ? join(dataDir(), 'reply-secret') : undefined),
    // The emulator's number is a toll-free one.
    [envNames.smsMessagesPerSecond]: '3',
    // The bot's token: the Viber emulator takes requests carrying it and signs its callbacks with it.
    [envNames.viberToken]: await keptSecret(persist ? viberTokenFile() : undefined),
  };
};

/** The local settings, in this process's environment; a variable already set wins, so `CLINIC_NAME=... npx comeback send` works. */
export const applyLocalOutreachSettings = async (): Promise<void> => {
  for (const [name, value] of Object.entries(await localOutreachSettings())) process.env[name] ??= value;
};
