/**
 * Reasons (managers): the catalogue with each reason's answers and trend, the pending answers in
 * groups to map or approve, and rename, merge and retire behind a confirmation that says what
 * will be re-counted.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { call } from '../api.ts';
import { ErrorNote, type Loaded, Loading, useLoaded } from '../components.tsx';
import { useLocale } from '../i18n.ts';
import type { PageProps } from './page.ts';
import { Catalogue, ReasonDialog, type ReasonAction } from './reasons/catalogue.tsx';
import { Groups } from './reasons/groups.tsx';

/** The last value a load gave: kept on screen while it loads again, so an action does not blank the page. */
const useLastValue = <T,>(loaded: Loaded<T>): T | undefined => {
  const last = useRef<T>();
  if (loaded.state === 'ready') last.current = loaded.value;
  return last.current;
};

export const Reasons = (_props: PageProps) => {
  const { words } = useLocale();
  const w = words.reasons;
  const [catalogue, reloadCatalogue] = useLoaded(() => call('reasons', {}), 'reasons');
  const [groups, reloadGroups] = useLoaded(() => call('groups', {}), 'groups');
  const [trend, reloadTrend] = useLoaded((waiting) => call('run', { params: { name: 'lost' }, query: { by: 'month' } }, waiting), 'lost-by-month');
  const reasons = useLastValue(catalogue);
  const pending = useLastValue(groups);
  const [action, setAction] = useState<ReasonAction>();
  const [message, setMessage] = useState('');
  const [announced, setAnnounced] = useState(0);
  const status = useRef<HTMLParagraphElement>(null);

  const reload = (): void => {
    reloadCatalogue();
    reloadGroups();
  };
  const done = (text: string): void => {
    setAction(undefined);
    setMessage(text);
    setAnnounced((n) => n + 1);
    reload();
  };
  // After an action, focus moves to what it did: the buttons that led there may be gone.
  useEffect(() => {
    if (announced > 0) status.current?.focus();
  }, [announced]);

  return (
    <div class="reasons-page">
      <h1>{w.title}</h1>
      <p class="note">{w.intro}</p>
      <p ref={status} class="ok reasons-status" role="status" tabIndex={-1} data-testid="reasons-status">
        {message}
      </p>

      <section class="card" aria-labelledby="reasons-catalogue-heading" data-testid="reasons-catalogue">
        <h2 id="reasons-catalogue-heading">{w.catalogueTitle}</h2>
        {catalogue.state === 'failed' ? (
          <ErrorNote error={catalogue.error} retry={reloadCatalogue} />
        ) : !reasons ? (
          <Loading />
        ) : (
          <>
            <p data-testid="reasons-pending-count">{w.pendingNow(reasons.pending)}</p>
            <Catalogue reasons={reasons.reasons} trend={trend} retryTrend={reloadTrend} act={setAction} />
          </>
        )}
      </section>

      <section class="card" aria-labelledby="reasons-pending-heading" data-testid="reasons-pending">
        <h2 id="reasons-pending-heading">{w.pendingTitle}</h2>
        <p class="note">{w.pendingIntro}</p>
        {groups.state === 'failed' ? (
          <ErrorNote error={groups.error} retry={reloadGroups} />
        ) : !pending || !reasons ? (
          catalogue.state !== 'failed' && <Loading />
        ) : (
          <Groups groups={pending} reasons={reasons.reasons} done={done} reload={reload} />
        )}
      </section>

      {action && reasons && (
        <ReasonDialog
          key={`${action.kind}-${action.reason.id}`}
          action={action}
          reasons={reasons.reasons}
          close={() => setAction(undefined)}
          done={done}
          reload={() => {
            setAction(undefined);
            reload();
          }}
        />
      )}
    </div>
  );
};
