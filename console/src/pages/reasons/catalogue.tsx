/** The catalogue: each reason with its churn type, status, answers and trend, and its rename, merge and retire behind a confirmation. */
import { useId, useState } from 'preact/hooks';
import { type ReportRows, call } from '../../api.ts';
import { DataTable, type Loaded, Loading } from '../../components.tsx';
import { useLocale } from '../../i18n.ts';
import { ActionError, Confirmation, type CountedReason, LabelLanguageSelect, labelOf, languageName, productLanguage } from './common.tsx';
import { Sparkline, TrendTable, lastMonths, seriesOf, trendMonths, trendOf } from './trend.tsx';

export type ReasonAction = { readonly kind: 'rename' | 'merge' | 'retire'; readonly reason: CountedReason };

/** Active reasons first, most answered first; retired and merged ones after. */
const ordered = (reasons: readonly CountedReason[], language: string): CountedReason[] =>
  [...reasons].sort(
    (a, b) =>
      Number(b.status === 'active') - Number(a.status === 'active') ||
      b.answers - a.answers ||
      labelOf(a, language).localeCompare(labelOf(b, language), language),
  );

export const Catalogue = ({
  reasons,
  trend,
  retryTrend,
  act,
}: {
  reasons: readonly CountedReason[];
  trend: Loaded<ReportRows>;
  retryTrend: () => void;
  act: (action: ReasonAction) => void;
}) => {
  const { words, formats } = useLocale();
  const w = words.reasons;
  const byId = new Map(reasons.map((reason) => [reason.id, reason]));
  const months = lastMonths(trendMonths);
  const counted = trend.state === 'ready' ? trendOf(trend.value) : undefined;
  const rows = ordered(reasons, formats.language);
  const statusOf = (reason: CountedReason): string => {
    if (reason.mergedInto !== undefined) {
      const into = byId.get(reason.mergedInto);
      return w.statusMerged(into ? labelOf(into, formats.language) : reason.mergedInto);
    }
    return reason.status === 'active' ? w.statusActive : w.statusRetired;
  };
  return (
    <>
      {trend.state === 'loading' && <Loading seconds={trend.seconds} />}
      {trend.state === 'failed' && (
        <div class="note trend-failed" data-testid="trend-failed">
          <p>
            {w.trendFailed} ({trend.error instanceof Error ? trend.error.message : String(trend.error)})
          </p>
          <button type="button" onClick={retryTrend}>
            {words.common.retry}
          </button>
        </div>
      )}
      <DataTable
        caption={w.catalogueCaption}
        rows={rows}
        rowKey={(reason) => reason.id}
        columns={[
          {
            key: 'reason',
            label: w.columnReason,
            value: (reason) => (
              <span data-testid={`reason-row-${reason.id}`}>
                <span class="reason-label">{labelOf(reason, formats.language)}</span>
                {reason.offeredToClients === false && <span class="note reason-aside"> ({w.notOffered})</span>}
              </span>
            ),
          },
          { key: 'churn', label: w.columnChurnType, value: (reason) => w.churnTypes[reason.churnType] ?? reason.churnType },
          { key: 'status', label: w.columnStatus, value: (reason) => <span data-testid={`reason-status-${reason.id}`}>{statusOf(reason)}</span> },
          {
            key: 'answers',
            label: w.columnAnswers,
            numeric: true,
            value: (reason) => (
              <span data-testid={`reason-answers-${reason.id}`} data-count={reason.answers}>
                {formats.number(reason.answers)}
              </span>
            ),
          },
          {
            key: 'trend',
            label: w.columnTrend,
            value: (reason) => {
              if (reason.mergedInto !== undefined) {
                const into = byId.get(reason.mergedInto);
                return <span class="note">{w.countsUnder(into ? labelOf(into, formats.language) : reason.mergedInto)}</span>;
              }
              if (counted) return <Sparkline reason={reason} values={seriesOf(counted, reason.id, months)} months={months} />;
              return trend.state === 'failed' ? '—' : '…';
            },
          },
          {
            key: 'actions',
            label: w.columnActions,
            value: (reason) =>
              reason.status === 'active' && (
                <span class="row-actions">
                  {(['rename', 'merge', 'retire'] as const).map((kind) => (
                    <button
                      key={kind}
                      type="button"
                      data-testid={`reason-${kind}-${reason.id}`}
                      aria-label={
                        kind === 'rename'
                          ? w.renameOf(labelOf(reason, formats.language))
                          : kind === 'merge'
                            ? w.mergeOf(labelOf(reason, formats.language))
                            : w.retireOf(labelOf(reason, formats.language))
                      }
                      onClick={() => act({ kind, reason })}
                    >
                      {w[kind]}
                    </button>
                  ))}
                </span>
              ),
          },
        ]}
      />
      {counted && (
        <details class="trend-numbers">
          <summary>{w.trendNumbers}</summary>
          <TrendTable reasons={rows.filter((reason) => reason.mergedInto === undefined)} trend={counted} months={months} />
          <p class="note">{w.trendNote}</p>
        </details>
      )}
    </>
  );
};

/** What a confirmed action says it did, for the page's status message. */
export type Done = (message: string) => void;

interface DialogProps {
  readonly action: ReasonAction;
  readonly reasons: readonly CountedReason[];
  readonly close: () => void;
  readonly done: Done;
  readonly reload: () => void;
}

/** The confirmation of one rename, merge or retire: it says what will be re-counted, and does it only when confirmed. */
export const ReasonDialog = (props: DialogProps) => {
  if (props.action.kind === 'rename') return <RenameDialog {...props} />;
  if (props.action.kind === 'merge') return <MergeDialog {...props} />;
  return <RetireDialog {...props} />;
};

const useAction = (done: Done) => {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = async (work: () => Promise<string>): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      done(await work());
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };
  return { busy, error, run };
};

const Buttons = ({ busy, confirm, close, disabled }: { busy: boolean; confirm: string; close: () => void; disabled?: boolean }) => {
  const { words } = useLocale();
  return (
    <div class="toolbar dialog-buttons">
      <button type="button" onClick={close}>
        {words.reasons.cancel}
      </button>
      <button type="submit" class="primary" disabled={busy || disabled} data-testid="reason-dialog-confirm">
        {busy ? words.reasons.working : confirm}
      </button>
    </div>
  );
};

const RenameDialog = ({ action: { reason }, close, done, reload }: DialogProps) => {
  const { words, formats } = useLocale();
  const w = words.reasons;
  const describedBy = useId();
  const current = labelOf(reason, formats.language);
  const [locale, setLocale] = useState(() => productLanguage(formats.language));
  const [label, setLabel] = useState(() => reason.labels[locale] ?? '');
  const { busy, error, run } = useAction(done);
  const next = label.trim();
  const changed = next !== '' && next !== (reason.labels[locale] ?? '');
  const submit = (event: Event): void => {
    event.preventDefault();
    if (!changed) return;
    void run(async () => {
      await call('renameReason', { params: { reasonId: reason.id }, body: { locale, label: next } });
      return w.renamed(reason.labels[locale] ?? current, next);
    });
  };
  return (
    <Confirmation title={w.renameOf(current)} describedBy={describedBy} onClose={close}>
      <form class="dialog-form" onSubmit={submit}>
        <LabelLanguageSelect
          label={w.renameLanguage}
          value={locale}
          testId="rename-language"
          onChange={(tag) => {
            setLocale(tag);
            setLabel(reason.labels[tag] ?? '');
          }}
        />
        <label>
          {w.renameLabel}
          <input
            type="text"
            required
            maxLength={80}
            value={label}
            lang={locale}
            data-initial-focus
            data-testid="rename-label"
            onInput={(event) => setLabel(event.currentTarget.value)}
          />
        </label>
        <p id={describedBy} class="confirm-text" aria-live="polite">
          {changed ? w.renameConfirm(reason.labels[locale] ?? current, reason.answers, languageName(locale, formats.language), next) : ''}
        </p>
        {error !== undefined && <ActionError error={error} reload={reload} />}
        <Buttons busy={busy} confirm={w.renameButton} close={close} disabled={!changed} />
      </form>
    </Confirmation>
  );
};

const MergeDialog = ({ action: { reason }, reasons, close, done, reload }: DialogProps) => {
  const { words, formats } = useLocale();
  const w = words.reasons;
  const describedBy = useId();
  const from = labelOf(reason, formats.language);
  const [into, setInto] = useState('');
  const { busy, error, run } = useAction(done);
  const targets = reasons.filter((each) => each.status === 'active' && each.id !== reason.id);
  const target = targets.find((each) => each.id === into);
  const intoLabel = target ? labelOf(target, formats.language) : '';
  const submit = (event: Event): void => {
    event.preventDefault();
    if (!target) return;
    void run(async () => {
      await call('mergeReason', { params: { reasonId: reason.id }, body: { into: target.id } });
      return w.merged(from, intoLabel);
    });
  };
  return (
    <Confirmation title={w.mergeOf(from)} describedBy={describedBy} onClose={close}>
      <form class="dialog-form" onSubmit={submit}>
        <label>
          {w.mergeInto}
          <select required value={into} data-initial-focus data-testid="merge-into" onChange={(event) => setInto(event.currentTarget.value)}>
            <option value="">{w.chooseReason}</option>
            {targets.map((each) => (
              <option key={each.id} value={each.id}>
                {labelOf(each, formats.language)}
              </option>
            ))}
          </select>
        </label>
        <p id={describedBy} class="confirm-text" aria-live="polite" data-testid="merge-confirm-text">
          {target ? w.mergeConfirm(from, reason.answers, intoLabel) : w.mergeChoose}
        </p>
        {error !== undefined && <ActionError error={error} reload={reload} />}
        <Buttons busy={busy} confirm={w.mergeButton} close={close} disabled={!target} />
      </form>
    </Confirmation>
  );
};

const RetireDialog = ({ action: { reason }, close, done, reload }: DialogProps) => {
  const { words, formats } = useLocale();
  const w = words.reasons;
  const describedBy = useId();
  const label = labelOf(reason, formats.language);
  const { busy, error, run } = useAction(done);
  const submit = (event: Event): void => {
    event.preventDefault();
    void run(async () => {
      await call('retireReason', { params: { reasonId: reason.id } });
      return w.retired(label);
    });
  };
  return (
    <Confirmation title={w.retireOf(label)} describedBy={describedBy} onClose={close}>
      <form class="dialog-form" onSubmit={submit}>
        <p id={describedBy} class="confirm-text" data-testid="retire-confirm-text">
          {w.retireConfirm(label, reason.answers)}
        </p>
        {error !== undefined && <ActionError error={error} reload={reload} />}
        <div class="toolbar dialog-buttons">
          <button type="button" data-initial-focus onClick={close}>
            {w.cancel}
          </button>
          <button type="submit" class="primary" disabled={busy} data-testid="reason-dialog-confirm">
            {busy ? w.working : w.retireButton}
          </button>
        </div>
      </form>
    </Confirmation>
  );
};
