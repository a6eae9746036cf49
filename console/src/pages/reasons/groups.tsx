/** The pending answers in groups: what each group says, in which languages, what the matcher suggests; map it to a reason or make it a new one. */
import { useState } from 'preact/hooks';
import { call } from '../../api.ts';
import { useLocale } from '../../i18n.ts';
import type { PendingGroup, PendingGroups } from '../../../../shared/answers/pending-groups.ts';
import { ActionError, type CountedReason, LabelLanguageSelect, labelOf, languageName, productLanguage } from './common.tsx';
import type { Done } from './catalogue.tsx';

const churnTypes = ['voluntary', 'involuntary', 'passive'] as const;

export const Groups = ({ groups, reasons, done, reload }: { groups: PendingGroups; reasons: readonly CountedReason[]; done: Done; reload: () => void }) => {
  const { words } = useLocale();
  if (groups.groups.length === 0) return <p data-testid="no-groups">{words.reasons.noGroups}</p>;
  return (
    <>
      <p data-testid="groups-summary">{words.reasons.groupsSummary(groups.groups.length, groups.grouped)}</p>
      {groups.leftOut > 0 && <p class="note">{words.reasons.leftOut(groups.leftOut)}</p>}
      <ul class="groups">
        {groups.groups.map((group) => (
          <li key={group.groupId}>
            <Group group={group} reasons={reasons} done={done} reload={reload} />
          </li>
        ))}
      </ul>
    </>
  );
};

/** The language a new reason's label is in by default: the group's only language, else the console's. */
const defaultLocale = (group: PendingGroup, language: string): string =>
  group.locales.length === 1 && group.locales[0] ? group.locales[0] : productLanguage(language);

const Group = ({ group, reasons, done, reload }: { group: PendingGroup; reasons: readonly CountedReason[]; done: Done; reload: () => void }) => {
  const { words, formats } = useLocale();
  const w = words.reasons;
  const active = reasons.filter((reason) => reason.status === 'active');
  const suggested =
    group.suggestion.kind === 'reason' ? reasons.find((reason) => reason.id === (group.suggestion as { reasonId: string }).reasonId) : undefined;
  const [reasonId, setReasonId] = useState(() => (suggested && suggested.status === 'active' ? suggested.id : ''));
  const [label, setLabel] = useState(group.suggestion.kind === 'new' ? group.suggestion.label : group.topic);
  const [locale, setLocale] = useState(() => defaultLocale(group, formats.language));
  const [churnType, setChurnType] = useState<(typeof churnTypes)[number]>('voluntary');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const id = `group-${group.groupId}`;

  const run = async (work: () => Promise<string>): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      done(await work());
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const map = (event: Event): void => {
    event.preventDefault();
    const reason = active.find((each) => each.id === reasonId);
    if (!reason) return;
    void run(async () => {
      const placed = await call('mapGroup', { params: { groupId: group.groupId }, body: { reasonId: reason.id } });
      return w.mapped(group.topic, labelOf(reason, formats.language), placed.placed, placed.texts) + w.alsoPlaced(placed.alsoPlaced);
    });
  };
  const approve = (event: Event): void => {
    event.preventDefault();
    const newLabel = label.trim();
    if (!newLabel) return;
    void run(async () => {
      const placed = await call('approveGroup', { params: { groupId: group.groupId }, body: { label: newLabel, locale, churnType } });
      return w.approved(newLabel, placed.placed, placed.texts) + w.alsoPlaced(placed.alsoPlaced);
    });
  };

  const suggestion =
    group.suggestion.kind === 'reason'
      ? w.suggestedReason(suggested ? labelOf(suggested, formats.language) : group.suggestion.reasonId, formats.share(group.suggestion.confidence))
      : w.suggestedNew(group.suggestion.label);

  return (
    <article class="group" aria-labelledby={`${id}-heading`} data-testid={id} data-group-topic={group.topic}>
      <h3 id={`${id}-heading`}>{w.groupHeading(group.topic, group.answers, group.locales.length)}</h3>
      <p class="note">
        {w.wordings(group.texts.length)} · {w.languagesOf}: {group.locales.map((tag) => languageName(tag, formats.language)).join(', ')}
      </p>
      <p class="examples-label">{w.examples}:</p>
      <ul class="examples">
        {group.examples.map((example) => (
          <li key={example}>“{example}”</li>
        ))}
      </ul>
      <p class="suggestion" data-testid={`${id}-suggestion`}>
        {suggestion}
      </p>
      <div class="group-actions">
        <form onSubmit={map}>
          <fieldset>
            <legend>{w.mapLegend}</legend>
            <div class="fields">
              <label>
                {w.mapReason}
                <select
                  required
                  value={reasonId}
                  aria-describedby={`${id}-map-note`}
                  data-testid={`${id}-map-select`}
                  onChange={(event) => setReasonId(event.currentTarget.value)}
                >
                  <option value="">{w.chooseReason}</option>
                  {active.map((reason) => (
                    <option key={reason.id} value={reason.id}>
                      {labelOf(reason, formats.language)}
                    </option>
                  ))}
                </select>
              </label>
              <button type="submit" class="primary" disabled={busy || !reasonId} data-testid={`${id}-map-button`}>
                {busy ? w.working : w.mapButton}
              </button>
            </div>
            <p id={`${id}-map-note`} class="note">
              {w.mapWillCount(group.answers)}
            </p>
          </fieldset>
        </form>
        <form onSubmit={approve}>
          <fieldset>
            <legend>{w.approveLegend}</legend>
            <div class="fields">
              <label>
                {w.newLabel}
                <input
                  type="text"
                  required
                  maxLength={80}
                  value={label}
                  lang={locale}
                  data-testid={`${id}-approve-label`}
                  onInput={(event) => setLabel(event.currentTarget.value)}
                />
              </label>
              <LabelLanguageSelect label={w.newLanguage} value={locale} testId={`${id}-approve-language`} onChange={setLocale} />
              <label>
                {w.newChurnType}
                <select
                  value={churnType}
                  data-testid={`${id}-approve-churn-type`}
                  onChange={(event) => setChurnType(event.currentTarget.value as (typeof churnTypes)[number])}
                >
                  {churnTypes.map((type) => (
                    <option key={type} value={type}>
                      {w.churnTypes[type]}
                    </option>
                  ))}
                </select>
              </label>
              <button type="submit" disabled={busy || label.trim() === ''} data-testid={`${id}-approve-button`}>
                {busy ? w.working : w.approveButton}
              </button>
            </div>
          </fieldset>
        </form>
      </div>
      {error !== undefined && <ActionError error={error} reload={reload} />}
    </article>
  );
};
