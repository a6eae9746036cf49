/** What the Reasons page's parts share: a reason's label in the chosen language, language names, an action's error, a modal confirmation. */
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import { ApiError } from '../../api.ts';
import { ErrorNote } from '../../components.tsx';
import { languages, useLocale, useWords } from '../../i18n.ts';
import type { Reason } from '../../../../shared/answers/reasons.ts';

/** A reason as `GET /reasons` answers it: with how many answers count under it now. */
export type CountedReason = Reason & { answers: number };

/** The reason's label in the language, then its base language, then English, then any, then its id. */
export const labelOf = (reason: Pick<Reason, 'id' | 'labels'>, language: string): string =>
  reason.labels[language] ?? reason.labels[language.split('-')[0] ?? ''] ?? reason.labels.en ?? Object.values(reason.labels)[0] ?? reason.id;

/** A language tag's name in the console's language ("el" in English: "Greek"); the tag itself where the browser cannot name it. */
export const languageName = (tag: string, inLanguage: string): string => {
  try {
    return new Intl.DisplayNames([inLanguage], { type: 'language' }).of(tag) ?? tag;
  } catch {
    return tag;
  }
};

/** The languages a new or renamed label can be in: the product's, and the one wanted if it is not among them. */
export const labelLanguages = (wanted: string): string[] => {
  const tags: string[] = languages.map((each) => each.tag);
  return tags.includes(wanted) ? tags : [...tags, wanted];
};

/** A labelled select of the languages a label can be in, each named in the console's language. */
export const LabelLanguageSelect = ({ label, value, testId, onChange }: { label: string; value: string; testId: string; onChange: (tag: string) => void }) => {
  const { formats } = useLocale();
  return (
    <label>
      {label}
      <select value={value} data-testid={testId} onChange={(event) => onChange(event.currentTarget.value)}>
        {labelLanguages(value).map((tag) => (
          <option key={tag} value={tag}>
            {languageName(tag, formats.language)}
          </option>
        ))}
      </select>
    </label>
  );
};

/** The product language nearest the one chosen: its base if the product has it, else English. */
export const productLanguage = (language: string): string => {
  const base = language.split('-')[0] ?? 'en';
  return languages.some((each) => each.tag === base) ? base : 'en';
};

/** An action's failure: the API's words (and its fields), and what to do: reload when things changed meanwhile, correct a bad field. */
export const ActionError = ({ error, reload }: { error: unknown; reload: () => void }) => {
  const words = useWords();
  const status = error instanceof ApiError ? error.status : 0;
  return (
    <div class="action-error">
      <ErrorNote error={error} />
      {(status === 409 || status === 404) && (
        <p class="note">
          {words.reasons.changedMeanwhile}{' '}
          <button type="button" onClick={reload}>
            {words.reasons.reload}
          </button>
        </p>
      )}
      {status === 400 && <p class="note">{words.reasons.fixAndRetry}</p>}
    </div>
  );
};

/**
 * A modal confirmation: a `<dialog>` opened with `showModal()`, so focus moves into it (to the
 * element marked `data-initial-focus`, else the first control), the rest of the page is inert,
 * Escape closes it, and it is named by its heading and described by what it will do.
 */
export const Confirmation = ({
  title,
  describedBy,
  onClose,
  children,
}: {
  title: string;
  describedBy: string;
  onClose: () => void;
  children: ComponentChildren;
}) => {
  const dialog = useRef<HTMLDialogElement>(null);
  const headingId = useId();
  useEffect(() => {
    const element = dialog.current;
    if (!element) return undefined;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!element.open) element.showModal();
    element.querySelector<HTMLElement>('[data-initial-focus]')?.focus();
    return () => {
      if (element.open) element.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  return (
    <dialog ref={dialog} class="confirm" aria-labelledby={headingId} aria-describedby={describedBy} data-testid="reason-dialog" onClose={onClose}>
      <h2 id={headingId}>{title}</h2>
      {children}
    </dialog>
  );
};
