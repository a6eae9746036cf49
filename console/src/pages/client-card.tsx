/**
 * The client card (staff and managers): contact and consent, visits on a timeline, lapse
 * episodes, the requests sent and their delivery, every answer; staff record what a client said
 * on the phone, and see the client's follow-ups.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { FollowUp } from '../../../shared/answers/follow-up.ts';
import type { LapseEpisode } from '../../../shared/lapse/episode.ts';
import type { AnswerOnCard, ClientCard, RequestOnCard } from '../../../shared/visits/use-cases/client-card.ts';
import type { Visit } from '../../../shared/visits/visit.ts';
import { ApiError, call, type Answers } from '../api.ts';
import { DataTable, ErrorNote, Loading, useLoaded, type Loaded } from '../components.tsx';
import { type Formats, useLocale } from '../i18n.ts';
import { hrefOf } from '../router.ts';
import type { Words } from '../words/en.ts';
import type { PageProps } from './page.ts';

export type ReasonList = Answers['reasons']['reasons'];

/** The catalogue of reasons, for their labels in the chosen language. */
export const useReasons = (): Loaded<Answers['reasons']> => useLoaded(() => call('reasons', {}), 'reasons')[0];

export const reasonsOf = (loaded: Loaded<Answers['reasons']>): ReasonList | undefined => (loaded.state === 'ready' ? loaded.value.reasons : undefined);

/** A reason's label in the chosen language, after merges (the reason it counts under), else English, else its id. */
export const reasonLabel = (reasons: ReasonList | undefined, reasonId: string, language: string, fallback?: string): string => {
  const find = (id: string) => reasons?.find((each) => each.id === id);
  let reason = find(reasonId);
  for (let hops = 0; reason?.mergedInto && hops < 10; hops++) {
    const into = find(reason.mergedInto);
    if (!into) break;
    reason = into;
  }
  if (!reason) return fallback ?? reasonId;
  return reason.labels[language] ?? reason.labels[language.split('-')[0] ?? ''] ?? reason.labels.en ?? fallback ?? reasonId;
};

/** An amount in its own currency (the clinic's formats when it is the clinic's). */
export const moneyIn = (formats: Formats, minor: number, currency: string | undefined): string => {
  if (!currency || currency === formats.currency) return formats.money(minor);
  const format = new Intl.NumberFormat(formats.language, { style: 'currency', currency });
  return format.format(minor / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
};

/** A probability as a share; one too small to show is "< 0.1%", never a bare 0%. */
export const probability = (formats: Formats, value: number): string => (value > 0 && value < 0.001 ? `< ${formats.share(0.001)}` : formats.share(value));

/** Why a client was flagged, in words: the rule, then how long away against their usual gap. */
export const whyOf = (
  words: Words,
  formats: Formats,
  why: { kind?: string | undefined; rule: string; days: number | null | undefined; gap: number | null | undefined },
): string => {
  const rule = why.kind === 'early-drop-out' ? words.lapsed.earlyDropOutRule : (words.lapsed.rules[why.rule] ?? why.rule);
  if (why.days === null || why.days === undefined) return rule;
  const gap = why.gap === null || why.gap === undefined ? undefined : formats.number(Math.round(why.gap));
  return `${rule}: ${words.lapsed.away(formats.number(why.days), gap)}`;
};

export const languageName = (tag: string, language: string): string => {
  try {
    return new Intl.DisplayNames([language], { type: 'language' }).of(tag) ?? tag;
  } catch {
    return tag;
  }
};

const dayMs = 86_400_000;
const todayIso = (): string => new Date().toISOString().slice(0, 10);

/** The visits as dots on a line through time, the lapsed stretches shaded; the table after it has the same visits. */
const Timeline = ({ visits, episodes }: { visits: readonly Visit[]; episodes: readonly LapseEpisode[] }) => {
  const { words, formats } = useLocale();
  const days = visits.map((visit) => visit.day).sort();
  const first = days[0];
  const last = days.at(-1);
  if (!first || !last) return null;
  const today = todayIso();
  const end = [last, ...episodes.map((episode) => episode.closedOn ?? today)].sort().at(-1) ?? last;
  const start = [first, ...episodes.map((episode) => episode.openedOn)].sort()[0] ?? first;
  const time = (day: string): number => Date.parse(`${day}T00:00:00Z`);
  const width = 720;
  const height = 84;
  const left = 14;
  const right = 14;
  const axis = 44;
  const span = Math.max(time(end) - time(start), dayMs);
  const x = (day: string): number => left + ((time(day) - time(start)) / span) * (width - left - right);
  const years: string[] = [];
  for (let year = Number(start.slice(0, 4)) + 1; year <= Number(end.slice(0, 4)); year++) years.push(String(year));
  const label =
    words.client.timelineLabel(formats.number(visits.length), formats.day(first), formats.day(last)) +
    (episodes.length > 0 ? words.client.timelineLapsed(formats.number(episodes.length)) : '');
  return (
    <figure class="chart timeline" data-testid="visit-timeline">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label} font-size="14">
        <title>{label}</title>
        {episodes.map((episode) => (
          <rect
            key={episode.episodeId}
            x={x(episode.openedOn)}
            y={axis - 22}
            width={Math.max(2, x(episode.closedOn ?? today) - x(episode.openedOn))}
            height={44}
            fill="#f6d5d3"
            stroke="#a4161a"
            stroke-width="1"
          />
        ))}
        <line x1={left} x2={width - right} y1={axis} y2={axis} stroke="#4a5360" stroke-width="1" />
        {years.map((year) => (
          <g key={year}>
            <line x1={x(`${year}-01-01`)} x2={x(`${year}-01-01`)} y1={axis - 8} y2={axis + 8} stroke="#4a5360" />
            <text x={x(`${year}-01-01`)} y={axis + 22} text-anchor="middle" fill="#4a5360">
              {year}
            </text>
          </g>
        ))}
        {visits.map((visit) => (
          <circle key={visit.visitId} cx={x(visit.day)} cy={axis} r="5" fill="#0b5cad" stroke="#ffffff" stroke-width="1" />
        ))}
        <text x={left} y={14} text-anchor="start" fill="#1b1f24">
          {formats.day(start)}
        </text>
        <text x={width - right} y={14} text-anchor="end" fill="#1b1f24">
          {formats.day(end)}
        </text>
      </svg>
      <figcaption>{words.client.timelineCaption}</figcaption>
    </figure>
  );
};

const Fact = ({ term, children }: { term: string; children: ComponentChildren }) => (
  <div>
    <dt>{term}</dt>
    <dd>{children}</dd>
  </div>
);

const Contact = ({ card }: { card: ClientCard }) => {
  const { words, formats } = useLocale();
  const w = words.client;
  const { profile } = card.client;
  const summary = card.client.summary;
  return (
    <>
      <section class="card" aria-labelledby="client-contact">
        <h2 id="client-contact">{w.contact}</h2>
        <dl class="client-facts" data-testid="client-contact">
          <Fact term={w.id}>{profile.clientId}</Fact>
          <Fact term={w.name}>{profile.name ?? w.none}</Fact>
          <Fact term={w.phone}>{profile.phone ? <a href={`tel:${profile.phone}`}>{profile.phone}</a> : w.none}</Fact>
          <Fact term={w.email}>{profile.email ? <a href={`mailto:${profile.email}`}>{profile.email}</a> : w.none}</Fact>
          <Fact term={w.language}>{languageName(profile.locale, formats.language)}</Fact>
          <Fact term={w.timeZone}>{profile.timeZone}</Fact>
          <Fact term={w.preferredChannel}>{profile.preferredChannel ? (w.channels[profile.preferredChannel] ?? profile.preferredChannel) : w.none}</Fact>
          <Fact term={w.branch}>{profile.branchId ?? w.none}</Fact>
          {(['email', 'sms', 'voice', 'whatsapp', 'viber'] as const).map((channel) => (
            <Fact key={channel} term={`${w.consent}: ${w.channels[channel]}`}>
              <span data-testid={`consent-${channel}`}>{profile.consent[channel] === true ? w.yes : w.no}</span>
            </Fact>
          ))}
          <Fact term={w.optedOut}>
            <span data-testid="opted-out" class={card.optedOut ? 'flag-bad' : undefined}>
              {card.optedOut ? w.optedOutYes : w.no}
            </span>
          </Fact>
          {card.client.outreachEnded && <Fact term={w.optedOut}>{w.outreachEnded(card.client.outreachEnded)}</Fact>}
        </dl>
      </section>
      <section class="card" aria-labelledby="client-visits">
        <h2 id="client-visits">{w.visits}</h2>
        {summary && (
          <dl class="client-facts" data-testid="client-summary">
            <Fact term={w.visitCount}>{formats.number(summary.visits)}</Fact>
            <Fact term={w.totalSpend}>{moneyIn(formats, summary.totalSpend, summary.currency)}</Fact>
            <Fact term={w.firstVisit}>{formats.day(summary.firstVisit)}</Fact>
            <Fact term={w.lastVisit}>{formats.day(summary.lastVisit)}</Fact>
            <Fact term={w.usualGap}>{summary.usualGapDays === null ? w.none : w.days(formats.number(Math.round(summary.usualGapDays)))}</Fact>
          </dl>
        )}
        <Timeline visits={card.visits} episodes={card.episodes} />
        {card.visits.length === 0 ? (
          <p class="empty">{w.noVisits}</p>
        ) : (
          <DataTable
            caption={w.visitsCaption}
            rows={[...card.visits].sort((a, b) => b.visitedAt.localeCompare(a.visitedAt))}
            rowKey={(visit) => visit.visitId}
            columns={[
              { key: 'day', label: w.visitColumns.day, value: (visit) => formats.day(visit.day) },
              { key: 'doctor', label: w.visitColumns.doctor, value: (visit) => visit.doctorId ?? w.none },
              { key: 'branch', label: w.visitColumns.branch, value: (visit) => visit.branchId ?? w.none },
              { key: 'category', label: w.visitColumns.category, value: (visit) => visit.serviceCategory ?? w.none },
              { key: 'amount', label: w.visitColumns.amount, value: (visit) => moneyIn(formats, visit.amount.minor, visit.amount.currency), numeric: true },
            ]}
          />
        )}
      </section>
    </>
  );
};

const Episodes = ({ episodes }: { episodes: readonly LapseEpisode[] }) => {
  const { words, formats } = useLocale();
  const w = words.client;
  return (
    <section class="card" aria-labelledby="client-episodes">
      <h2 id="client-episodes">{w.episodes}</h2>
      {episodes.length === 0 ? (
        <p class="empty">{w.noEpisodes}</p>
      ) : (
        <DataTable
          caption={w.episodesCaption}
          rows={episodes}
          rowKey={(episode) => episode.episodeId}
          columns={[
            { key: 'since', label: w.episodeColumns.since, value: (episode) => formats.day(episode.openedOn) },
            {
              key: 'kind',
              label: w.episodeColumns.kind,
              value: (episode) => words.lapsed.kinds[episode.explanation.kind ?? 'lapsed-regular'] ?? episode.explanation.kind,
            },
            {
              key: 'why',
              label: w.episodeColumns.why,
              value: (episode) =>
                whyOf(words, formats, {
                  kind: episode.explanation.kind,
                  rule: episode.explanation.rule,
                  days: episode.explanation.daysSinceLastVisit,
                  gap: episode.explanation.usualGapDays,
                }),
            },
            {
              key: 'pAlive',
              label: words.lapsed.columns.pAlive,
              value: (episode) => (episode.explanation.pAlive === undefined ? w.none : probability(formats, episode.explanation.pAlive)),
              numeric: true,
            },
            {
              key: 'valueAtRisk',
              label: words.lapsed.columns.valueAtRisk,
              value: (episode) =>
                episode.explanation.valueAtRisk ? moneyIn(formats, episode.explanation.valueAtRisk.minor, episode.explanation.valueAtRisk.currency) : w.none,
              numeric: true,
            },
            { key: 'status', label: w.episodeColumns.status, value: (episode) => w.episodeStatuses[episode.status] ?? episode.status },
            { key: 'closed', label: w.episodeColumns.closed, value: (episode) => (episode.closedOn ? formats.day(episode.closedOn) : w.none) },
            { key: 'control', label: w.episodeColumns.control, value: (episode) => (episode.controlGroup ? w.controlGroup : w.asked) },
          ]}
        />
      )}
    </section>
  );
};

const Requests = ({ requests }: { requests: readonly RequestOnCard[] }) => {
  const { words, formats } = useLocale();
  const w = words.client;
  return (
    <section class="card" aria-labelledby="client-requests">
      <h2 id="client-requests">{w.requests}</h2>
      {requests.length === 0 ? (
        <p class="empty">{w.noRequests}</p>
      ) : (
        <DataTable
          caption={w.requestsCaption}
          rows={requests}
          rowKey={(request) => request.outreachId}
          columns={[
            { key: 'episode', label: w.requestColumns.episode, value: (request) => formats.day(request.episodeId) },
            { key: 'request', label: w.requestColumns.request, value: (request) => w.requestNumber(request.request) },
            { key: 'requestedOn', label: w.requestColumns.requestedOn, value: (request) => formats.day(request.requestedOn) },
            {
              key: 'channel',
              label: w.requestColumns.channel,
              value: (request) => (request.channel ? (w.channels[request.channel] ?? request.channel) : w.none),
            },
            { key: 'sentAt', label: w.requestColumns.sentAt, value: (request) => (request.sentAt ? formats.instant(request.sentAt) : w.none) },
            {
              key: 'status',
              label: w.requestColumns.status,
              value: (request) => <span data-status={request.status}>{w.requestStatuses[request.status] ?? request.status}</span>,
            },
            { key: 'reason', label: w.requestColumns.reason, value: (request) => request.reason ?? w.none },
          ]}
        />
      )}
    </section>
  );
};

const AnswersOnCard = ({ answers, reasons }: { answers: readonly AnswerOnCard[]; reasons: ReasonList | undefined }) => {
  const { words, formats } = useLocale();
  const w = words.client;
  const said = (answer: AnswerOnCard) => {
    const flags = [answer.callMe && w.callBack, answer.book && w.book, answer.optedOut && w.optedOutAnswer].filter((flag): flag is string => Boolean(flag));
    return (
      <>
        {answer.text && <span class="said">{answer.text}</span>}
        {answer.truncated && answer.textLength !== undefined && <span class="note"> {w.truncated(formats.number(answer.textLength))}</span>}
        {flags.length > 0 && <span class="flags">{flags.join(' · ')}</span>}
        {!answer.text && flags.length === 0 && w.none}
      </>
    );
  };
  return (
    <section class="card" aria-labelledby="client-answers">
      <h2 id="client-answers">{w.answers}</h2>
      {answers.length === 0 ? (
        <p class="empty">{w.noAnswers}</p>
      ) : (
        <DataTable
          caption={w.answersCaption}
          rows={[...answers].sort((a, b) => b.receivedAt.localeCompare(a.receivedAt) || b.answerId.localeCompare(a.answerId))}
          rowKey={(answer) => answer.answerId}
          columns={[
            { key: 'received', label: w.answerColumns.received, value: (answer) => formats.instant(answer.receivedAt) },
            { key: 'channel', label: w.answerColumns.channel, value: (answer) => w.answerChannels[answer.channel] ?? answer.channel },
            {
              key: 'reason',
              label: w.answerColumns.reason,
              value: (answer) => (
                <>
                  <span data-reason={answer.reason?.id}>
                    {answer.reason ? reasonLabel(reasons, answer.reason.id, formats.language, answer.reason.label) : answer.candidate ? w.pending : w.none}
                  </span>
                  {answer.alsoReasonId && <span class="note"> ({w.also(reasonLabel(reasons, answer.alsoReasonId, formats.language))})</span>}
                </>
              ),
            },
            { key: 'confidence', label: w.answerColumns.confidence, value: (answer) => formats.share(answer.confidence), numeric: true },
            { key: 'said', label: w.answerColumns.said, value: said },
            { key: 'by', label: w.answerColumns.by, value: (answer) => answer.by ?? w.none },
          ]}
        />
      )}
    </section>
  );
};

const lastStep = (followUp: FollowUp) => followUp.history.at(-1);

const FollowUpsOnCard = ({ followUps }: { followUps: readonly FollowUp[] }) => {
  const { words, formats } = useLocale();
  const w = words.client;
  return (
    <section class="card" aria-labelledby="client-follow-ups">
      <h2 id="client-follow-ups">{w.followUps}</h2>
      {followUps.length === 0 ? (
        <p class="empty">{w.noFollowUps}</p>
      ) : (
        <DataTable
          caption={w.followUpsCaption}
          rows={followUps}
          rowKey={(followUp) => followUp.followUpId}
          columns={[
            { key: 'kind', label: w.followUpColumns.kind, value: (followUp) => w.followUpKinds[followUp.kind] ?? followUp.kind },
            {
              key: 'status',
              label: w.followUpColumns.status,
              value: (followUp) => (
                <a href={hrefOf('/follow-ups', { status: followUp.status })} data-status={followUp.status}>
                  {w.followUpStatuses[followUp.status] ?? followUp.status}
                </a>
              ),
            },
            { key: 'opened', label: w.followUpColumns.opened, value: (followUp) => formats.instant(followUp.openedAt) },
            {
              key: 'last',
              label: w.followUpColumns.last,
              value: (followUp) => {
                const step = lastStep(followUp);
                if (!step) return w.none;
                return (
                  <>
                    {w.step(w.followUpStatuses[step.status] ?? step.status, formats.instant(step.at), step.by)}
                    {step.note && <span class="said">{step.note}</span>}
                  </>
                );
              },
            },
          ]}
        />
      )}
    </section>
  );
};

/** What a 400 named: each field and why, keyed by the field's path. */
const fieldProblems = (error: unknown): Record<string, string> =>
  error instanceof ApiError ? Object.fromEntries(error.issues.map((issue) => [issue.path ?? issue.parameter ?? '', issue.reason ?? ''])) : {};

const RecordAnswer = ({ clientId, reasons, onRecorded }: { clientId: string; reasons: Loaded<Answers['reasons']>; onRecorded: (notice: string) => void }) => {
  const { words, formats } = useLocale();
  const w = words.client;
  const [reason, setReason] = useState('');
  const [date, setDate] = useState('');
  const [note, setNote] = useState('');
  const [callBack, setCallBack] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>();
  const list = reasonsOf(reasons);
  const offered = (list ?? [])
    .filter((each) => each.status === 'active' && !each.mergedInto)
    .map((each) => ({ id: each.id, label: reasonLabel(list, each.id, formats.language) }))
    .sort((a, b) => a.label.localeCompare(b.label, formats.language));
  const problems = fieldProblems(error);
  const missingReason = error === 'reason';
  if (missingReason) problems.reason = w.chooseReason;
  const problemOf = (field: string) =>
    problems[field] ? (
      <span class="field-error" id={`record-${field}-error`}>
        {problems[field]}
      </span>
    ) : null;
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (!reason) {
      setError('reason');
      return;
    }
    setSaving(true);
    setError(undefined);
    try {
      const result = await call('recordAnswer', {
        params: { clientId },
        body: { reason, ...(date && { date }), ...(note.trim() && { note: note.trim() }), ...(callBack && { callBack: true }) },
      });
      const label = offered.find((each) => each.id === reason)?.label ?? reason;
      setReason('');
      setDate('');
      setNote('');
      setCallBack(false);
      onRecorded(w.recorded(label) + w.followUpsOpened(result.followUps.length) + (result.outreachEnded ? w.outreachStopped : ''));
    } catch (failure) {
      setError(failure);
    } finally {
      setSaving(false);
    }
  };
  return (
    <form class="record-answer" noValidate onSubmit={(event) => void submit(event)} data-testid="record-answer">
      <p class="note">{w.recordIntro}</p>
      {reasons.state === 'failed' && <ErrorNote error={reasons.error} />}
      <label>
        {w.reason}
        <select
          name="reason"
          value={reason}
          required
          aria-invalid={problems.reason ? 'true' : undefined}
          aria-describedby={problems.reason ? 'record-reason-error' : undefined}
          onChange={(event) => setReason(event.currentTarget.value)}
        >
          <option value="">{reasons.state === 'loading' ? words.common.loading : w.chooseReason}</option>
          {offered.map((each) => (
            <option key={each.id} value={each.id}>
              {each.label}
            </option>
          ))}
        </select>
        {problemOf('reason')}
      </label>
      <label>
        {w.date}
        <input
          type="date"
          name="date"
          value={date}
          max={todayIso()}
          aria-invalid={problems.date ? 'true' : undefined}
          aria-describedby={problems.date ? 'record-date-error record-date-hint' : 'record-date-hint'}
          onInput={(event) => setDate(event.currentTarget.value)}
        />
        <span class="note" id="record-date-hint">
          {w.dateHint}
        </span>
        {problemOf('date')}
      </label>
      <label>
        {w.note}
        <textarea
          name="note"
          rows={3}
          maxLength={1000}
          value={note}
          aria-invalid={problems.note ? 'true' : undefined}
          aria-describedby={problems.note ? 'record-note-error' : undefined}
          onInput={(event) => setNote(event.currentTarget.value)}
        />
        {problemOf('note')}
      </label>
      <label class="choice">
        <input type="checkbox" name="callBack" checked={callBack} onChange={(event) => setCallBack(event.currentTarget.checked)} />
        {w.wantsCallBack}
      </label>
      {error !== undefined && !missingReason && (
        <div class="error" role="alert" data-testid="record-error">
          <p>{error instanceof Error ? error.message : String(error)}</p>
          {Object.keys(problems).length > 0 && (
            <ul>
              {Object.entries(problems).map(([field, why]) => (
                <li key={field}>{words.common.fieldProblem(w.fields[field] ?? field, why)}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      <button type="submit" class="primary" disabled={saving}>
        {saving ? w.saving : w.submit}
      </button>
    </form>
  );
};

const TheCard = ({
  card,
  reasons,
  notice,
  onRecorded,
}: {
  card: ClientCard;
  reasons: Loaded<Answers['reasons']>;
  notice: string;
  onRecorded: (notice: string) => void;
}) => {
  const { words } = useLocale();
  const w = words.client;
  const list = reasonsOf(reasons);
  return (
    <article class="client-card" data-testid="client-card" data-client-id={card.client.profile.clientId}>
      <h1>{card.client.profile.name ?? w.unnamed(card.client.profile.clientId)}</h1>
      <Contact card={card} />
      <Episodes episodes={card.episodes} />
      <Requests requests={card.requests} />
      <AnswersOnCard answers={card.answers} reasons={list} />
      <section class="card" aria-labelledby="client-record">
        <h2 id="client-record">{w.record}</h2>
        <RecordAnswer clientId={card.client.profile.clientId} reasons={reasons} onRecorded={onRecorded} />
        <p class="ok" role="status" data-testid="record-status">
          {notice}
        </p>
      </section>
      <FollowUpsOnCard followUps={card.followUps} />
      <p>
        <a href={hrefOf('/follow-ups')}>{w.allFollowUps}</a>
      </p>
    </article>
  );
};

export const ClientCardPage = ({ params }: PageProps) => {
  const { words } = useLocale();
  const clientId = params.clientId ?? '';
  const [loaded, reload] = useLoaded(() => call('clientCard', { params: { clientId } }), clientId);
  const reasons = useReasons();
  const [notice, setNotice] = useState('');
  // While the card reloads after an answer, the card read before stays on screen.
  const shown = useRef<ClientCard | undefined>(undefined);
  if (loaded.state === 'ready') shown.current = loaded.value;
  useEffect(() => setNotice(''), [clientId]);
  const previous = shown.current?.client.profile.clientId === clientId ? shown.current : undefined;
  if (loaded.state === 'failed') {
    return (
      <>
        <h1>{words.client.notFound(clientId)}</h1>
        <ErrorNote error={loaded.error} retry={loaded.error instanceof ApiError && loaded.error.status === 404 ? undefined : reload} />
        {loaded.error instanceof ApiError && loaded.error.status === 404 && <p class="note">{words.client.notFoundHint}</p>}
      </>
    );
  }
  const card = loaded.state === 'ready' ? loaded.value : previous;
  if (!card) {
    return (
      <>
        <h1>{words.client.unnamed(clientId)}</h1>
        <Loading />
      </>
    );
  }
  return (
    <TheCard
      card={card}
      reasons={reasons}
      notice={notice}
      onRecorded={(message) => {
        setNotice(message);
        reload();
      }}
    />
  );
};
