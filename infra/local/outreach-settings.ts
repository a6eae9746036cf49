import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { envNames } from '../../shared/environment.ts';
import { dataDir, localSmsConfigurationSet } from './stack.ts';

/**
 * What the send function needs on one machine, where the deploy context does not exist:
 * a demo clinic's name and sender, the emulator's origination number, and a reply-link
 * secret generated once and kept in the data folder (never in git). A variable already set
 * wins, so `CLINIC_NAME=... npx comeback send` works.
 */
export const applyLocalOutreachSettings = async (): Promise<void> => {
  const secretFile = join(dataDir(), 'reply-secret');
  let secret = (await readFile(secretFile, 'utf8').catch(() => '')).trim();
  if (secret.length < 32) {
    secret = randomBytes(36).toString('base64url');
    await mkdir(dataDir(), { recursive: true });
    await writeFile(secretFile, `${secret}\n`, { mode: 0o600 });
  }
  const defaults: Record<string, string> = {
    [envNames.clinicName]: 'Comeback demo clinic',
    [envNames.emailFrom]: 'Comeback demo clinic <care@clinic.example>',
    [envNames.smsOriginationIdentity]: '+18005550100',
    [envNames.smsConfigurationSet]: localSmsConfigurationSet,
    [envNames.voices]: 'en=JOANNA,el=MARIA,ru=TATYANA',
    // The reply page is served locally by a later command; the links already carry real tokens.
    [envNames.replyBaseUrl]: 'http://127.0.0.1:8080',
    [envNames.replySecret]: secret,
    // The emulator's number is a toll-free one.
    [envNames.smsMessagesPerSecond]: '3',
  };
  for (const [name, value] of Object.entries(defaults)) process.env[name] ??= value;
};
