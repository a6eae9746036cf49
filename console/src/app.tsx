/** The console's frame: who is signed in, the pages their group may open, the language. */
import type { FunctionComponent } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { currentSession, isManager, onSessionChange, signOut, type Session } from './auth.ts';
import type { ConsoleConfig } from './config.ts';
import { formatsFor, languages, LocaleContext, wordsFor } from './i18n.ts';
import type { Words } from './words/en.ts';
import { ClientCardPage } from './pages/client-card.tsx';
import { FollowUps } from './pages/follow-ups.tsx';
import { LapsedList } from './pages/lapsed.tsx';
import { Overview } from './pages/overview.tsx';
import type { PageProps } from './pages/page.ts';
import { Reasons } from './pages/reasons.tsx';
import { AverageCheck, Campaigns, Cohorts, LostClients, MoneyLost, RetentionByDoctor } from './pages/reports.tsx';
import { SignIn } from './pages/sign-in.tsx';
import { hrefOf, navigate, usePlace } from './router.ts';

interface PageEntry {
  /** `/clients/:clientId` */
  readonly pattern: string;
  readonly page: FunctionComponent<PageProps>;
  readonly managersOnly: boolean;
  /** In the navigation, under this name; absent: reached from another page. */
  readonly nav?: keyof Words['nav'];
}

export const pages: readonly PageEntry[] = [
  { pattern: '/', page: Overview, managersOnly: true, nav: 'overview' },
  { pattern: '/lost', page: LostClients, managersOnly: true, nav: 'lost' },
  { pattern: '/retention', page: RetentionByDoctor, managersOnly: true, nav: 'retention' },
  { pattern: '/average-check', page: AverageCheck, managersOnly: true, nav: 'averageCheck' },
  { pattern: '/money-lost', page: MoneyLost, managersOnly: true, nav: 'moneyLost' },
  { pattern: '/campaigns', page: Campaigns, managersOnly: true, nav: 'campaigns' },
  { pattern: '/cohorts', page: Cohorts, managersOnly: true, nav: 'cohorts' },
  { pattern: '/lapsed', page: LapsedList, managersOnly: true, nav: 'lapsed' },
  { pattern: '/reasons', page: Reasons, managersOnly: true, nav: 'reasons' },
  { pattern: '/follow-ups', page: FollowUps, managersOnly: false, nav: 'followUps' },
  { pattern: '/clients/:clientId', page: ClientCardPage, managersOnly: false },
];

const matchPage = (path: string): { entry: PageEntry; params: Record<string, string> } | undefined => {
  for (const entry of pages) {
    const want = entry.pattern.split('/');
    const have = path.split('/');
    if (want.length !== have.length) continue;
    if (!want.every((part, i) => (part.startsWith(':') ? have[i] !== '' : part === have[i]))) continue;
    const params = Object.fromEntries(want.flatMap((part, i) => (part.startsWith(':') ? [[part.slice(1), decodeURIComponent(have[i] ?? '')]] : [])));
    return { entry, params };
  }
  return undefined;
};

const languageKey = 'comeback.language';

const FindClient = ({ words }: { words: Words }) => {
  const [clientId, setClientId] = useState('');
  return (
    <form
      class="find-client"
      aria-label={words.nav.findClient}
      onSubmit={(event) => {
        event.preventDefault();
        if (clientId.trim()) navigate(`/clients/${encodeURIComponent(clientId.trim())}`);
      }}
    >
      <label>
        <span class="visually-hidden">{words.nav.findClient}</span>
        <input type="search" placeholder={words.nav.findClient} value={clientId} onInput={(event) => setClientId(event.currentTarget.value)} />
      </label>
      <button type="submit">{words.nav.open}</button>
    </form>
  );
};

const Frame = ({
  session,
  config,
  language,
  setLanguage,
}: {
  session: Session;
  config: ConsoleConfig;
  language: string;
  setLanguage: (tag: string) => void;
}) => {
  const place = usePlace();
  const words = wordsFor(language);
  const manager = isManager(session);
  const found = matchPage(place.path);
  // Staff land on their follow-ups, not on a managers' page they may not open.
  useEffect(() => {
    if (place.path === '/' && !manager) navigate('/follow-ups');
  }, [place.path, manager]);
  const Page = found?.entry.page;
  const allowed = found && (!found.entry.managersOnly || manager);
  return (
    <>
      <button type="button" class="skip" onClick={() => document.getElementById('main')?.focus()}>
        {words.common.skipToContent}
      </button>
      <header class="top">
        <span class="brand">{words.common.product}</span>
        <nav aria-label={words.nav.label}>
          <ul>
            {pages
              .filter((entry) => entry.nav && (manager || !entry.managersOnly))
              .map((entry) => (
                <li key={entry.pattern}>
                  <a href={hrefOf(entry.pattern)} aria-current={found?.entry === entry ? 'page' : undefined}>
                    {words.nav[entry.nav!]}
                  </a>
                </li>
              ))}
          </ul>
        </nav>
        <FindClient words={words} />
        <label class="language">
          {words.common.language}
          <select value={language} onChange={(event) => setLanguage(event.currentTarget.value)}>
            {languages.map((each) => (
              <option key={each.tag} value={each.tag} lang={each.tag}>
                {each.name}
              </option>
            ))}
          </select>
        </label>
        <span class="who">{words.common.signedInAs(session.user, manager ? words.common.managers : words.common.staff)}</span>
        <button type="button" onClick={() => void signOut(config)}>
          {words.common.signOut}
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {!found || !Page ? (
          <p class="error" role="alert">
            {words.common.notFound}
          </p>
        ) : !allowed ? (
          <p class="error" role="alert">
            {words.common.notAllowed}
          </p>
        ) : (
          <Page place={place} params={found.params} session={session} config={config} />
        )}
      </main>
    </>
  );
};

export const App = ({ config, signInProblem }: { config: ConsoleConfig; signInProblem?: unknown }) => {
  const [session, setSession] = useState(currentSession);
  const [language, setLanguageState] = useState(() => localStorage.getItem(languageKey) ?? config.locale);
  useEffect(() => onSessionChange(setSession), []);
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);
  const locale = useMemo(() => ({ words: wordsFor(language), formats: formatsFor(language, config.timeZone, config.currency) }), [language, config]);
  const setLanguage = (tag: string): void => {
    localStorage.setItem(languageKey, tag);
    setLanguageState(tag);
  };
  return (
    <LocaleContext.Provider value={locale}>
      {session ? <Frame session={session} config={config} language={language} setLanguage={setLanguage} /> : <SignIn config={config} problem={signInProblem} />}
    </LocaleContext.Provider>
  );
};
