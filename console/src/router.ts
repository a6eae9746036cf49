/**
 * Pages live in the address's fragment (`#/lost?by=month`), so a bookmark or a reload opens the
 * same page with the same filters, and the static host needs no rewrite rules.
 */
import { useEffect, useState } from 'preact/hooks';

export interface Place {
  /** `/lost`, `/clients/c-00042`. */
  readonly path: string;
  readonly query: URLSearchParams;
}

export const placeOf = (hash: string): Place => {
  const [path = '/', query = ''] = hash.replace(/^#/, '').split('?', 2);
  return { path: path || '/', query: new URLSearchParams(query) };
};

export const hrefOf = (path: string, query?: Readonly<Record<string, string | undefined>>): string => {
  const search = new URLSearchParams(Object.entries(query ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
  return `#${path}${search.size > 0 ? `?${search}` : ''}`;
};

export const navigate = (path: string, query?: Readonly<Record<string, string | undefined>>): void => {
  location.hash = hrefOf(path, query);
};

export const usePlace = (): Place => {
  const [place, setPlace] = useState(() => placeOf(location.hash));
  useEffect(() => {
    const moved = (): void => setPlace(placeOf(location.hash));
    addEventListener('hashchange', moved);
    return () => removeEventListener('hashchange', moved);
  }, []);
  return place;
};
