/**
 * Follow-ups (staff): whom to call and why, open, contacted or resolved; each moved on with a
 * note, and the list read again.
 */
import { useRef, useState } from 'preact/hooks';
import type { FollowUpToDo } from '../../../shared/answers/use-cases/follow-ups.ts';
import { call } from '../api.ts';
import { ErrorNote, Loading, useLoaded } from '../components.tsx';
import { useLocale } from '../i18n.ts';
import { hrefOf } from '../router.ts';
import { languageName, reasonLabel, reasonsOf, type ReasonList, useReasons } from './client-card.tsx';
import type { PageProps } from './page.ts';

const statuses = ['open', 'contacted', 'resolved'] as const;
type Status = (typeof statuses)[number];
const isStatus = (value: string | null): value is Status => statuses.includes(value as Status);
/** Where each status may go next. */
const nextOf: Readonly<Record<Status, readonly ('contacted' | 'resolved')[]>> = { open: ['contacted', 'resolved'], contacted: ['resolved'], resolved: [] };

const FollowUpItem = ({ todo, reasons, onMoved }: { todo: FollowUpToDo; reasons: ReasonList | undefined; onMoved: (message: string) => void }) => {
  const { words, formats } = useLocale();
  const w = words.followUps;
  const c = words.client;
  const { followUp, client } = todo;
  const who = client?.name ?? w.unknownClient(followUp.clientId);
  const [note, setNote] = useState('');
  const [moving, setMoving] = useState(false);
  const [error, setError] = useState<unknown>();
  const noteId = `note-${followUp.followUpId}`;
  const move = async (to: 'contacted' | 'resolved'): Promise<void> => {
    setMoving(true);
    setError(undefined);
    try {
      await call('moveFollowUp', { params: { followUpId: followUp.followUpId }, body: { to, ...(note.trim() && { note: note.trim() }) } });
      onMoved(w.moved(who, c.followUpStatuses[to] ?? to));
    } catch (failure) {
      setError(failure);
      setMoving(false);
    }
  };
  const next = nextOf[followUp.status];
  const steps = followUp.history.filter((step) => step.status !== 'open' || step.note);
  return (
    <li class="follow-up" data-testid="follow-up" data-follow-up-id={followUp.followUpId} data-client-id={followUp.clientId}>
      <h2>
        <a href={hrefOf(`/clients/${encodeURIComponent(followUp.clientId)}`)}>{who}</a>
      </h2>
      <dl class="client-facts">
        <div>
          <dt>{w.why}</dt>
          <dd>
            <span data-kind={followUp.kind}>{c.followUpKinds[followUp.kind] ?? followUp.kind}</span>
            {followUp.reasonId && (
              <>
                {': '}
                <span data-reason={followUp.reasonId}>{reasonLabel(reasons, followUp.reasonId, formats.language)}</span>
              </>
            )}
          </dd>
        </div>
        <div>
          <dt>{w.since}</dt>
          <dd>{formats.instant(followUp.openedAt)}</dd>
        </div>
        <div>
          <dt>{w.phone}</dt>
          <dd>{client?.phone ? <a href={`tel:${client.phone}`}>{client.phone}</a> : w.noPhone}</dd>
        </div>
        {client?.email && (
          <div>
            <dt>{w.email}</dt>
            <dd>
              <a href={`mailto:${client.email}`}>{client.email}</a>
            </dd>
          </div>
        )}
        {client?.locale && (
          <div>
            <dt>{w.language}</dt>
            <dd>{languageName(client.locale, formats.language)}</dd>
          </div>
        )}
      </dl>
      {steps.length > 0 && (
        <>
          <h3>{w.history}</h3>
          <ol class="steps">
            {steps.map((step) => (
              <li key={`${step.status}-${step.at}`}>
                {c.step(c.followUpStatuses[step.status] ?? step.status, formats.instant(step.at), step.by)}
                {step.note && <span class="said">{step.note}</span>}
              </li>
            ))}
          </ol>
        </>
      )}
      {next.length > 0 && (
        <fieldset class="move">
          <legend class="visually-hidden">{w.actions(who)}</legend>
          <label for={noteId}>{w.note}</label>
          <textarea id={noteId} name="note" rows={2} maxLength={1000} value={note} onInput={(event) => setNote(event.currentTarget.value)} />
          <div class="buttons">
            {next.map((to) => (
              <button key={to} type="button" class={to === next[0] ? 'primary' : undefined} disabled={moving} data-to={to} onClick={() => void move(to)}>
                {moving ? w.moving : to === 'contacted' ? w.toContacted : w.toResolved}
              </button>
            ))}
          </div>
          {error !== undefined && <ErrorNote error={error} />}
        </fieldset>
      )}
    </li>
  );
};

export const FollowUps = ({ place }: PageProps) => {
  const { words } = useLocale();
  const w = words.followUps;
  const wanted = place.query.get('status');
  const status: Status = isStatus(wanted) ? wanted : 'open';
  const [loaded, reload] = useLoaded(() => call('followUps', { query: { status } }), status);
  const reasons = reasonsOf(useReasons());
  const [notice, setNotice] = useState('');
  const statusLabel = words.client.followUpStatuses[status] ?? status;
  // While the list is read again after a move, the list read before stays on screen.
  const last = useRef<{ status: Status; list: FollowUpToDo[] } | undefined>(undefined);
  if (loaded.state === 'ready') last.current = { status, list: loaded.value.followUps };
  const list =
    loaded.state === 'ready' ? loaded.value.followUps : loaded.state === 'loading' && last.current?.status === status ? last.current.list : undefined;
  return (
    <>
      <h1>{w.title}</h1>
      <p class="note">{w.intro}</p>
      <nav class="follow-up-tabs" aria-label={w.tabs}>
        <ul>
          {statuses.map((each) => (
            <li key={each}>
              <a href={hrefOf('/follow-ups', { status: each })} aria-current={each === status ? 'page' : undefined} onClick={() => setNotice('')}>
                {words.client.followUpStatuses[each] ?? each}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <p class="ok" role="status" data-testid="follow-up-status">
        {notice}
      </p>
      {list === undefined ? (
        loaded.state === 'failed' ? (
          <ErrorNote error={loaded.error} retry={reload} />
        ) : (
          <Loading />
        )
      ) : list.length === 0 ? (
        <p class="empty">{w.none(statusLabel)}</p>
      ) : (
        <>
          <p data-testid="follow-up-count">{w.count(list.length, statusLabel)}</p>
          <ul class="follow-ups">
            {list.map((todo) => (
              <FollowUpItem
                key={todo.followUp.followUpId}
                todo={todo}
                reasons={reasons}
                onMoved={(message) => {
                  setNotice(message);
                  reload();
                }}
              />
            ))}
          </ul>
        </>
      )}
    </>
  );
};
