import { clientColumns, visitColumns } from '../shared/visits/columns.ts';
import { addDays } from '../shared/common/dates.ts';
import { demoMessengers, generateClinic, type ClientStory, type SeededClinic } from '../infra/local/demo-clinic.ts';
import { emulatorUrl } from '../infra/local/stack.ts';
import { postJson } from '../infra/local/emulator-kit.ts';
import { eachLimited } from '../shared/common/concurrency.ts';
import { viberContextFor } from '../shared/outreach/viber-subscription.ts';
import { tableFromRows } from '../shared/files/table-file.ts';
import { buildApp, envNames, type App } from '../shared/app.ts';
import { importFile, type ImportReport } from '../shared/visits/use-cases/import-file.ts';
import { parseAsOf, UsageError } from './output.ts';
import { onLocalStack } from './stack-session.ts';
import { optionalSetting } from '../shared/environment.ts';

export interface SeedFlags {
  clients: string;
  asOf?: string;
  seed: string;
}

export interface SeedResult {
  readonly clinic: SeededClinic;
  readonly asOf: string;
  readonly clients: ImportReport;
  readonly visits: ImportReport;
  /** On the local stack: clients who subscribed to the Viber bot now, and WhatsApp numbers given a fate. */
  readonly messengers?: DemoMessengerCounts;
}

const positiveInteger = (text: string, flag: string, max: number): number => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max) throw new UsageError(`${flag} ${text}: a whole number from 1 to ${max}`);
  return value;
};

/** Generates the demo clinic and writes it through the ordinary import path (validation included). */
export const seedClinic = async (flags: SeedFlags): Promise<SeedResult> => {
  const clients = positiveInteger(flags.clients, '--clients', 1_000_000);
  const seed = Number(flags.seed);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed ${flags.seed}: a whole number`);
  const asOf = parseAsOf(flags.asOf);

  const clinic = generateClinic({ clients, asOf, seed });
  const app = buildApp();
  const store = app.clientStore();
  const options = { clientDefaults: app.clinicDefaults(), today: addDays(asOf, 1) };
  const clientReport = await importFile(tableFromRows(clinic.clients as Record<string, string>[], clientColumns), store, {
    ...options,
    kind: 'clients',
  });
  const visitReport = await importFile(tableFromRows(clinic.visits as Record<string, string>[], visitColumns), store, {
    ...options,
    kind: 'visits',
  });
  // On the local stack with its outreach settings (the CLI's): the emulators play the clients' phones.
  const local = onLocalStack() && optionalSetting(app.context.env, envNames.replySecret) !== undefined;
  const messengers = local ? await setUpDemoMessengers(clinic, seed, app) : undefined;
  return { clinic, asOf, clients: clientReport, visits: visitReport, ...(messengers && { messengers }) };
};

export interface DemoMessengerCounts {
  /** Clients subscribed to the Viber bot, and how many of them subscribed in this run. */
  readonly viberUsers: number;
  readonly subscribed: number;
  readonly notOnWhatsApp: number;
  readonly stoppedOnWhatsApp: number;
}

/**
 * The demo clinic's clients on the local messengers: the WhatsApp emulator learns which numbers
 * are not on WhatsApp and who stopped the clinic there, and each client who agreed to Viber
 * follows their deep link (its context signed for them) and subscribes to the bot, so the
 * webhook ties their Viber user to them, as a client's phone would. A client already tied is left.
 */
export const setUpDemoMessengers = async (clinic: SeededClinic, seed: number, app: App = buildApp()): Promise<DemoMessengerCounts> => {
  const { viberUsers, whatsAppFates } = demoMessengers(clinic, seed);
  for (const { phone, fate } of whatsAppFates) await postJson(`${emulatorUrl('whatsapp')}/simulate`, { recipient: phone, fate });
  const [secret] = await app.replySecrets();
  const store = app.clientStore();
  const now = new Date();
  let subscribed = 0;
  await eachLimited(viberUsers, 8, async ({ clientId, userId }) => {
    if ((await store.getClient(clientId))?.profile.viberUserId === userId) return;
    await postJson(`${emulatorUrl('viber')}/subscribe`, { userId, context: viberContextFor(clientId, secret!, now) });
    subscribed++;
  });
  const fates = (fate: string) => whatsAppFates.filter((found) => found.fate === fate).length;
  return { viberUsers: viberUsers.length, subscribed, notOnWhatsApp: fates('not-on-whatsapp'), stoppedOnWhatsApp: fates('stopped') };
};

export const storyCounts = (clinic: SeededClinic): [ClientStory, number][] => {
  const counts = new Map<ClientStory, number>();
  for (const story of Object.values(clinic.profiles)) counts.set(story, (counts.get(story) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]);
};
