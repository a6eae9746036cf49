import { join } from 'node:path';
import type { ObjectStore } from './ports/object-store.ts';

/** Where the exported tables live in the analytics bucket: `exports/<table>/dt=…/`. */
export const exportPrefix = 'exports/';

/** Under the export's root, one manifest per table: `_manifest/<table>.json`. */
export const manifestFolder = '_manifest/';

/** The export folder of one machine's data directory (`.comeback/exports`): what DuckDB reads. */
export const localExportRoot = (dataDirectory: string): string => join(dataDirectory, 'exports');

/** The same store seen from under a prefix: keys are given and listed without it. */
export const withKeyPrefix = (store: ObjectStore, prefix: string): ObjectStore => ({
  put: (key, body, contentType) => store.put(`${prefix}${key}`, body, contentType),
  get: (key) => store.get(`${prefix}${key}`),
  list: async (under) => (await store.list(`${prefix}${under}`)).map((key) => key.slice(prefix.length)),
  delete: (keys) => store.delete(keys.map((key) => `${prefix}${key}`)),
});
