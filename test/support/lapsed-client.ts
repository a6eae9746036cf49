import { buildApp } from '../../shared/app.ts';
import type { ClientProfile } from '../../shared/visits/client.ts';
import { outreachJobId, type OutreachJob } from '../../shared/lapse/episode.ts';
import { addVisits } from '../../shared/visits/summary.ts';
import { everyNDays } from './histories.ts';

/**
 * A regular (five monthly visits) who stopped in October 2025, with an open lapse episode,
 * written to the tables the environment names; returns the first outreach job for them.
 */
export const lapsedClient = async (profile: Partial<ClientProfile> & Pick<ClientProfile, 'clientId' | 'timeZone'>): Promise<OutreachJob> => {
  const { clientId } = profile;
  const clients = buildApp().clientStore();
  const withDefaults: ClientProfile = { locale: 'en', consent: { email: true, sms: false, voice: false }, email: `${clientId}@example.com`, ...profile };
  await clients.saveProfile(withDefaults);
  const visits = everyNDays(5, 30, '2025-10-01').map((planned, i) => ({
    visitId: `${clientId}-${i}`,
    clientId,
    visitedAt: `${planned.day}T09:00:00.000Z`,
    day: planned.day,
    amount: { minor: 4000, currency: 'EUR' },
  }));
  await clients.recordVisits([{ clientId, expectedVersion: 0, visits, summary: addVisits(undefined, visits) }]);
  await buildApp()
    .lapseStore()
    .openEpisode(
      {
        clientId,
        episodeId: '2026-05-11',
        status: 'open',
        openedOn: '2026-05-11',
        openedAt: '2026-05-11T06:00:00Z',
        explanation: { rule: 'rhythm', lastVisit: '2025-10-01', daysSinceLastVisit: 222, visitDays: 5, usualGapDays: 30 },
        controlGroup: false,
        requests: {},
      },
      { episodeId: '2026-05-11', status: 'open', openedOn: '2026-05-11', requests: 0, controlGroup: false },
    );
  const channels = (['email', 'sms', 'voice'] as const).filter((channel) => withDefaults.consent[channel]);
  return { jobId: outreachJobId(clientId, '2026-05-11', 1), clientId, episodeId: '2026-05-11', request: 1, requestedOn: '2026-05-11', channels };
};
