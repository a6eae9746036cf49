/**
 * The filters of a report page. They live in the address (`#/lost?from=…&branch=…`), so a reload
 * or a bookmark keeps them; applying them only moves the address, and the page loads from it.
 */
import { useEffect, useState } from 'preact/hooks';
import { useWords } from './i18n.ts';
import { navigate } from './router.ts';

export type FilterName = 'from' | 'to' | 'branch' | 'doctor' | 'channel' | 'churnType' | 'days' | 'by';
export type FilterValues = Readonly<Partial<Record<FilterName, string>>>;

/** A filter that is a choice among a few values; '' is "all" unless a default is given. */
export interface Choice {
  readonly name: FilterName;
  readonly label: string;
  readonly options: readonly { readonly value: string; readonly label: string }[];
}

export const filterValues = (query: URLSearchParams, names: readonly FilterName[]): FilterValues =>
  Object.fromEntries(names.flatMap((name) => (query.get(name) ? [[name, query.get(name)!]] : [])));

/** The chosen filters, only those a report takes. */
export const pick = (values: FilterValues, names: readonly FilterName[]): Record<string, string | undefined> =>
  Object.fromEntries(names.filter((name) => values[name]).map((name) => [name, values[name]]));

export const ReportFilters = ({
  path,
  values,
  fields,
  choices = [],
}: {
  path: string;
  values: FilterValues;
  /** The free filters this page offers, in this order. */
  fields: readonly ('from' | 'to' | 'branch' | 'doctor' | 'days')[];
  choices?: readonly Choice[];
}) => {
  const words = useWords().reports;
  const [draft, setDraft] = useState<Record<string, string>>({ ...values });
  useEffect(() => setDraft({ ...values }), [JSON.stringify(values)]);
  const set = (name: string, value: string): void => setDraft((before) => ({ ...before, [name]: value }));
  const input = (name: 'from' | 'to' | 'branch' | 'doctor' | 'days') => {
    const type = name === 'from' || name === 'to' ? 'date' : name === 'days' ? 'number' : 'text';
    return (
      <label key={name}>
        {words.filters[name]}
        <input
          type={type}
          name={name}
          value={draft[name] ?? ''}
          min={type === 'number' ? 1 : undefined}
          max={type === 'number' ? 730 : undefined}
          onInput={(event) => set(name, event.currentTarget.value)}
        />
      </label>
    );
  };
  return (
    <form
      class="filters"
      aria-label={words.filters.label}
      onSubmit={(event) => {
        event.preventDefault();
        navigate(path, draft);
      }}
    >
      {fields.map(input)}
      {choices.map((choice) => (
        <label key={choice.name}>
          {choice.label}
          <select
            name={choice.name}
            value={draft[choice.name] || (choice.options[0]?.value ?? '')}
            onChange={(event) => set(choice.name, event.currentTarget.value)}
          >
            {choice.options.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
      ))}
      <button type="submit" class="primary">
        {words.filters.apply}
      </button>
      <button type="button" onClick={() => navigate(path)}>
        {words.filters.clear}
      </button>
    </form>
  );
};
